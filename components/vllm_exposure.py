"""How a vLLM endpoint is reached from outside the pod: the NetworkPolicy's ingress sources, and the
AWS Load Balancer Controller's Network Load Balancer Service or Application Load Balancer Ingress.

Pure functions over `VllmArgs`, checked without a cluster. Internal unless `args.public`; a public
endpoint needs the API key and named source ranges, and never admits 0.0.0.0/0.

The annotations are those the AWS Load Balancer Controller (LBC) documents; the in-tree cloud
controller ignores them (it would make an internet-facing NLB whatever the scheme annotation says).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from .vllm_pod import PORT, VllmArgs

# RFC 1918: "internal" where the cluster's VPC is not known.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
HTTPS_PORT = 443
# TLS 1.3 and 1.2 only (ELB's recommended policy).
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
IDLE_TIMEOUT_SECONDS = 600  # a long reasoning answer without streaming can take minutes
NLB_CLASS = "service.k8s.aws/nlb"
ALB_CLASS = "alb"  # the IngressClass the LBC's Helm chart creates (createIngressClassResource)


EXPOSE = ("cluster-ip", "load-balancer", "ingress")


def leaves_cluster(args: VllmArgs) -> bool:
    return args.expose in ("load-balancer", "ingress")


def check_exposure(args: VllmArgs) -> None:
    """A ValueError for an endpoint that would be open wider than asked."""
    if args.expose not in EXPOSE:
        raise ValueError(f"expose must be one of {', '.join(EXPOSE)}; got {args.expose!r}")
    if args.public and not leaves_cluster(args):
        raise ValueError(
            "public needs expose 'load-balancer' or 'ingress'; a cluster-ip endpoint never leaves the cluster"
        )
    if args.public and not args.api_key:
        raise ValueError("a public endpoint must require an API key (api_key=True)")
    if args.public and not args.source_ranges:
        raise ValueError("a public endpoint needs source_ranges: the CIDRs of the clients that may connect")
    for cidr in (*args.source_ranges, *args.load_balancer_ranges):
        if ipaddress.ip_network(cidr, strict=True).prefixlen == 0:
            raise ValueError(f"{cidr} admits the whole internet; name the clients' ranges")


def sources(args: VllmArgs) -> tuple[str, ...]:
    """Who may connect through the load balancer: the given ranges, else (internal only) the private ranges."""
    return tuple(args.source_ranges) or PRIVATE_RANGES


def load_balancer_ranges(args: VllmArgs) -> tuple[str, ...]:
    """Where the load balancer's own addresses are (its subnets): health checks, and an ALB's proxied traffic."""
    return tuple(args.load_balancer_ranges) or PRIVATE_RANGES


def _collapsed(cidrs: Iterable[str]) -> list[str]:
    networks = ipaddress.collapse_addresses(ipaddress.IPv4Network(c) for c in cidrs)
    return [str(network) for network in networks]


def admitted_ranges(args: VllmArgs) -> list[str]:
    """The address ranges the NetworkPolicy admits to the API port besides the cluster's own pods.

    The NLB keeps client addresses (preserve_client_ip), so the pods see the sources themselves plus the
    NLB's health checks from its subnets. An ALB is a proxy: the pods see only its subnets, and its
    security group admits the sources.
    """
    if not leaves_cluster(args):
        return []
    if args.expose == "ingress":
        return _collapsed(load_balancer_ranges(args))
    return _collapsed([*sources(args), *load_balancer_ranges(args)])


def network_policy_rules(selector: Mapping[str, str], args: VllmArgs, *, multi_node: bool) -> dict[str, Any]:
    """Ingress to the API port only (from the cluster, and from the load balancer's sources when exposed);
    egress to DNS and HTTPS; leader and workers may talk freely."""
    ingress_from: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    ingress_from += [{"ipBlock": {"cidr": cidr}} for cidr in admitted_ranges(args)]
    rules_in = [{"from": ingress_from, "ports": [{"protocol": "TCP", "port": PORT}]}]
    rules_out: list[dict[str, Any]] = [
        {
            "to": [{"namespaceSelector": {}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"ports": [{"protocol": "TCP", "port": 443}]},  # model downloads from Hugging Face
    ]
    if multi_node:  # leader and workers talk Ray and NCCL on many ports
        rules_in.append({"from": [{"podSelector": {"matchLabels": dict(selector)}}]})
        rules_out.append({"to": [{"podSelector": {"matchLabels": dict(selector)}}]})
    return {"ingress": rules_in, "egress": rules_out}


def nlb_annotations(args: VllmArgs) -> dict[str, str]:
    """An NLB made by the LBC, with IP targets, internal unless public, keeping client addresses."""
    annotations = {
        # "external" hands the Service to the LBC; the in-tree controller ignores it.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-type
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        # Targets are the pod IPs, in private subnets.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#nlb-target-type
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        # Internal unless the spec says public.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-scheme
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" if args.public else "internal",
        # The pods see the clients' addresses, so the NetworkPolicy can admit only the sources (without it,
        # IP targets ignore source ranges: #lb-source-ranges).
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#target-group-attributes
        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
        # Only pods whose vLLM answers /health get traffic.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#healthcheck-protocol
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#healthcheck-path
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/health",
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#healthcheck-port
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port",
    }
    if args.certificate_arn:
        tls = {
            # TLS ends at the NLB with the ACM certificate, on the `https` port (443).
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#ssl-cert
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": args.certificate_arn,
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#ssl-ports
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#ssl-negotiation-policy
            "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": TLS_POLICY,
        }
        annotations.update(tls)
    return annotations


def nlb_service_spec(args: VllmArgs, selector: Mapping[str, str]) -> dict[str, Any]:
    """The LoadBalancer Service's spec: one port (HTTPS with a certificate), source ranges always named."""
    port = (
        {"name": "https", "port": HTTPS_PORT, "targetPort": PORT, "protocol": "TCP"}
        if args.certificate_arn
        else {"name": "http", "port": PORT, "targetPort": PORT, "protocol": "TCP"}
    )
    return {
        "type": "LoadBalancer",
        # Reconciled by the LBC only; a cluster without it leaves the Service pending instead of exposing it
        # some other way. https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/
        # ("With LoadBalancerClass")
        "loadBalancerClass": NLB_CLASS,
        "selector": dict(selector),
        "ports": [port],
        # The NLB's security group admits only these; unset, the LBC admits 0.0.0.0/0.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-source-ranges
        "loadBalancerSourceRanges": list(sources(args)),
    }


def alb_annotations(args: VllmArgs) -> dict[str, str]:
    """An ALB made by the LBC, with IP targets, internal unless public."""
    annotations = {
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#scheme
        "alb.ingress.kubernetes.io/scheme": "internet-facing" if args.public else "internal",
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#target-type
        "alb.ingress.kubernetes.io/target-type": "ip",
        # The ALB's security group admits only these; unset, 0.0.0.0/0.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#inbound-cidrs
        "alb.ingress.kubernetes.io/inbound-cidrs": ",".join(sources(args)),
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#healthcheck-path
        "alb.ingress.kubernetes.io/healthcheck-path": "/health",
        # Answers may take minutes; malformed headers are dropped.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#load-balancer-attributes
        "alb.ingress.kubernetes.io/load-balancer-attributes": (
            f"idle_timeout.timeout_seconds={IDLE_TIMEOUT_SECONDS},routing.http.drop_invalid_header_fields.enabled=true"
        ),
        # HTTPS on 443 with a certificate, else HTTP on 80.
        # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#listen-ports
        "alb.ingress.kubernetes.io/listen-ports": (
            f'[{{"HTTPS": {HTTPS_PORT}}}]' if args.certificate_arn else '[{"HTTP": 80}]'
        ),
    }
    if args.certificate_arn:
        tls = {
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#certificate-arn
            "alb.ingress.kubernetes.io/certificate-arn": args.certificate_arn,
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#ssl-policy
            "alb.ingress.kubernetes.io/ssl-policy": TLS_POLICY,
        }
        annotations.update(tls)
    return annotations


def ingress_spec(service_name: str) -> dict[str, Any]:
    """Every path to the in-cluster Service's API port, through the LBC's IngressClass."""
    backend = {"service": {"name": service_name, "port": {"number": PORT}}}
    return {
        "ingressClassName": ALB_CLASS,
        "rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}],
    }
