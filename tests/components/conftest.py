"""Run components under Pulumi's mock runtime (the same recorder `deploy plan` uses)."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from functools import cache

import pytest

from deepseek_deploy.stacks.run.recorder import Recording, record


def _unplaced(value) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", json.dumps(value, sort_keys=True, default=repr))


@pytest.fixture
def run():
    """run(lambda: Component(...)) -> Recording of every registered resource.

    Each program runs twice: with the typed provider classes (what users' programs and `deploy up`
    get) and by type token (what `deploy plan` does, components.sdk); both must record the same.
    """
    from deepseek_deploy.components import sdk

    def runner(program, region: str = "us-west-2") -> Recording:
        with sdk.by_type_token():
            by_token = record(program, region=region)
        typed = record(program, region=region)
        assert by_token.resources == typed.resources, "registering by type token changed a resource"
        # A program may return its component object: compare what it shows, not where it lives.
        assert _unplaced(by_token.value) == _unplaced(typed.value)
        return typed

    return runner


@pytest.fixture
def options(monkeypatch):
    """Resource options the recorder does not keep: after a run, `options[name]` holds the `protect`,
    `retain_on_delete` (None when not set) and `timeouts` (create, update) of each resource as the engine
    would receive them."""
    from deepseek_deploy.stacks.run import recorder

    seen: dict[str, dict] = {}
    make_monitor = recorder._monitor

    def monitor(mocks):
        made = make_monitor(mocks)
        register = made.RegisterResource

        def register_resource(request):
            seen[request.name] = {
                "protect": request.protect if request.HasField("protect") else None,
                "retain_on_delete": request.retainOnDelete if request.HasField("retainOnDelete") else None,
                "timeouts": (request.customTimeouts.create, request.customTimeouts.update),
            }
            return register(request)

        made.RegisterResource = register_resource
        return made

    monkeypatch.setattr(recorder, "_monitor", monitor)
    return seen


def kept_names(options: dict[str, dict]) -> tuple[set[str], set[str]]:
    """(protected, retained but not protected) resource names."""
    protected = {name for name, o in options.items() if o["protect"]}
    retained = {name for name, o in options.items() if o["retain_on_delete"] and not o["protect"]}
    return protected, retained


def of_type(recording: Recording, token: str) -> list[dict]:
    return [r for r in recording.resources if r["type"] == token]


def one(recording: Recording, token: str) -> dict:
    found = of_type(recording, token)
    assert len(found) == 1, [r["name"] for r in found]
    return found[0]


def policy(resource: dict, key: str = "policy") -> dict:
    return json.loads(resource["inputs"][key])


@cache
def is_taggable(token: str) -> bool:
    """Whether the pulumi-aws resource behind a type token accepts `tags`."""
    if not token.startswith("aws:"):
        return False
    _, module, name = token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def actions_of(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def resources_of(statement: dict) -> list[str]:
    resources = statement.get("Resource", [])
    return [resources] if isinstance(resources, str) else list(resources)
