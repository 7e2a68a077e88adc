"""`deploy plan`: run the program under Pulumi's mock runtime and record every resource.

No engine, no credentials, no network. Each resource is recorded with its type token, name,
parent and inputs as the provider would receive them. Values only the cloud can know are shown
as `${<resource>.<attribute>}` (the account as `${account_id}`), and secrets as `[secret]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from ..spec.models import BaseSpec

ACCOUNT = "${account_id}"
SECRET = "[secret]"

# Attributes each resource type computes, by their provider (camelCase) names.
COMPUTED: dict[str, tuple[str, ...]] = {
    "aws:kms/key:Key": ("arn", "keyId"),
    "aws:bedrock/guardrail:Guardrail": ("guardrailArn", "guardrailId", "version"),
    "aws:bedrock/guardrailVersion:GuardrailVersion": ("version",),
    "aws:bedrock/inferenceProfile:InferenceProfile": ("arn", "id"),
    "aws:s3/bucket:Bucket": ("arn", "bucket"),
    "aws:iam/role:Role": ("arn", "name"),
    "aws:iam/policy:Policy": ("arn",),
    "aws:sns/topic:Topic": ("arn",),
    "aws:cloudwatch/logGroup:LogGroup": ("arn",),
    "aws:eks/cluster:Cluster": ("arn", "endpoint"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("arn", "latestVersion"),
    "aws:ec2/placementGroup:PlacementGroup": ("arn", "name"),
    "random:index/randomPassword:RandomPassword": ("result",),
}


def _nested_computed(type_token: str, name: str, state: dict[str, Any]) -> None:
    """Computed values inside objects, for the few types whose nested outputs the program reads."""
    if type_token == "aws:eks/cluster:Cluster":
        state["certificateAuthority"] = {"data": f"${{{name}.certificateAuthority.data}}"}
        state["vpcConfig"] = {
            **state.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"${{{name}.vpcConfig.clusterSecurityGroupId}}",
        }


def computed_attributes(type_token: str) -> tuple[str, ...]:
    """What a resource type computes; dynamic resources list theirs as OUTPUT_KEYS."""
    if type_token.startswith("pulumi-python:dynamic/"):
        from deepseek_deploy.components.providers import marketplace_endpoint, model_import_job, weights_upload

        dynamic = {
            "MarketplaceEndpoint": marketplace_endpoint.OUTPUT_KEYS,
            "ModelImportJob": model_import_job.OUTPUT_KEYS,
            "WeightsUpload": weights_upload.OUTPUT_KEYS,
        }
        return tuple(dynamic.get(type_token.rsplit(":", 1)[-1], ()))
    return COMPUTED.get(type_token, ("arn",))


@dataclass
class PlanResult:
    stack: str
    mode: str
    model: str
    resources: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    planner: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "mode": self.mode,
            "model": self.model,
            "resources": self.resources,
            "planner": self.planner,
            "cost": self.cost,
            "outputs": self.outputs,
            "notes": self.notes,
        }


def _mask(value: Any) -> Any:
    """A secret's shape without its values: the keys of a secret map stay readable."""
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return SECRET


def _clean(value: Any) -> Any:
    """Inputs as JSON: secrets masked, assets and resources named."""
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return _mask(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine protocol carries every number as a double
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _mocks(region: str):
    """A Mocks subclass that returns placeholders for what only the cloud knows."""
    import pulumi

    class PlanMocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            state = dict(args.inputs)
            for attribute in computed_attributes(args.typ):
                if state.get(attribute) is None:
                    state[attribute] = f"${{{args.name}.{attribute}}}"
            _nested_computed(args.typ, args.name, state)
            from pulumi.runtime import rpc

            for key in getattr(self, "secret_outputs", ()):
                if key in state:
                    state[key] = rpc.wrap_rpc_secret(state[key])
            return f"${{{args.name}.id}}", state

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
            if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    "accountId": ACCOUNT,
                    "arn": f"arn:aws:iam::{ACCOUNT}:user/plan",
                    "userId": "plan",
                    "id": ACCOUNT,
                }, []
            if args.token == "aws:index/getRegion:getRegion":
                return {"name": region, "region": region, "id": region}, []
            if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
                zones = [f"{region}{letter}" for letter in "abc"]
                return {"names": zones, "zoneIds": zones, "id": region, "state": "available"}, []
            if args.token == "aws:index/getPartition:getPartition":
                return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
            return {}, []

    return PlanMocks()


def _monitor(mocks):
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        """Remembers each registration's parent, which the mock arguments do not carry."""

        def __init__(self, mocks):
            super().__init__(mocks)
            self.records: list[dict[str, Any]] = []
            self.names: dict[str, str] = {}

        def RegisterResource(self, request):
            from pulumi.runtime import rpc

            # The engine marks these outputs secret (e.g. a RandomPassword's result); so do we.
            self.mocks.secret_outputs = set(request.additionalSecretOutputs)
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                self.names[response.urn] = request.name
                inputs = rpc.deserialize_properties(request.object)  # exactly what the provider would receive
                self.records.append(
                    {"type": request.type, "name": request.name, "parent_urn": request.parent, "inputs": inputs}
                )
            return response

    return RecordingMonitor(mocks)


@dataclass
class Recording:
    resources: list[dict[str, Any]]
    value: Any


def record(
    program: Callable[[], Any], *, project: str = "deepseek-deploy", stack: str = "dev", region: str = "us-east-1"
) -> Recording:
    """Run `program` under the mock runtime; every resource it registers, sorted, and its return value (resolved)."""
    import pulumi
    from pulumi.runtime import mocks, settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    monitor = _monitor(_mocks(region))
    mocks.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
    resolved: dict[str, Any] = {}

    def run() -> Any:
        return pulumi.Output.from_input(program()).apply(lambda value: resolved.update(value=value))

    try:
        _sync_await(run_pulumi_func(lambda: _sync_await(pulumi.Output.from_input(run()).future())))
    finally:
        settings.SETTINGS.outputs.clear()
    resources = [
        {
            "type": r["type"],
            "name": r["name"],
            "parent": monitor.names.get(r["parent_urn"]),
            "inputs": _clean(r["inputs"]),
        }
        for r in monitor.records
    ]
    # Registration order depends on the event loop; components first, then children, by name.
    resources.sort(key=lambda r: (r["parent"] is not None, r["parent"] or "", r["name"], r["type"]))
    return Recording(resources, _clean(resolved.get("value")))


def run_program(spec: BaseSpec, stack: str = "dev", base_dir: Optional[str] = None) -> PlanResult:
    """Build the spec's program under mocks; every resource with its parent and inputs."""
    from ..build.program import build

    notes: list[str] = []

    def program() -> Any:
        built = build(spec, base_dir)
        notes.extend(built.notes)
        return built.outputs

    raw: dict[str, Any] = {}

    def keep(outputs: dict[str, Any]) -> dict[str, Any]:
        raw.update(outputs)
        return outputs

    recording = record(lambda: keep(program()), project=f"deepseek-{spec.name}", stack=stack, region=spec.region)
    outputs = dict(recording.value or {})
    for key in _secret_outputs(raw):
        outputs[key] = _mask(outputs.get(key))
    return PlanResult(
        stack=stack, mode=spec.mode, model=spec.model, resources=recording.resources, notes=notes, outputs=outputs
    )


def _secret_outputs(outputs: dict[str, Any]) -> list[str]:
    """Keys whose Output is secret (resolved values lose the mark, so ask each Output)."""
    import pulumi
    from pulumi.runtime.sync_await import _sync_await

    return [
        key for key, value in outputs.items() if isinstance(value, pulumi.Output) and _sync_await(value.is_secret())
    ]
