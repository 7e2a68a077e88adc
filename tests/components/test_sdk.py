"""Registering by type token (`deploy plan`) sends exactly what the typed provider classes send.

components.sdk lets a plan skip importing the provider SDKs' service packages; these tests hold it
to the typed path: every registration of every example, with its options, is the same both ways,
the recipes are what the installed SDKs say today, and the plan really imports no service package.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deepseek_deploy.components import sdk, sdk_recipes
from deepseek_deploy.stacks.run import dry_run, recorder
from deepseek_deploy.stacks.sizing.deployment import resolve_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

# What the engine receives besides the inputs. `version` is left out on purpose: typed classes
# name their SDK's plugin version so a real engine downloads that provider; the by-token path only
# ever runs under the mock runtime of `deploy plan`, where no provider is loaded.
REQUEST_FIELDS = (
    "type", "name", "parent", "custom", "dependencies", "protect", "ignoreChanges", "replaceOnChanges",
    "additionalSecretOutputs", "deleteBeforeReplace", "provider", "retainOnDelete", "deletedWith",
    "acceptSecrets", "acceptResources", "supportsResultReporting",
)  # fmt: skip


def _requests(monkeypatch: pytest.MonkeyPatch, spec: Path, typed: bool) -> list[dict]:
    """Every RegisterResource request of the plan, as comparable data."""
    seen: list[dict] = []
    make_monitor = recorder._monitor

    def monitor(mocks):
        made = make_monitor(mocks)
        register = made.RegisterResource

        def register_resource(request):
            if request.type == "pulumi:pulumi:Stack":  # registered once per process, not per program
                return register(request)
            from google.protobuf.json_format import MessageToDict

            whole = MessageToDict(request, preserving_proto_field_name=False)
            kept = {field: whole.get(field) for field in REQUEST_FIELDS}
            kept["dependencies"] = sorted(kept["dependencies"] or [])  # the SDK collects them in a set
            kept["object"] = whole.get("object")
            kept["propertyDependencies"] = {
                key: sorted(value.get("urns", [])) for key, value in whole.get("propertyDependencies", {}).items()
            }
            kept["aliases"] = sorted(json.dumps(a, sort_keys=True) for a in whole.get("aliases", []))
            kept["customTimeouts"] = whole.get("customTimeouts")
            seen.append(kept)
            return register(request)

        made.RegisterResource = register_resource
        return made

    monkeypatch.setattr(recorder, "_monitor", monitor)
    dry_run.run_program(resolve_file(str(spec)), typed=typed)
    return sorted(seen, key=lambda r: (r["type"], r["name"]))


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: p.stem)
def test_every_registration_of_every_example_is_the_same_by_type_token_as_typed(monkeypatch, spec):
    typed = _requests(monkeypatch, spec, typed=True)
    by_token = _requests(monkeypatch, spec, typed=False)
    assert [(r["type"], r["name"]) for r in by_token] == [(r["type"], r["name"]) for r in typed]
    for want, got in zip(typed, by_token, strict=True):
        assert got == want, f"{want['type']} {want['name']} differs by type token"


def test_the_recipes_are_what_the_installed_provider_sdks_say():
    """Fails after an SDK upgrade or a newly used class: run the generator's --write."""
    used = sdk_recipes.used_classes([ROOT / "components", ROOT / "stacks" / "build"])
    fresh = json.loads(json.dumps(sdk_recipes.generate(used), sort_keys=True, default=repr))
    assert fresh == sdk_recipes.load(), "python -m deepseek_deploy.components.sdk_recipes --write"


def test_nested_python_names_become_provider_names_but_map_keys_and_unknown_keys_stay():
    types = {
        "T": {"block_device_mappings": ["blockDeviceMappings", {"list": {"object": "U"}}], "tags": ["tags", None]},
        "U": {"device_name": ["deviceName", None], "ebs": ["ebs", {"map": {"object": "U"}}]},
    }
    value = {
        "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"my_key": {"device_name": "x"}}}],
        "tags": {"cost_center": "a"},
        "alreadyCamel": 1,
    }
    assert sdk._rename(value, {"object": "T"}, types) == {
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"my_key": {"deviceName": "x"}}}],
        "tags": {"cost_center": "a"},
        "alreadyCamel": 1,
    }


def test_outside_a_plan_the_components_get_the_typed_classes():
    import pulumi_aws

    assert sdk.aws.iam.Role.path == "aws.iam.Role"
    assert sdk_recipes.real_class("aws.iam.Role") is pulumi_aws.iam.Role


@pytest.mark.parametrize("example", ["r1-self-hosted-eks", "r1-serverless"])
def test_a_plan_imports_no_provider_service_package(example):
    probe = (
        "import sys, json\n"
        "from deepseek_deploy.cli.plan import plan_document\n"
        f"plan_document({str(ROOT / 'examples' / (example + '.yaml'))!r})\n"
        # The SDKs list every submodule in sys.modules as a lazy module; only loaded ones count.
        "print(json.dumps(sorted(m for m, v in sys.modules.items() if type(v).__name__ != '_LazyModule' "
        "and m.split('.')[0] in ('pulumi_aws', 'pulumi_kubernetes', 'pulumi_random'))))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True).stdout)
    packages = {".".join(m.split(".")[:2]) for m in loaded if "." in m}
    # The top-level modules load with `import pulumi_aws` (the floor); the typed-only classes
    # (the Kubernetes provider, CustomResource, yaml/v2 ConfigFile) bring their small packages.
    # No resource service package (pulumi_aws.ec2, pulumi_kubernetes.core, ...) loads.
    allowed = {"pulumi_kubernetes.apiextensions", "pulumi_kubernetes.meta", "pulumi_kubernetes.yaml"}
    assert {p for p in packages if "." in p and not _top_level(p)} <= allowed, loaded


def _top_level(dotted: str) -> bool:
    """`pulumi_aws.get_caller_identity` is a module of the package itself, not a service package."""
    import importlib.util

    name = dotted.split(".")[1]
    spec = importlib.util.find_spec(dotted)
    return name.startswith("_") or bool(spec and spec.submodule_search_locations is None)


def test_keys_of_plain_maps_are_sent_as_written_both_ways(run):
    """A ConfigMap's file names and a Secret's variable names keep their underscores (no camel-casing)."""
    from deepseek_deploy.components.sdk import k8s

    def program() -> None:
        k8s.core.v1.ConfigMap(
            "files", metadata={"name": "files"}, data={"scorer_weights.json": "{}", "LITELLM_MASTER_KEY": "x"}
        )

    recording = run(program)
    assert recording.resources[0]["inputs"]["data"] == {"LITELLM_MASTER_KEY": "x", "scorer_weights.json": "{}"}
