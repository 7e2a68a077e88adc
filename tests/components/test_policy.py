"""The rules of components/policy: each one fails a resource crafted to break it and passes its compliant twin,
and the CrossGuard pack's validators, called directly, give the same verdicts as `deploy check`'s evaluation on
the same resources (crafted ones, and every example's recorded plan)."""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
from functools import cache
from pathlib import Path

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from deepseek_deploy.components.policy import BY_ID, PACK_DIR, RULES, UNKNOWN, Resource, evaluate, placeholder_refs
from deepseek_deploy.components.policy.core import judge
from deepseek_deploy.components.policy.crossguard import plain, policies

from ..conftest import EXAMPLES

SECRET_KEY = "sk-live-0123456789abcdef"  # a value that must never reach a message

# ---------------------------------------------------------------- crafted resources


def r(type_: str, name: str, **inputs) -> Resource:
    return Resource(type_, name, inputs)


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources, **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def iam(*statements: dict) -> Resource:
    return r("aws:iam/policy:Policy", "p", policy=doc(*statements))


MODEL = "arn:aws:bedrock:us-west-2::foundation-model/deepseek.r1-v1:0"
ALL_ACCESS = "arn:aws:bedrock:us-west-2:123456789012:marketplace/model-endpoint/all-access"
ENDPOINT = "arn:aws:sagemaker:us-west-2:123456789012:endpoint/bot"
GUARDRAIL_ID = {"bedrock:GuardrailIdentifier": "arn:aws:bedrock:us-west-2:123456789012:guardrail/g:1"}
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
ENFORCED = iam(
    allow(INVOKE, [MODEL], Condition={"StringEquals": GUARDRAIL_ID}),
    {"Effect": "Deny", "Action": INVOKE, "Resource": [MODEL], "Condition": {"StringNotEquals": GUARDRAIL_ID}},
)
MARKETPLACE = iam(
    allow(INVOKE, [ALL_ACCESS]),
    allow(
        ["sagemaker:InvokeEndpoint"],
        [ENDPOINT],
        Condition={"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}},
    ),
)
KEY_POLICY = doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
)
PROFILE = r("aws:bedrock/inferenceProfile:InferenceProfile", "bot-profile")


def bucket_parts(**overrides) -> list[Resource]:
    """A bucket and its four settings, linked as the dry run links them (`${bucket.id}`)."""
    ref = "${logs.id}"
    tls = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    tls["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    flags = dict.fromkeys(("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    parts = {
        "bucket": r("aws:s3/bucket:Bucket", "logs"),
        "block": r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs-block", bucket=ref, **flags),
        "sse": r(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "logs-sse",
            bucket=ref,
            rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}],
        ),
        "versioning": r(
            "aws:s3/bucketVersioning:BucketVersioning",
            "logs-versioning",
            bucket=ref,
            versioningConfiguration={"status": "Enabled"},
        ),
        "policy": r("aws:s3/bucketPolicy:BucketPolicy", "logs-policy", bucket=ref, policy=doc(tls)),
    }
    parts.update(overrides)
    found = [p for p in parts.values() if p is not None]
    return [
        Resource(p.type, p.name, p.inputs, None, placeholder_refs(p.inputs, [q.name for q in found])) for p in found
    ]


CONTAINER = {
    "name": "vllm",
    "image": "vllm/vllm-openai:v0.33.0",
    "ports": [{"containerPort": 8000}],
    "env": [{"name": "VLLM_API_KEY", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "api-key"}}}],
    "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False},
    "resources": {"limits": {"cpu": "4", "memory": "16Gi"}},
    "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
}
LABELS = {"app.kubernetes.io/name": "bot"}


def workload(kind: str = "apps/v1:Deployment", annotations: dict | None = None, **container) -> Resource:
    body = {**copy.deepcopy(CONTAINER), **container}
    body = {k: v for k, v in body.items() if v is not None}
    template = {"metadata": {"labels": LABELS}, "spec": {"containers": [body]}}
    metadata = {"name": "bot", "namespace": "ai", **({"annotations": annotations} if annotations else {})}
    return r(f"kubernetes:{kind}", "bot", metadata=metadata, spec={"replicas": 2, "template": template})


def context(**changes) -> dict:
    return {**CONTAINER["securityContext"], **changes}


NETWORK_POLICY = r(
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "bot-net",
    metadata={"name": "bot", "namespace": "ai"},
    spec={"podSelector": {"matchLabels": LABELS}},
)
PDB = r(
    "kubernetes:policy/v1:PodDisruptionBudget",
    "bot-pdb",
    metadata={"name": "bot", "namespace": "ai"},
    spec={"maxUnavailable": 1, "selector": {"matchLabels": LABELS}},
)
LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:aws:acm:us-west-2:123456789012:certificate/x",
}


def service(annotations: dict = LB_ANNOTATIONS, ranges: list | None = None) -> Resource:
    spec = {"type": "LoadBalancer", "selector": LABELS, "ports": [{"port": 443}]}
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = ranges
    return r(
        "kubernetes:core/v1:Service", "bot-lb", metadata={"namespace": "ai", "annotations": annotations}, spec=spec
    )


def eks(**vpc) -> Resource:
    encryption = {"resources": ["secrets"], "provider": {"keyArn": "${key.arn}"}}
    return r("aws:eks/cluster:Cluster", "c", encryptionConfig=encryption, vpcConfig=vpc)


def template(tokens: str = "required", encrypted="true") -> Resource:
    disk = {"deviceName": "/dev/xvda", "ebs": {"encrypted": encrypted}}
    return r(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "lt",
        metadataOptions={"httpTokens": tokens},
        blockDeviceMappings=[disk],
    )


BUDGET = r("aws:budgets/budget:Budget", "budget")
LOGGING = r(
    "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration",
    "logging",
    loggingConfig={"textDataDeliveryEnabled": True, "s3Config": {"bucketName": "${logs.id}"}},
)
GUARDRAIL = [r("aws:bedrock/guardrail:Guardrail", "g"), r("aws:bedrock/guardrailVersion:GuardrailVersion", "g-v")]

# rule id -> (resources crafted to break it, the same made compliant)
CASES: dict[str, tuple[list[Resource], list[Resource]]] = {
    "DD-IAM-001": (
        [iam(allow("s3:*", "arn:aws:s3:::logs/*")), iam(allow(["logs:PutLogEvents"], "*"))],
        [
            iam(allow(["ec2:DescribeVpcs", "ecr:GetAuthorizationToken"], "*")),
            r("aws:kms/key:Key", "k", policy=KEY_POLICY),
        ],
    ),
    "DD-IAM-002": (
        [iam(allow(INVOKE, ["arn:aws:bedrock:*::foundation-model/*"])), iam(allow(INVOKE, [ALL_ACCESS]))],
        [ENFORCED, MARKETPLACE],
    ),
    "DD-IAM-003": (
        [
            iam(allow(["logs:PutLogEvents"], "arn:aws:logs:us-west-2:123456789012:*")),
            iam(allow(["kms:DescribeKey"], "*")),
        ],
        [iam(allow(["logs:PutLogEvents"], "arn:aws:logs:us-west-2:123456789012:log-group:/x:*"))],
    ),
    "DD-GR-001": ([PROFILE], [PROFILE, *GUARDRAIL]),
    "DD-GR-002": ([iam(allow(INVOKE, [MODEL]))], [ENFORCED, MARKETPLACE]),
    "DD-LOG-001": ([PROFILE], [PROFILE, LOGGING]),
    "DD-S3-001": (bucket_parts(block=None), bucket_parts()),
    "DD-S3-002": (bucket_parts(sse=None), bucket_parts()),
    "DD-S3-003": (bucket_parts(versioning=None), bucket_parts()),
    "DD-S3-004": (bucket_parts(policy=None), bucket_parts()),
    "DD-KMS-001": (
        [r("aws:kms/key:Key", "k", enableKeyRotation=False)],
        [r("aws:kms/key:Key", "k", enableKeyRotation=True)],
    ),
    "DD-ENC-001": (
        [r("aws:efs/fileSystem:FileSystem", "fs", encrypted=False), template(encrypted="false")],
        [template()],
    ),
    "DD-EKS-001": (
        [eks(endpointPublicAccess=True), eks(publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"])],
        [eks(endpointPublicAccess=False)],
    ),
    "DD-EKS-002": (
        [r("aws:eks/cluster:Cluster", "c", vpcConfig={"endpointPublicAccess": False})],
        [eks(endpointPublicAccess=False)],
    ),
    "DD-EC2-001": ([template(tokens="optional")], [template()]),
    "DD-K8S-001": (
        [workload(securityContext=context(runAsNonRoot=False)), workload(securityContext=context(runAsUser=0))],
        [workload()],
    ),
    "DD-K8S-002": ([workload(securityContext=context(readOnlyRootFilesystem=False))], [workload()]),
    "DD-K8S-003": (
        [
            workload(securityContext=context(allowPrivilegeEscalation=True)),
            workload(securityContext=context(privileged=True)),
        ],
        [workload()],
    ),
    "DD-K8S-004": ([workload(resources={"limits": {"cpu": "4"}})], [workload()]),
    "DD-K8S-005": ([workload(readinessProbe=None)], [workload()]),
    "DD-K8S-006": (
        [
            workload(image="vllm/vllm-openai:latest"),
            workload(image="vllm/vllm-openai"),
            workload(image="vllm/vllm-openai:nightly"),
        ],
        [workload(image="vllm/vllm-openai@sha256:" + "a" * 64)],
    ),
    "DD-K8S-007": ([workload()], [workload(), NETWORK_POLICY]),
    "DD-K8S-008": (
        [
            workload(),
            r(
                PDB.type,
                "pdb",
                metadata={"namespace": "ai"},
                spec={"maxUnavailable": 0, "selector": {"matchLabels": LABELS}},
            ),
        ],
        [workload(), PDB],
    ),
    "DD-LB-001": (
        [service(), workload(), service(ranges=["0.0.0.0/0"]), service(ranges=["10.0.0.0/8"])],
        [service(ranges=["203.0.113.0/24"]), workload()],
    ),
    "DD-LB-002": (
        [service(annotations={"service.beta.kubernetes.io/aws-load-balancer-scheme": "x"}, ranges=["203.0.113.0/24"])],
        [service(ranges=["203.0.113.0/24"])],
    ),
    "DD-COST-001": ([PROFILE], [PROFILE, BUDGET]),
}


def messages(rule_id: str, resources: list[Resource]) -> list[str]:
    return [v.message for v in judge(BY_ID[rule_id], resources)[0]]


def test_every_rule_has_a_crafted_case():
    assert set(CASES) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_a_crafted_violation_fails_and_its_compliant_twin_passes(rule_id):
    bad, good = CASES[rule_id]
    assert messages(rule_id, bad), f"{rule_id} missed its crafted violation"
    assert messages(rule_id, good) == []


def test_rule_ids_are_stable_and_documented():
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"DD-[A-Z0-9]+-\d{3}", rule.id)
        assert rule.severity in ("error", "warning") and rule.scope in ("resource", "stack")
        assert rule.title and rule.why and rule.fix and "\n" not in rule.title


# ---------------------------------------------------------------- particular verdicts


def test_marketplace_all_access_is_accepted_only_with_the_scoped_endpoint_statement():
    assert messages("DD-IAM-002", [MARKETPLACE]) == []
    wide_endpoint = iam(
        allow(INVOKE, [ALL_ACCESS]),
        allow(["sagemaker:InvokeEndpoint"], ["arn:aws:sagemaker:us-west-2:123456789012:endpoint/*"]),
    )
    found = messages("DD-IAM-002", [wide_endpoint])
    assert any("endpoint/*" in m for m in found) and any("all-access" in m for m in found)
    assert messages("DD-GR-002", [MARKETPLACE]) == []  # Bedrock cannot enforce a guardrail on Marketplace


def test_the_default_key_policy_and_conditioned_service_statements_are_not_wildcards():
    service = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.amazonaws.com"},
        "Action": ["kms:Decrypt"],
        "Resource": "*",
    }
    service["Condition"] = {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}
    key = r("aws:kms/key:Key", "k", policy=doc(json.loads(KEY_POLICY)["Statement"][0], service))
    assert messages("DD-IAM-001", [key]) == []
    other = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert messages("DD-IAM-001", [r("aws:kms/key:Key", "k", policy=doc(other))])
    trust = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    assert "Principal `*`" in messages("DD-IAM-001", [r("aws:iam/role:Role", "role", assumeRolePolicy=trust)])[0]
    admin = r("aws:iam/role:Role", "admin", managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    assert "AdministratorAccess" in messages("DD-IAM-001", [admin])[0]


def test_an_annotation_with_a_reason_exempts_one_object():
    root = workload(
        securityContext=context(runAsNonRoot=False), annotations={"checkov.io/skip1": "CKV_K8S_23=needs root"}
    )
    verdicts = evaluate([BY_ID["DD-K8S-001"]], [root])
    assert verdicts.violations == [] and "needs root (checkov.io/skip1)" in verdicts.exemptions[0].reason
    ours = workload(readinessProbe=None, annotations={"deepseek-deploy/policy-skip1": "DD-K8S-005=batch-like"})
    assert evaluate([BY_ID["DD-K8S-005"]], [ours]).exemptions
    no_reason = workload(securityContext=context(runAsNonRoot=False), annotations={"checkov.io/skip1": "CKV_K8S_23="})
    assert evaluate([BY_ID["DD-K8S-001"]], [no_reason]).violations


def test_leaderworkerset_workers_are_probed_through_their_leader():
    lws = copy.deepcopy(dict(workload().inputs))
    worker = copy.deepcopy(lws["spec"]["template"])
    del worker["spec"]["containers"][0]["readinessProbe"], worker["spec"]["containers"][0]["livenessProbe"]
    lws["spec"] = {"leaderWorkerTemplate": {"leaderTemplate": lws["spec"]["template"], "workerTemplate": worker}}
    group = Resource("kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", "group", lws)
    assert messages("DD-K8S-005", [group]) == []
    assert messages("DD-K8S-007", [group]) and messages("DD-K8S-007", [group, NETWORK_POLICY]) == []


def test_a_public_endpoint_needs_a_key_from_a_secret_and_messages_never_show_it():
    plain_key = workload(env=[{"name": "VLLM_API_KEY", "value": SECRET_KEY}])
    found = messages("DD-LB-001", [service(ranges=["203.0.113.0/24"]), plain_key])
    assert found and "Secret" in found[0]
    no_key = workload(env=[])
    assert "requires no API key" in messages("DD-LB-001", [service(ranges=["203.0.113.0/24"]), no_key])[0]
    everything = [m for rule in RULES for m in messages(rule.id, [plain_key, service(ranges=[])])]
    assert everything and not any(SECRET_KEY in m for m in everything)


def test_internal_load_balancers_are_not_public():
    internal = {**LB_ANNOTATIONS, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
    assert messages("DD-LB-001", [service(annotations=internal)]) == []
    in_tree = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}  # in-tree: public unless marked internal
    assert messages("DD-LB-001", [service(annotations=in_tree), workload()])


def test_unknown_values_are_never_judged():
    unknown = [
        r("aws:kms/key:Key", "k", enableKeyRotation=UNKNOWN),
        r("aws:iam/policy:Policy", "p", policy=UNKNOWN),
        eks(endpointPublicAccess=True, publicAccessCidrs=UNKNOWN),
        template(tokens=UNKNOWN, encrypted=UNKNOWN),
    ]
    assert [v.message for v in evaluate(RULES, unknown).violations if v.resource is not None] == []


# ---------------------------------------------------------------- the CrossGuard pack


def test_the_pack_has_one_policy_per_rule_with_its_level():
    built = {p.name: p for p in policies()}
    assert list(built) == [rule.id for rule in RULES]
    for rule in RULES:
        policy = built[rule.id]
        kind = ResourceValidationPolicy if rule.scope == "resource" else StackValidationPolicy
        level = EnforcementLevel.MANDATORY if rule.severity == "error" else EnforcementLevel.ADVISORY
        assert isinstance(policy, kind) and policy.enforcement_level == level and policy.remediation_steps == rule.fix


def test_the_pack_folder_runs_as_a_script():
    folder = Path(PACK_DIR)
    assert "runtime: python" in (folder / "PulumiPolicy.yaml").read_text(encoding="utf-8")
    tree = ast.parse((folder / "__main__.py").read_text(encoding="utf-8"))
    assert all(node.level == 0 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
    # runpy puts the folder first on sys.path: no module of it may shadow an installed top-level module.
    for module in folder.glob("*.py"):
        if module.stem not in ("__init__", "__main__"):
            assert importlib.util.find_spec(module.stem) is None, f"{module.name} shadows an installed module"


OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _engine_view(value):
    """What the engine sends during preview: a whole-string placeholder is an unknown value."""
    if isinstance(value, dict):
        return {k: _engine_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_view(v) for v in value]
    return UNKNOWN_STRING_VALUE if isinstance(value, str) and re.fullmatch(r"\$\{[^}]*\}", value) else value


def crossguard_verdicts(resources: list[Resource]) -> set[tuple[str, str | None, str]]:
    """Run every policy of the pack the way the analyzer does, on the engine's view of these resources."""
    urn = {(x.type, x.name): f"urn:pulumi:dev::p::{x.type}::{x.name}" for x in resources}
    found: set[tuple[str, str | None, str]] = set()
    stack = []
    for x in resources:
        dependencies = {
            prop: sorted(names) for prop, names in placeholder_refs(x.inputs, [y.name for y in resources]).items()
        }
        stack.append(
            (
                PolicyResource(
                    x.type,
                    unknown_checking_proxy(_engine_view(dict(x.inputs))),
                    urn[(x.type, x.name)],
                    x.name,
                    OPTIONS,
                    None,
                    None,
                    [],
                    {},
                ),
                dependencies,
            )
        )
    by_name = {}
    for entry, _ in stack:
        by_name.setdefault(entry.name, entry)
    for entry, dependencies in stack:
        entry.property_dependencies = {prop: [by_name[n] for n in names] for prop, names in dependencies.items()}
    names = {u: key[1] for key, u in urn.items()}
    for policy in policies():
        if isinstance(policy, ResourceValidationPolicy):
            for entry, _ in stack:
                args = ResourceValidationArgs(entry.resource_type, entry.props, entry.urn, entry.name, OPTIONS, None)
                policy.validate(args, lambda message, _urn, p=policy, e=entry: found.add((p.name, e.name, message)))
        else:
            policy.validate(
                StackValidationArgs([entry for entry, _ in stack]),
                lambda message, u, p=policy: found.add((p.name, names.get(u) if u else None, message)),
            )
    return found


def check_verdicts(resources: list[Resource]) -> set[tuple[str, str | None, str]]:
    return {
        (v.rule.id, v.resource.name if v.resource else None, v.message) for v in evaluate(RULES, resources).violations
    }


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_the_validators_give_deploy_checks_verdicts_on_the_crafted_resources(rule_id):
    for resources in CASES[rule_id]:
        assert crossguard_verdicts(resources) == check_verdicts(resources)
    assert any(v[0] == rule_id for v in crossguard_verdicts(CASES[rule_id][0]))


@cache
def recorded(path: Path) -> list[Resource]:
    from deepseek_deploy.stacks.run.check import resources_of
    from deepseek_deploy.stacks.run.dry_run import run_program
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    return resources_of(run_program(resolve_file(str(path))).resources)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_validators_give_deploy_checks_verdicts_on_every_examples_plan(path):
    resources = recorded(path)
    assert crossguard_verdicts(resources) == check_verdicts(resources)


def test_the_validators_agree_on_recorded_resources_made_to_fail():
    resources = [copy.deepcopy(x) for x in recorded(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml"))]
    broken = [
        x for x in resources if x.type not in ("aws:s3/bucketVersioning:BucketVersioning", "aws:budgets/budget:Budget")
    ]
    key = next(x for x in broken if x.type == "aws:kms/key:Key")
    broken[broken.index(key)] = Resource(
        key.type, key.name, {**key.inputs, "enableKeyRotation": False}, key.parent, key.refs
    )
    expected = check_verdicts(broken)
    assert {"DD-S3-003", "DD-COST-001", "DD-KMS-001"} <= {v[0] for v in expected}
    assert crossguard_verdicts(broken) == expected


def test_the_pack_judges_a_platform_teams_own_program():
    import runpy

    from deepseek_deploy.stacks.run.check import resources_of
    from deepseek_deploy.stacks.run.recorder import record

    program = Path(EXAMPLES[0]).parent / "platform-team" / "__main__.py"
    resources = resources_of(record(lambda: runpy.run_path(str(program)) and None, region="us-west-2").resources)
    verdicts = crossguard_verdicts(resources)
    assert verdicts == check_verdicts(resources)
    # Guardrail, enforcement and invoke scope hold; the program sets up no invocation logging and no budget.
    assert {rule for rule, _, _ in verdicts} == {"DD-LOG-001", "DD-COST-001"}


def test_the_pack_serves_the_engine_over_grpc():
    """The folder started as Pulumi starts a Python pack (`python -m pulumi.policy ENGINE DIR`), asked over gRPC."""
    import select
    import subprocess
    import sys

    import grpc
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime import proto
    from pulumi.runtime.proto import analyzer_pb2_grpc

    def struct(value: dict) -> struct_pb2.Struct:
        message = struct_pb2.Struct()
        message.update(value)
        return message

    command = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", PACK_DIR]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(PACK_DIR).parent)
    try:
        assert select.select([server.stdout], [], [], 60)[0], "the pack did not start"
        port = server.stdout.readline().decode().strip()
        stub = analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        assert info.name == "deepseek-deploy" and [p.name for p in info.policies] == [rule.id for rule in RULES]
        key = proto.AnalyzeRequest(type="aws:kms/key:Key", properties=struct({"enableKeyRotation": False}), name="k")
        assert [d.policyName for d in stub.Analyze(key).diagnostics] == ["DD-KMS-001"]
        bucket = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::logs"
        versioning = proto.AnalyzerResource(
            type="aws:s3/bucketVersioning:BucketVersioning",
            name="logs-versioning",
            urn="urn:pulumi:dev::p::aws:s3/bucketVersioning:BucketVersioning::logs-versioning",
            properties=struct({"bucket": UNKNOWN_STRING_VALUE, "versioningConfiguration": {"status": "Enabled"}}),
            propertyDependencies={"bucket": proto.AnalyzerPropertyDependencies(urns=[bucket])},
        )
        logs = proto.AnalyzerResource(type="aws:s3/bucket:Bucket", name="logs", urn=bucket, properties=struct({}))
        found = stub.AnalyzeStack(proto.AnalyzeStackRequest(resources=[logs, versioning])).diagnostics
        assert {(d.policyName, d.urn) for d in found} == {
            ("DD-S3-001", bucket),
            ("DD-S3-002", bucket),
            ("DD-S3-004", bucket),  # versioned through the dependency: no DD-S3-003
            ("DD-COST-001", ""),
        }
    finally:
        server.kill()
        server.wait()
        server.stdout.close()
        server.stderr.close()


def test_plain_turns_the_engines_unknowns_into_unknown():
    proxied = unknown_checking_proxy({"a": UNKNOWN_STRING_VALUE, "b": [1, UNKNOWN_STRING_VALUE], "c": {"d": "x"}})
    assert plain(proxied) == {"a": UNKNOWN, "b": [1, UNKNOWN], "c": {"d": "x"}}
