"""Run components under Pulumi's mock runtime (the same recorder `deploy plan` uses)."""

from __future__ import annotations

import importlib
import inspect
import json
from functools import cache

import pytest

from deepseek_deploy.stacks.run.recorder import Recording, record


@pytest.fixture
def run():
    """run(lambda: Component(...)) -> Recording of every registered resource."""

    def runner(program, region: str = "us-west-2") -> Recording:
        return record(program, region=region)

    return runner


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
