"""`deploy plan`: run the program under Pulumi's mock runtime and record every resource.

No engine, no credentials, no network. Each resource is recorded with its type token, name,
parent and inputs as the provider would receive them. Values only the cloud can know are shown
as `${<resource>.<attribute>}` (the account as `${account_id}`), and secrets as `[secret]`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pulumi

ACCOUNT = "${account_id}"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
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
    "aws:lb/loadBalancer:LoadBalancer": ("arn", "arnSuffix", "dnsName"),
    "aws:lb/targetGroup:TargetGroup": ("arn", "arnSuffix"),
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


def mask(value: Any, sort_keys: bool = False) -> Any:
    """A secret's shape without its values: the keys of a secret map stay readable."""
    if isinstance(value, dict):
        return {key: mask(value[key], sort_keys) for key in (sorted(value) if sort_keys else value)}
    if isinstance(value, list):
        return [mask(item, sort_keys) for item in value]
    return SECRET


def _clean(value: Any, sort_keys: bool = False) -> Any:
    """Inputs as JSON: secrets masked, assets and resources named.

    `sort_keys` for values that crossed the engine protocol: a protobuf Struct's keys come back in
    an order that changes from one process to the next (e.g. a resource's tags).
    """
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return mask(rpc.unwrap_rpc_secret(value), sort_keys)
    if isinstance(value, dict):
        keys = sorted(value) if sort_keys else value
        return {k: _clean(value[k], sort_keys) for k in keys if k != "__provider"}
    if isinstance(value, (list, tuple)):
        return [_clean(v, sort_keys) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine protocol carries every number as a double
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _state(type_token: str, name: str, inputs: dict[str, Any], secret_outputs: Any = ()) -> tuple[str, dict]:
    """The id and state the mock provider returns: the inputs plus placeholders for what it computes."""
    state = dict(inputs)
    for attribute in computed_attributes(type_token):
        if state.get(attribute) is None:
            state[attribute] = f"${{{name}.{attribute}}}"
    _nested_computed(type_token, name, state)
    if secret_outputs:
        from pulumi.runtime import rpc

        for key in secret_outputs:
            if key in state:
                state[key] = rpc.wrap_rpc_secret(state[key])
    return f"${{{name}.id}}", state


def _mocks(region: str) -> pulumi.runtime.Mocks:
    """A Mocks subclass that returns placeholders for what only the cloud knows."""
    import pulumi

    class PlanMocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            return _state(args.typ, args.name, args.inputs)

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
            if args.token == "aws:ec2/getSubnet:getSubnet":  # given subnets: their VPC, known only to the cloud
                subnet = args.args.get("id")
                return {"id": subnet, "vpcId": f"${{{subnet}.vpcId}}"}, []
            if args.token == "aws:ec2/getVpc:getVpc":
                vpc = args.args.get("id")
                return {"id": vpc, "cidrBlock": f"${{{vpc}.cidrBlock}}"}, []
            if args.token == "aws:index/getPartition:getPartition":
                return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
            return {}, []

    return PlanMocks()


def _serialize(state: dict[str, Any]) -> Any:
    """`rpc.serialize_properties(state)` without an event loop when, as for plain data, it never waits.

    The coroutine is stepped once: plain values (strings, numbers, lists, maps, secrets) serialize
    without suspending, so that one step returns the Struct. Anything that does wait (a resource
    reference asks the monitor about its features) is serialized again the ordinary way.
    """
    from pulumi.runtime import rpc
    from pulumi.runtime.sync_await import _sync_await

    coroutine = rpc.serialize_properties(state, {})
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    return _sync_await(rpc.serialize_properties(state, {}))


def _monitor(mocks: pulumi.runtime.Mocks) -> Any:
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.sync_await import _ensure_event_loop

    class RecordingMonitor(MockMonitor):
        """MockMonitor that records each registration with its parent, which the mock arguments do not carry.

        RegisterResource does MockMonitor's work once instead of around it: the inputs are
        deserialized once (MockMonitor did it, then the recorder again), the engine's secret
        outputs go straight to the state (they went through an attribute the executor's threads
        shared), and the state serializes without a second event loop per call.
        """

        def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
            super().__init__(mocks)
            self.records: list[dict[str, Any]] = []
            self.names: dict[str, str] = {}

        def RegisterResource(self, request: Any) -> Any:
            if request.type == "pulumi:pulumi:Stack":
                return super().RegisterResource(request)
            from pulumi.runtime import rpc
            from pulumi.runtime.proto import resource_pb2

            _ensure_event_loop()  # deserializing a resource reference needs one on this thread
            urn = self.make_urn(request.parent, request.type, request.name)
            inputs = rpc.deserialize_properties(request.object)  # exactly what the provider would receive
            # The engine marks these outputs secret (e.g. a RandomPassword's result); so do we.
            id_, state = _state(request.type, request.name, inputs, request.additionalSecretOutputs)
            self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)
            self._record(request, urn, inputs)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=_serialize(state))

        def ReadResource(self, request: Any) -> Any:
            """A read of existing state; the one a program makes is a stack reference (a gateway's tiers)."""
            if request.type != STACK_REFERENCE:
                return super().ReadResource(request)
            return _read_stack_reference(self, request)

        def _record(self, request: Any, urn: str, inputs: Any) -> None:
            self.names[urn] = request.name
            self.records.append(
                {"type": request.type, "name": request.name, "parent_urn": request.parent, "inputs": inputs}
            )

    return RecordingMonitor(mocks)


def _read_stack_reference(monitor: Any, request: Any) -> Any:
    """Record a stack reference like a registration, so the plan shows which stacks a stack reads. Its
    outputs are placeholders named after the referenced stack (`${organization/deepseek-x/dev.invoke_model_id}`)."""
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.sync_await import _ensure_event_loop

    from ..build.gateway import TIER_OUTPUTS  # what a gateway reads of its tiers

    _ensure_event_loop()
    urn = monitor.make_urn(request.parent, request.type, request.name)
    target = rpc.deserialize_properties(request.properties).get("name") or request.id
    state = {"name": target, "outputs": {k: f"${{{target}.{k}}}" for k in TIER_OUTPUTS}, "secretOutputNames": []}
    monitor.resources[urn] = MockMonitor.ResourceRegistration(urn, target, state)
    monitor._record(request, urn, {"name": target})
    return resource_pb2.ReadResourceResponse(urn=urn, properties=_serialize(state))


def _pause_collector() -> bool:
    """No cyclic garbage collection while the program runs; returns whether the collector was on.

    A run (with the provider SDK modules it imports) makes ~10^5-10^6 objects that live until it
    ends: outputs, futures, tasks, types. Each full collection walks all of them, and the more
    there are the more full collections there are: about half of a plan's run time, and cost
    that grew faster than the number of deployments. Reference counting frees nearly all of the
    run's garbage anyway (peak memory +4-8% at 200 deployments).
    """
    collecting = gc.isenabled()
    gc.disable()
    return collecting


def _resume_collector(collecting: bool) -> None:
    """Move what the run left alive to the oldest generation, then turn the collector back on.

    Without the move, the first collection after `gc.enable()` is a young one over every object
    made during the run (3.6 s at 200 deployments). `freeze()` then `unfreeze()` splices the young
    generations into the oldest without walking them; the next full collection, which comes on
    the collector's usual schedule, still frees any cycles among them. It also undoes an earlier
    `gc.freeze()`: whoever wants objects frozen for good freezes after the run.
    """
    gc.freeze()
    gc.unfreeze()
    if collecting:
        gc.enable()


def _skip_stack_traces() -> Callable[[], Any]:
    """No source positions while the program runs under mocks; returns the SDK's function to restore.

    For every resource the SDK extracts the Python stack, with each frame's source line, and
    turns the frames into file URIs, so the engine can say where a resource was declared. The
    mock monitor never reads them, and they cost ~12% of a run.
    """
    from pulumi.runtime import resource
    from pulumi.runtime.proto import source_pb2

    original = resource._get_stack_trace
    resource._get_stack_trace = source_pb2.StackTrace  # an empty trace: no frames, no source position
    return original


def _restore_stack_traces(original: Callable[[], Any]) -> None:
    from pulumi.runtime import resource

    resource._get_stack_trace = original


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
    # A local (DIY) backend's organization is the literal `organization`, as the plan's default backend.
    mocks.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor, organization="organization"
    )
    resolved: dict[str, Any] = {}

    def run() -> Any:
        return pulumi.Output.from_input(program()).apply(lambda value: resolved.update(value=value))

    collecting = _pause_collector()
    stack_trace = _skip_stack_traces()
    try:
        _sync_await(run_pulumi_func(lambda: _sync_await(pulumi.Output.from_input(run()).future())))
    finally:
        _restore_stack_traces(stack_trace)
        settings.SETTINGS.outputs.clear()
        _resume_collector(collecting)
    resources = [
        {
            "type": r["type"],
            "name": r["name"],
            "parent": monitor.names.get(r["parent_urn"]),
            "inputs": _clean(r["inputs"], sort_keys=True),
        }
        for r in monitor.records
    ]
    # Registration order depends on the event loop; components first, then children, by name.
    resources.sort(key=lambda r: (r["parent"] is not None, r["parent"] or "", r["name"], r["type"]))
    return Recording(resources, _clean(resolved.get("value")))
