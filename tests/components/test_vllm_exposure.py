"""How a vLLM endpoint leaves the cluster (issue 10 item 1): an internal NLB or ALB made by the AWS Load
Balancer Controller unless `public`, which needs the API key and named sources; the NetworkPolicy admits
only those sources (and the load balancer's health checks), never 0.0.0.0/0; TLS with a certificate."""

import ipaddress

import pytest

from deepseek_deploy.components import VllmArgs, VllmService
from deepseek_deploy.components.vllm_exposure import admitted_ranges, nlb_annotations

from .conftest import of_type, one

ARGS = {
    "namespace": "deepseek",
    "model": "org/model",
    "served_model_name": "m",
    "image": "vllm:v1",
    "tensor_parallel": 1,
}
CERT = "arn:aws:acm:us-west-2:123456789012:certificate/abc"
LBC = "service.beta.kubernetes.io/aws-load-balancer-"


def vllm(run, **overrides):
    args = VllmArgs(**{**ARGS, **overrides})
    return run(lambda: VllmService("bot", args))


def load_balancer_service(recording) -> dict:
    services = {s["name"]: s["inputs"] for s in of_type(recording, "kubernetes:core/v1:Service")}
    assert services["bot-service"]["spec"]["type"] == "ClusterIP"  # the in-cluster endpoint never changes hands
    return services["bot-lb"]


def admitted(recording) -> list[str]:
    policy = one(recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy")["inputs"]["spec"]
    return [peer["ipBlock"]["cidr"] for peer in policy["ingress"][0]["from"] if "ipBlock" in peer]


def test_a_load_balancer_is_an_internal_nlb_made_by_the_aws_load_balancer_controller(run):
    service = load_balancer_service(vllm(run, expose="load-balancer"))
    annotations = service["metadata"]["annotations"]
    # The in-tree controller's `nlb` type ignores the scheme and made an internet-facing NLB.
    assert annotations[f"{LBC}type"] == "external" and annotations[f"{LBC}nlb-target-type"] == "ip"
    assert annotations[f"{LBC}scheme"] == "internal"
    assert annotations[f"{LBC}target-group-attributes"] == "preserve_client_ip.enabled=true"
    spec = service["spec"]
    assert spec["type"] == "LoadBalancer" and spec["loadBalancerClass"] == "service.k8s.aws/nlb"
    assert spec["loadBalancerSourceRanges"] == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    assert spec["ports"] == [{"name": "http", "port": 8000, "targetPort": 8000, "protocol": "TCP"}]


def test_the_network_policy_never_admits_the_internet_for_an_internal_endpoint(run):
    cidrs = admitted(vllm(run, expose="load-balancer", source_ranges=("10.20.0.0/16",)))
    assert "0.0.0.0/0" not in cidrs
    assert all(ipaddress.ip_network(c).is_private for c in cidrs)
    assert admitted(vllm(run)) == []  # cluster-ip: only the cluster's own pods


def test_a_public_nlb_admits_only_its_sources_and_health_checks(run):
    recording = vllm(
        run,
        expose="load-balancer",
        public=True,
        source_ranges=("203.0.113.0/24",),
        load_balancer_ranges=("10.42.0.0/20", "10.42.16.0/20"),
        certificate_arn=CERT,
    )
    service = load_balancer_service(recording)
    annotations = service["metadata"]["annotations"]
    assert annotations[f"{LBC}scheme"] == "internet-facing"
    assert annotations[f"{LBC}ssl-cert"] == CERT and annotations[f"{LBC}ssl-ports"] == "https"
    assert annotations[f"{LBC}ssl-negotiation-policy"].startswith("ELBSecurityPolicy-TLS13")
    assert service["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
    assert service["spec"]["ports"][0] == {"name": "https", "port": 443, "targetPort": 8000, "protocol": "TCP"}
    # The clients (addresses kept) and the NLB's public subnets (health checks); nothing else.
    assert admitted(recording) == ["10.42.0.0/19", "203.0.113.0/24"]


def test_an_ingress_is_an_alb_whose_subnets_alone_reach_the_pods(run):
    recording = vllm(run, expose="ingress", source_ranges=("10.20.0.0/16",), load_balancer_ranges=("10.20.64.0/18",))
    ingress = one(recording, "kubernetes:networking.k8s.io/v1:Ingress")["inputs"]
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/inbound-cidrs"] == "10.20.0.0/16"
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}]'
    assert admitted(recording) == ["10.20.64.0/18"]  # an ALB proxies: the pods see only its addresses


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"expose": "load-balancer", "public": True, "source_ranges": ("203.0.113.0/24",), "api_key": False},
            "API key",
        ),
        ({"expose": "load-balancer", "public": True}, "source_ranges"),
        ({"public": True, "source_ranges": ("203.0.113.0/24",)}, "cluster-ip"),
        ({"expose": "load-balancer", "public": True, "source_ranges": ("0.0.0.0/0",)}, "whole internet"),
        ({"expose": "node-port"}, "expose must be one of"),
    ],
)
def test_the_component_refuses_an_endpoint_open_wider_than_asked(run, overrides, problem):
    with pytest.raises(ValueError, match=problem):
        vllm(run, **overrides)


def test_tls_annotations_appear_only_with_a_certificate():
    plain = nlb_annotations(VllmArgs(**ARGS, expose="load-balancer"))
    assert not any("ssl" in key for key in plain)
    assert admitted_ranges(VllmArgs(**ARGS)) == []
