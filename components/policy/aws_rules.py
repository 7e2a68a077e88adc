"""AWS resources: the Bedrock guardrail and invocation logging, S3 buckets, KMS keys, encryption at rest,
the EKS control plane, instance metadata and the budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .core import Resource, as_list, covers_world, dig, known, truthy
from .iam_rules import actions, documents, invoke_policies, principals

Finding = tuple[Resource | None, str]

GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
GUARDRAIL_VERSION = "aws:bedrock/guardrailVersion:GuardrailVersion"
INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
BUDGET = "aws:budgets/budget:Budget"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
KMS_KEY = "aws:kms/key:Key"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
# What makes a stack a Bedrock deployment: the model's own resources (or our components around them).
BEDROCK_MODELS = (
    "aws:bedrock/inferenceProfile:InferenceProfile",
    "aws:bedrock/customModel:CustomModel",
    "aws:bedrock/provisionedModelThroughput:ProvisionedModelThroughput",
    "pulumi-python:dynamic/deepseek:MarketplaceEndpoint",
    "pulumi-python:dynamic/deepseek:ModelImportJob",
    "deepseek-deploy:serverless:ServerlessModel",
    "deepseek-deploy:marketplace:MarketplaceEndpoint",
    "deepseek-deploy:custom-import:CustomModelImport",
)
ENCRYPTED_TYPES = (
    "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume",
    LAUNCH_TEMPLATE,
    "aws:sns/topic:Topic",
    "kubernetes:storage.k8s.io/v1:StorageClass",
)
EBS_PROVISIONERS = ("ebs.csi.aws.com", "kubernetes.io/aws-ebs")


def of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def s3_kind(resource: Resource) -> str:
    """`aws:s3/bucketVersioningV2:BucketVersioningV2` -> `bucketVersioning` (the V2 names are the same thing)."""
    if not resource.type.startswith("aws:s3/"):
        return ""
    module = resource.type.split(":")[1].split("/", 1)[1]
    return module[:-2] if module.endswith("V2") else module


# ---------------------------------------------------------------- Bedrock


def bedrock_evidence(resources: Sequence[Resource]) -> Resource | None:
    """The resource that shows this stack serves a Bedrock model: the model itself, or a policy to invoke one."""
    models = of_type(resources, *BEDROCK_MODELS)
    if models:
        return models[0]
    policies = invoke_policies(resources)
    return policies[0] if policies else None


def not_bedrock(resources: Sequence[Resource]) -> str | None:
    if bedrock_evidence(resources) is None:
        return "not applicable: the plan serves no Bedrock model (no model, profile, endpoint or invoke policy)"
    return None


def guardrail_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-GR-001: a Bedrock deployment has a guardrail and a published version of it."""
    evidence = bedrock_evidence(resources)
    if evidence is None:
        return
    if not of_type(resources, GUARDRAIL):
        yield evidence, "this Bedrock deployment has no guardrail (aws:bedrock/guardrail:Guardrail)"
    elif not of_type(resources, GUARDRAIL_VERSION):
        yield of_type(resources, GUARDRAIL)[0], "the guardrail has no published version to name in invocations"


def invocation_logging_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-LOG-001: Bedrock model invocation logging delivers text to S3 or CloudWatch Logs."""
    if bedrock_evidence(resources) is None:
        return
    settings = of_type(resources, INVOCATION_LOGGING)
    if not settings:
        yield None, "Bedrock model invocation logging is not configured in this stack"
    for setting in settings:
        config = setting.inputs.get("loggingConfig")
        destination = dig(config, "s3Config", "bucketName") or dig(config, "cloudwatchConfig", "logGroupName")
        if dig(config, "textDataDeliveryEnabled") is False:
            yield setting, "invocation logging leaves out text (textDataDeliveryEnabled: false): prompts go unlogged"
        elif not destination:
            yield setting, "invocation logging names neither an S3 bucket nor a CloudWatch log group"


# ---------------------------------------------------------------- S3


def _settings(resources: Sequence[Resource], bucket: Resource, kind: str) -> list[Resource]:
    """The bucket's separate settings of one kind (`bucketVersioning`, ...), found by their `bucket` input."""
    return [r for r in resources if s3_kind(r) == kind and r.refers_to("bucket", bucket, "bucket")]


def _bucket_check(resources: Sequence[Resource], test: Any) -> Iterable[Finding]:
    for bucket in of_type(resources, *BUCKETS):
        message = test(resources, bucket)
        if message:
            yield bucket, message


def _private(resources: Sequence[Resource], bucket: Resource) -> str | None:
    public_acls = ("public-read", "public-read-write", "authenticated-read")
    acls = [bucket.inputs.get("acl")] + [dig(r.inputs, "acl") for r in _settings(resources, bucket, "bucketAcl")]
    if any(acl in public_acls for acl in acls):
        return "the bucket has a public ACL"
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocks = _settings(resources, bucket, "bucketPublicAccessBlock")
    if not any(all(r.inputs.get(f) is True or not known(r.inputs.get(f)) for f in flags) for r in blocks):
        return "no public access block with all four settings on (BlockPublicAcls, BlockPublicPolicy, ...)"
    return None


def _encrypted(resources: Sequence[Resource], bucket: Resource) -> str | None:
    configs = [r.inputs for r in _settings(resources, bucket, "bucketServerSideEncryptionConfiguration")]
    configs.append(bucket.inputs.get("serverSideEncryptionConfiguration") or {})
    algorithms = [
        dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        for config in configs
        for rule in as_list(dig(config, "rules")) + as_list(dig(config, "rule"))
    ]
    if any(a in ("aws:kms", "aws:kms:dsse", "AES256") or not known(a) for a in algorithms if a is not None):
        return None
    return "no default encryption is configured (BucketServerSideEncryptionConfiguration)"


def _versioned(resources: Sequence[Resource], bucket: Resource) -> str | None:
    statuses = [
        dig(r.inputs, "versioningConfiguration", "status") for r in _settings(resources, bucket, "bucketVersioning")
    ]
    if "Enabled" in statuses or truthy(dig(bucket.inputs, "versioning", "enabled")):
        return None
    return "versioning is not enabled (BucketVersioning with status Enabled)"


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    secure = [
        value
        for block in (statement.get("Condition") or {}).values()
        if isinstance(block, Mapping)
        for key, value in block.items()
        if isinstance(key, str) and key.lower() == "aws:securetransport"
    ]
    return (
        statement.get("Effect") == "Deny"
        and "*" in principals(statement)
        and any(a in ("*", "s3:*") for a in actions(statement))
        and any(str(v).lower() == "false" for v in secure)
    )


def _tls_only(resources: Sequence[Resource], bucket: Resource) -> str | None:
    holders = [*_settings(resources, bucket, "bucketPolicy"), bucket]
    if any(_denies_plain_http(s) for r in holders for d in documents(r) for s in d.statements):
        return None
    if any(not known(r.inputs.get("policy")) for r in holders if "policy" in r.inputs):
        return None  # the policy is known only at deploy time
    return "no bucket policy denies requests without TLS (Deny s3:* when aws:SecureTransport is false)"


def bucket_private(resources: Sequence[Resource]) -> Iterable[Finding]:
    return _bucket_check(resources, _private)


def bucket_encrypted(resources: Sequence[Resource]) -> Iterable[Finding]:
    return _bucket_check(resources, _encrypted)


def bucket_versioned(resources: Sequence[Resource]) -> Iterable[Finding]:
    return _bucket_check(resources, _versioned)


def bucket_tls_only(resources: Sequence[Resource]) -> Iterable[Finding]:
    return _bucket_check(resources, _tls_only)


# ---------------------------------------------------------------- keys, encryption, EKS, EC2, cost


def key_rotation_findings(resource: Resource) -> Iterable[str]:
    """DD-KMS-001: symmetric KMS keys rotate (asymmetric and HMAC keys cannot)."""
    spec = resource.inputs.get("customerMasterKeySpec") or resource.inputs.get("keySpec") or "SYMMETRIC_DEFAULT"
    rotation = resource.inputs.get("enableKeyRotation")
    if spec == "SYMMETRIC_DEFAULT" and known(rotation) and rotation is not True:
        yield "automatic key rotation is off (enableKeyRotation)"


def encryption_findings(resource: Resource) -> Iterable[str]:
    """DD-ENC-001: file systems, volumes, launch-template disks, EBS StorageClasses and SNS topics are encrypted."""
    inputs = resource.inputs
    if resource.type in ("aws:efs/fileSystem:FileSystem", "aws:ebs/volume:Volume"):
        if known(inputs.get("encrypted")) and not truthy(inputs.get("encrypted")):
            yield "not encrypted at rest (encrypted: true)"
    elif resource.type == LAUNCH_TEMPLATE:
        for mapping in as_list(inputs.get("blockDeviceMappings")):
            ebs = dig(mapping, "ebs")
            if isinstance(ebs, Mapping) and known(ebs.get("encrypted")) and not truthy(ebs.get("encrypted")):
                yield f"the EBS volume {dig(mapping, 'deviceName') or ''} is not encrypted (ebs.encrypted: true)"
    elif resource.type == "aws:sns/topic:Topic":
        if not inputs.get("kmsMasterKeyId"):
            yield "the topic is not encrypted with a KMS key (kmsMasterKeyId)"
    elif inputs.get("provisioner") in EBS_PROVISIONERS and not truthy(dig(inputs, "parameters", "encrypted")):
        yield 'volumes of this EBS StorageClass are not encrypted (parameters.encrypted: "true")'


def eks_endpoint_findings(resource: Resource) -> Iterable[str]:
    """DD-EKS-001: the API endpoint is private, or public to listed CIDRs that are not the whole internet."""
    vpc = resource.inputs.get("vpcConfig") or {}
    public = dig(vpc, "endpointPublicAccess")
    if not known(public) or public is False:
        return
    cidrs = dig(vpc, "publicAccessCidrs")
    if not known(cidrs):
        return
    if not as_list(cidrs):
        yield "the API endpoint is public to 0.0.0.0/0 (no publicAccessCidrs; that is EKS's default)"
    elif covers_world(as_list(cidrs)):
        yield "the API endpoint is public to the whole internet (publicAccessCidrs covers 0.0.0.0/0)"


def eks_secrets_findings(resource: Resource) -> Iterable[str]:
    """DD-EKS-002: Kubernetes Secrets are envelope-encrypted with a KMS key."""
    configs = as_list(resource.inputs.get("encryptionConfig"))
    if not any("secrets" in as_list(dig(c, "resources")) and dig(c, "provider", "keyArn") for c in configs):
        yield "Kubernetes Secrets are not envelope-encrypted with a KMS key (encryptionConfig for `secrets`)"


def imds_findings(resource: Resource) -> Iterable[str]:
    """DD-EC2-001: instances require IMDSv2 tokens, so pods cannot read node credentials with a plain GET."""
    tokens = dig(resource.inputs, "metadataOptions", "httpTokens")
    endpoint = dig(resource.inputs, "metadataOptions", "httpEndpoint")
    if endpoint != "disabled" and known(tokens) and tokens != "required":
        yield "the instance metadata service accepts IMDSv1 (metadataOptions.httpTokens: required)"


def budget_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-COST-001: the stack sets an AWS Budget with alerts."""
    if not of_type(resources, BUDGET):
        yield None, "no AWS Budget is set for this deployment's costs"
