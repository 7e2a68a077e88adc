"""The EKS cluster's VPC: subnets come from vpc_cidr, and a CIDR too small (or not one) is refused early."""

import ipaddress

import pytest

from deepseek_deploy.components import EksGpuCluster, EksGpuClusterArgs
from deepseek_deploy.components.vpc import subnet_layout

from .conftest import of_type, one


def cluster(run, vpc_cidr: str):
    args = EksGpuClusterArgs(
        region="us-west-2",
        kubernetes_version="1.35",
        gpu_instance_type="g6.2xlarge",
        gpu_ami_type="AL2023_x86_64_NVIDIA",
        device_plugin_image="nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
        vpc_cidr=vpc_cidr,
    )
    return run(lambda: EksGpuCluster("bot", args))


def subnets(recording) -> dict[str, ipaddress.IPv4Network]:
    found = of_type(recording, "aws:ec2/subnet:Subnet")
    return {s["name"]: ipaddress.ip_network(s["inputs"]["cidrBlock"]) for s in found}


@pytest.mark.parametrize("vpc_cidr", ["172.16.0.0/16", "192.168.8.0/21", "10.0.0.0/23"])
def test_subnets_are_carved_from_vpc_cidr(run, vpc_cidr):
    recording = cluster(run, vpc_cidr)
    vpc = ipaddress.ip_network(vpc_cidr)

    assert one(recording, "aws:ec2/vpc:Vpc")["inputs"]["cidrBlock"] == vpc_cidr
    found = subnets(recording)
    assert sorted(found) == ["bot-private-0", "bot-private-1", "bot-public-0", "bot-public-1"]
    assert all(subnet.subnet_of(vpc) for subnet in found.values())
    networks = list(found.values())
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])
    # Nodes and pods live in the private subnets: they get the bigger share.
    assert found["bot-private-0"].num_addresses == vpc.num_addresses // 4
    assert found["bot-public-0"].prefixlen <= 27  # load balancers need a /27 or larger


def test_subnets_sit_in_different_zones(run):
    found = {
        s["name"]: s["inputs"]["availabilityZone"]
        for s in of_type(cluster(run, "172.16.0.0/16"), "aws:ec2/subnet:Subnet")
    }
    assert found["bot-private-0"] != found["bot-private-1"] and found["bot-public-0"] != found["bot-public-1"]


def test_the_default_layout_is_unchanged():
    # Existing clusters were made with these; a different layout would replace their subnets.
    layout = subnet_layout("10.42.0.0/16")
    assert layout.public == ("10.42.0.0/20", "10.42.16.0/20")
    assert layout.private == ("10.42.64.0/18", "10.42.128.0/18")


@pytest.mark.parametrize(
    ("vpc_cidr", "problem"),
    [
        ("10.0.0.0/24", "too small"),
        ("10.0.0.0/28", "too small"),
        ("10.0.0.0/8", "too large"),
        ("10.42.1.0/16", "not a CIDR block"),  # host bits set
        ("ten.0.0.0/16", "not a CIDR block"),
        ("fd00::/56", "IPv4"),
    ],
)
def test_an_unusable_vpc_cidr_is_refused_with_a_clear_message(run, vpc_cidr, problem):
    with pytest.raises(ValueError, match=problem) as raised:
        cluster(run, vpc_cidr)
    assert vpc_cidr in str(raised.value)
