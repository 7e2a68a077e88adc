"""Checks before the engine starts, all in one run: what is missing locally (credentials, a
kubeconfig) and what AWS can tell in advance (model access, the region's offer, the Service
Quotas the plan needs). Each finding names its cause and how to fix it; `deploy up` creates
nothing while an error-level finding stands.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Optional

from ..errors import MISSING_PREREQUISITE, DeployError
from ..sizing.deployment import Deployment
from ..sizing.gateway import Gateway

Clients = Callable[[str], Any]  # service name -> boto3 client in the deployment's region

# EC2 On-Demand and Spot vCPU quotas per instance family (Service Quotas, service code ec2).
# https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html
EC2_VCPU_QUOTAS = {
    ("p", "on-demand"): ("L-417A185B", "Running On-Demand P instances"),
    ("g", "on-demand"): ("L-DB2E81BA", "Running On-Demand G and VT instances"),
    ("p", "spot"): ("L-7212CCBC", "All P Spot Instance Requests"),
    ("g", "spot"): ("L-3819A6DF", "All G and VT Spot Instance Requests"),
}


@dataclass(frozen=True)
class Finding:
    message: str
    severity: Literal["error", "warning"] = "error"


class PrerequisitesMissing(DeployError):
    """Every error-level finding of one preflight run, each once."""

    code = MISSING_PREREQUISITE

    def __init__(self, findings: list[Finding]):
        lines = ["- " + f.message.replace("\n", "\n  ") for f in findings]
        super().__init__(f"{len(findings)} prerequisite(s) missing; nothing was created:\n" + "\n".join(lines))
        self.findings = findings


def aws_credentials(profile: Optional[str]) -> Optional[Finding]:
    import boto3
    import botocore.exceptions

    try:
        credentials = boto3.session.Session(profile_name=profile).get_credentials()
    except botocore.exceptions.ProfileNotFound:
        return Finding(f"AWS profile '{profile}' is not configured (~/.aws/config); check --aws-profile / AWS_PROFILE")
    if credentials is None:
        return Finding(
            "no AWS credentials found: set AWS_PROFILE, run `aws sso login` or `aws configure`, or export "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return None


def kubeconfig(spec: Any) -> Optional[Finding]:
    """An existing cluster needs a readable kubeconfig (a created EKS cluster brings its own)."""
    if getattr(spec, "mode", None) != "self-hosted" or spec.cluster.create:
        return None
    from ..build.kubernetes import kubeconfig_path

    path = kubeconfig_path(spec)
    if not os.path.isfile(path):
        return Finding(
            f"kubeconfig {path} not found: set cluster.kubeconfig (or KUBECONFIG), or use cluster.create: eks"
        )
    return None


def _increase(service: str, code: str, value: float, region: str) -> str:
    return (
        f"request an increase in the Service Quotas console, or: aws service-quotas request-service-quota-increase "
        f"--region {region} --service-code {service} --quota-code {code} --desired-value {value:g}"
    )


def model_access(deployment: Deployment, clients: Clients) -> Iterable[Finding]:
    """Serverless: the region offers the model and this account may invoke it.
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_GetFoundationModelAvailability.html
    """
    route, region = deployment.serverless, deployment.spec.region
    if route is None:
        return
    found = _call(clients("bedrock"), "get_foundation_model_availability", modelId=route.model_id)
    if isinstance(found, Finding):
        yield found
        return
    if found.get("regionAvailability") == "NOT_AVAILABLE":
        yield Finding(f"Bedrock does not offer {route.model_id} in {region}; choose a region that does")
    if found.get("entitlementAvailability") == "NOT_AVAILABLE":
        yield Finding(
            f"this account has no access to {route.model_id} in {region}: enable it under Bedrock > Model access "
            "(or subscribe to its offer), then run `deploy up` again"
        )
    agreement = (found.get("agreementAvailability") or {}).get("status")
    if agreement in ("NOT_AVAILABLE", "ERROR", "PENDING"):
        yield Finding(
            f"the model agreement of {route.model_id} is {agreement}: accept its terms under Bedrock > Model access"
        )
    if found.get("authorizationStatus") == "NOT_AUTHORIZED":
        yield Finding(f"this identity is not authorized to use {route.model_id}: check its IAM permissions for Bedrock")


def _call(client: Any, operation: str, **params: Any) -> Any:
    """The response, or a warning finding when AWS would not answer (the check is then skipped)."""
    import botocore.exceptions

    try:
        return getattr(client, operation)(**params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        return Finding(f"could not check {operation} ({error}); `deploy up` goes on and AWS decides", "warning")


def _quota_value(clients: Clients, service: str, code: str) -> Any:
    found = _call(clients("service-quotas"), "get_service_quota", ServiceCode=service, QuotaCode=code)
    return found if isinstance(found, Finding) else found["Quota"]["Value"]


def ec2_quota(deployment: Deployment, clients: Clients) -> Iterable[Finding]:
    """A created EKS cluster's GPU nodes fit the account's vCPU quota, and the region offers the type."""
    spec, instance = deployment.spec, deployment.instance
    cluster = getattr(spec, "cluster", None)
    if cluster is None or cluster.create != "eks" or instance is None or deployment.instance_type is None:
        return
    name, region = deployment.instance_type, spec.region
    offered = _call(
        clients("ec2"),
        "describe_instance_type_offerings",
        LocationType="region",
        Filters=[{"Name": "instance-type", "Values": [name]}],
    )
    if isinstance(offered, Finding):
        yield offered
    elif not offered.get("InstanceTypeOfferings"):
        yield Finding(f"EC2 does not offer {name} in {region}; choose another node_instance_type or region")
    quota = EC2_VCPU_QUOTAS.get((name[0], cluster.capacity_type))
    if quota is None:
        return
    code, quota_name = quota
    needed = instance.vcpus * cluster.nodes.max
    value = _quota_value(clients, "ec2", code)
    if isinstance(value, Finding):
        yield value
    elif value < needed:
        yield Finding(
            f'EC2 quota "{quota_name}" ({code}) is {value:g} vCPUs in {region}; {cluster.nodes.max} x {name} '
            f"need {needed}: {_increase('ec2', code, needed, region)}"
        )


def sagemaker_quota(deployment: Deployment, clients: Clients) -> Iterable[Finding]:
    """A Marketplace endpoint's instances fit the account's '<type> for endpoint usage' quota."""
    if deployment.spec.mode != "marketplace" or deployment.replicas is None:
        return
    name, region, needed = deployment.instance_type, deployment.spec.region, deployment.replicas.max
    wanted = f"{name} for endpoint usage"
    pages = clients("service-quotas").get_paginator("list_service_quotas").paginate(ServiceCode="sagemaker")
    try:
        quota = next((q for page in pages for q in page["Quotas"] if q["QuotaName"] == wanted), None)
    except Exception as error:  # botocore errors: the check is skipped, AWS decides at create time
        yield Finding(f'could not read the SageMaker quota "{wanted}" ({error}); `deploy up` goes on', "warning")
        return
    if quota is None:
        yield Finding(f'Service Quotas lists no SageMaker quota "{wanted}" in {region}; `deploy up` goes on', "warning")
    elif quota["Value"] < needed:
        yield Finding(
            f'SageMaker quota "{wanted}" ({quota["QuotaCode"]}) is {quota["Value"]:g} in {region}; the endpoint '
            f"can need {needed}: {_increase('sagemaker', quota['QuotaCode'], needed, region)}"
        )


def aws_findings(deployment: Deployment, clients: Clients) -> list[Finding]:
    found: list[Finding] = []
    for check in (model_access, ec2_quota, sagemaker_quota):
        found.extend(check(deployment, clients))
    return found


def boto3_clients(deployment: Deployment, profile: Optional[str]) -> Clients:
    import boto3

    session = boto3.session.Session(profile_name=profile, region_name=deployment.spec.region)
    return lambda service: session.client(service)


def gateway_kubeconfig(gateway: Gateway) -> Optional[Finding]:
    """A gateway on Kubernetes needs a readable kubeconfig, unless it runs on the cluster a tier created."""
    from ..build.gateway import self_hosted_cluster_tier
    from ..build.kubernetes import kubeconfig_file

    host = gateway.spec.host
    if host.platform != "kubernetes" or (not host.kubeconfig and self_hosted_cluster_tier(gateway)):
        return None
    path = kubeconfig_file(host.kubeconfig)
    if not os.path.isfile(path):
        return Finding(f"kubeconfig {path} not found: set host.kubeconfig (or KUBECONFIG) in {gateway.path}")
    return None


def findings(
    deployment: Deployment | Gateway,
    aws_profile: Optional[str],
    *,
    ask_aws: bool = True,
    clients: Optional[Clients] = None,
) -> list[Finding]:
    """Every finding: local prerequisites, then what AWS says (asked only when credentials exist). A gateway's
    tiers are checked when each is deployed; the gateway itself needs credentials and, on Kubernetes, a cluster."""
    credentials = aws_credentials(aws_profile)
    if isinstance(deployment, Gateway):
        return [f for f in (credentials, gateway_kubeconfig(deployment)) if f is not None]
    found = [f for f in (credentials, kubeconfig(deployment.spec)) if f is not None]
    if ask_aws and credentials is None:
        found.extend(aws_findings(deployment, clients or boto3_clients(deployment, aws_profile)))
    return found
