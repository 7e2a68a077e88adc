"""Load balancers in front of the workloads: a public one needs source ranges and an API key (DD-LB-001)
and should terminate TLS (DD-LB-002)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .core import Resource, as_list, covers_world, dig, known
from .k8s_rules import INGRESS, SERVICE, WORKLOADS, containers, namespace, selects, templates

Finding = tuple[Resource | None, str]

INTERNAL_MARKERS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
}
SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
SERVICE_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"
ALB_CIDRS = "alb.ingress.kubernetes.io/inbound-cidrs"
ALB_CERT = "alb.ingress.kubernetes.io/certificate-arn"
KEY_FLAGS = ("--api-key",)


def _annotations(resource: Resource) -> Mapping[str, Any]:
    found = dig(resource.inputs, "metadata", "annotations")
    return found if isinstance(found, Mapping) else {}


def public(resource: Resource) -> bool:
    """Whether a Service or Ingress gets an internet-facing load balancer.

    The AWS Load Balancer Controller (`aws-load-balancer-type: external`, or its NLB class) makes internal ones
    unless the scheme says `internet-facing`; every other controller (the in-tree one included) makes public ones
    unless an internal annotation says otherwise. An Ingress is judged only for the ALB controller.
    """
    annotations = _annotations(resource)
    if resource.type == INGRESS:
        return annotations.get(ALB_SCHEME) == "internet-facing"
    if resource.type != SERVICE or dig(resource.inputs, "spec", "type") != "LoadBalancer":
        return False
    spec = resource.inputs.get("spec") or {}
    if annotations.get(LB_TYPE) in ("external", "nlb-ip") or spec.get("loadBalancerClass") == "service.k8s.aws/nlb":
        return annotations.get(SCHEME) == "internet-facing"
    return not any(str(annotations.get(k, "")).lower() in values for k, values in INTERNAL_MARKERS.items())


def source_ranges(resource: Resource) -> list[str] | None:
    """The CIDRs allowed to connect; None when only the cloud knows them."""
    annotations = _annotations(resource)
    listed = dig(resource.inputs, "spec", "loadBalancerSourceRanges")
    if not known(listed):
        return None
    text = annotations.get(ALB_CIDRS if resource.type == INGRESS else SOURCE_RANGES) or ""
    return [str(c) for c in as_list(listed)] + [c.strip() for c in str(text).split(",") if c.strip()]


def _backend_services(resources: Sequence[Resource], ingress: Resource) -> list[Resource]:
    spec = ingress.inputs.get("spec") or {}
    backends = [dig(spec, "defaultBackend", "service", "name")] + [
        dig(path, "backend", "service", "name")
        for rule in as_list(spec.get("rules"))
        for path in as_list(dig(rule, "http", "paths"))
    ]
    space = namespace(ingress)
    return [
        r
        for r in resources
        if r.type == SERVICE and namespace(r) == space and dig(r.inputs, "metadata", "name") in backends
    ]


def backends(resources: Sequence[Resource], front: Resource) -> list[Resource]:
    """The workloads whose pods a Service (or an Ingress's Services) selects."""
    services = _backend_services(resources, front) if front.type == INGRESS else [front]
    found = []
    for service in services:
        selector = dig(service.inputs, "spec", "selector")
        if not isinstance(selector, Mapping) or not selector:
            continue
        for workload in (r for r in resources if r.type in WORKLOADS and namespace(r) == namespace(service)):
            labels = [dig(t, "metadata", "labels") or {} for _, t in templates(workload)]
            if any(selects({"matchLabels": selector}, lab) for lab in labels) and workload not in found:
                found.append(workload)
    return found


def api_key(workload: Resource) -> str | None:
    """`secret` when the server requires a key from a Secret, `plain` when the key sits in the pod spec, or None."""
    kinds = set()
    for _, template in templates(workload):
        for container in containers(template, init=False):
            for env in as_list(container.get("env")):
                name = str(dig(env, "name") or "").upper()
                if "API_KEY" in name or "APIKEY" in name or "API_TOKEN" in name:
                    kinds.add("secret" if dig(env, "valueFrom", "secretKeyRef") else "plain")
            words = [str(w) for w in as_list(container.get("command")) + as_list(container.get("args"))]
            if any(flag in word for word in words for flag in KEY_FLAGS):
                kinds.add("plain")
    return "secret" if "secret" in kinds else ("plain" if kinds else None)


def _front_findings(resources: Sequence[Resource], front: Resource) -> Iterable[str]:
    ranges = source_ranges(front)
    if ranges is not None and not ranges:
        yield "is internet-facing with no source ranges: anyone on the internet may connect"
    elif ranges and covers_world(ranges):
        yield "is internet-facing to the whole internet (its source ranges cover 0.0.0.0/0)"
    workloads = backends(resources, front)
    if not workloads:
        yield "is internet-facing, and the workload behind it (which must require an API key) is not in this plan"
    for workload in workloads:
        key = api_key(workload)
        if key is None:
            yield f"is internet-facing and {workload.name} requires no API key"
        elif key == "plain":
            yield f"is internet-facing and {workload.name} takes its API key in the pod spec; take it from a Secret"


def public_endpoint_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-LB-001: an internet-facing load balancer has source ranges and an API-key-protected workload."""
    for front in (r for r in resources if r.type in (SERVICE, INGRESS) and public(r)):
        for message in _front_findings(resources, front):
            yield front, message


def tls_findings(resource: Resource) -> Iterable[str]:
    """DD-LB-002: an internet-facing load balancer terminates TLS, so the API key never crosses in clear."""
    if public(resource) and not _annotations(resource).get(ALB_CERT if resource.type == INGRESS else SERVICE_CERT):
        yield "is internet-facing without TLS (no certificate annotation): API keys would cross the internet in clear"
