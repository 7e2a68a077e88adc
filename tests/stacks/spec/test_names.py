"""Names derived from `name` fit every limit: each example is planned with the longest name the spec accepts
for it, and every IAM role, bucket, Helm release and other named resource is measured as Pulumi will name it
(logical name plus its random suffix). One character more is refused, naming the limit."""

import re

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_text
from deepseek_deploy.stacks.spec.loader import SpecError
from deepseek_deploy.stacks.spec.names import AWS_SUFFIX, HELM_SUFFIX, name_problem

from ...conftest import EXAMPLES

# type -> (input that names it explicitly, the service's limit, random suffix when Pulumi names it)
LIMITS = {
    "aws:iam/role:Role": ("name", 64, AWS_SUFFIX),
    "aws:iam/policy:Policy": ("name", 128, AWS_SUFFIX),
    "aws:s3/bucket:Bucket": ("bucket", 63, AWS_SUFFIX),
    "aws:s3/bucketV2:BucketV2": ("bucket", 63, AWS_SUFFIX),
    "aws:eks/cluster:Cluster": ("name", 100, AWS_SUFFIX),
    "aws:eks/nodeGroup:NodeGroup": ("nodeGroupName", 63, AWS_SUFFIX),
    "aws:sns/topic:Topic": ("name", 256, AWS_SUFFIX),
    "aws:bedrock/guardrail:Guardrail": ("name", 50, AWS_SUFFIX),
    "aws:bedrock/inferenceProfile:InferenceProfile": ("name", 64, AWS_SUFFIX),
    "aws:budgets/budget:Budget": ("name", 100, AWS_SUFFIX),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", 255, AWS_SUFFIX),
    "aws:cloudwatch/logGroup:LogGroup": ("name", 512, AWS_SUFFIX),
    "aws:kms/alias:Alias": ("name", 256, AWS_SUFFIX),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", 128, AWS_SUFFIX),
    "kubernetes:helm.sh/v3:Release": ("name", 53, HELM_SUFFIX),
}


def longest_accepted(text: str) -> int:
    """The longest name the spec accepts: 39 (the pattern's), or less where a derived name needs it."""
    return next(n for n in range(39, 1, -1) if _fits(text, n))


def with_name_text(text: str, name: str) -> str:
    return re.sub(r"(?m)^name: .*$", f"name: {name}", text)


def _fits(text: str, length: int) -> bool:
    try:
        resolve_text(with_name_text(text, "a" * length))
    except SpecError:
        return False
    return True


def _kubernetes_names(resource: dict) -> list[tuple[str, str, int]]:
    """A Kubernetes object's name (a Service's is a DNS label: 63) and its label values (63)."""
    metadata = resource["inputs"].get("metadata") or {}
    name = metadata.get("name") or resource["name"] + "-" + "x" * (HELM_SUFFIX - 1)
    limit = 63 if resource["type"] == "kubernetes:core/v1:Service" else 253
    labels = [(f"{resource['type']} label", str(v), 63) for v in (metadata.get("labels") or {}).values()]
    return [(resource["type"], name, limit), *labels]


def physical_names(document: dict) -> list[tuple[str, str, int]]:
    """(type, name as AWS, Helm or Kubernetes will see it, limit) for every resource whose name has a limit."""
    found = []
    for resource in document["resources"]:
        kind = resource["type"]
        if kind in LIMITS:
            key, limit, suffix = LIMITS[kind]
            explicit = resource["inputs"].get(key)
            found.append((kind, explicit or resource["name"] + "-" + "x" * (suffix - 1), limit))
        elif kind.startswith("kubernetes:") and kind != "kubernetes:yaml/v2:ConfigFile":
            found.extend(_kubernetes_names(resource))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_longest_accepted_name_fits_every_derived_name(path, tmp_path):
    from deepseek_deploy.cli.plan import plan_document

    text = path.read_text()
    length = longest_accepted(text)
    spec_file = tmp_path / path.name
    spec_file.write_text(with_name_text(text, "a" * length))
    names = physical_names(plan_document(str(spec_file)))
    assert names, "the example creates named resources"
    too_long = [(kind, name, len(name), limit) for kind, name, limit in names if len(name) > limit]
    assert too_long == []
    if length < 39:
        with pytest.raises(SpecError) as refused:
            resolve_text(with_name_text(text, "a" * (length + 1)), "spec.yaml")
        assert f"Give a name of at most {length} characters" in str(refused.value)


def test_the_message_names_the_tightest_limit():
    text = (
        "name: a-very-long-deployment-name-x\nmodel: distill-qwen-14b\nmode: self-hosted\nregion: us-west-2\n"
        "cluster: {create: eks, node_instance_type: g6e.xlarge}\nserving: {expose: load-balancer}\n"
    )
    with pytest.raises(SpecError) as refused:
        resolve_text(text, "spec.yaml")
    message = str(refused.value)
    assert message.startswith("spec.yaml:1:7: name: 'a-very-long-deployment-name-x' is 29 characters")
    assert "Helm release (Helm allows 53)" in message and "at most 26 characters" in message


def test_a_short_name_has_no_problem():
    spec = resolve_text("name: bot\nmodel: r1\nmode: serverless\nregion: us-west-2\n").spec
    assert name_problem(spec) is None
