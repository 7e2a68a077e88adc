"""Monthly cost of self-hosted vLLM on EKS: GPU nodes + EKS control plane + storage + load balancer.

- GPU nodes: replicas x nodes per replica (never fewer than a created node group's minimum) x 730 h
  x the EC2 on-demand price.
- Control plane: 730 cluster-hours at the standard or extended support rate of the Kubernetes version.
- Storage: each GPU node's gp3 root disk (the planner's size), and the weights cache: a gp3 volume
  per pod (ephemeral or persistent), or one EFS file system billed on what it stores (the weights).
- Load balancer: an NLB (expose: load-balancer) or ALB (expose: ingress) for 730 hours.
Not priced (no sourced price in the catalog): the two m6i.large system nodes and their disks, the
NAT gateway, load-balancer capacity units, data transfer, CloudWatch and KMS. An existing cluster's
node prices are not known, so its estimate is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import catalog
from . import cost_facts
from .cost_model import HOURS_PER_MONTH, Line, Option, Usage, dollars
from .planner import ServingPlan
from .throughput import Throughput, replicas_needed, replicas_within

GB_PER_GIB = 1024**3 / 1e9
NOT_PRICED = (
    "not priced: the 2 x m6i.large system nodes and their disks, the NAT gateway, load-balancer capacity units, "
    "data transfer, CloudWatch and KMS"
)
BALANCERS = {"load-balancer": ("network_load_balancer", "NLB"), "ingress": ("application_load_balancer", "ALB")}


@dataclass(frozen=True)
class Cluster:
    """What the cost depends on besides the serving plan."""

    created: bool
    nodes_min: int = 0
    version: str = ""
    spot: bool = False
    expose: str = "cluster-ip"
    volume: str = "auto"  # the spec's weights_cache.volume


def weights_volume(volume: str, plan: ServingPlan) -> str:
    # As the vLLM component decides: auto is persistent for replicas that span nodes, ephemeral otherwise.
    if volume == "auto":
        return "persistent" if plan.nodes_per_replica > 1 else "ephemeral"
    return volume


def _control_plane(version: str) -> Line:
    support = catalog.load().kubernetes.eks_versions.get(version, "standard")
    price = cost_facts.unit_price(f"eks_control_plane_{support}")
    return Line(HOURS_PER_MONTH, f"cluster-hours (EKS {version}, {support} support)", price)


def _storage(plan: ServingPlan, cluster: Cluster, nodes: int, replicas: int) -> dict[str, Line]:
    gp3 = cost_facts.unit_price("ebs_gp3")
    lines = {"node_disks": Line(nodes * plan.node_disk_gib, f"GiB-months gp3 ({nodes} GPU node root disks)", gp3)}
    volume = weights_volume(cluster.volume, plan)
    if volume == "shared":
        stored = plan.weights_gib * GB_PER_GIB
        lines["weights_cache"] = Line(
            stored, "GB-months EFS (the weights, stored once)", cost_facts.unit_price("efs_standard")
        )
    else:
        pods = replicas * plan.nodes_per_replica
        lines["weights_cache"] = Line(
            pods * plan.weights_cache_gi, f"GiB-months gp3 ({pods} {volume} weights volumes)", gp3
        )
    return lines


def _lines(
    plan: ServingPlan, cluster: Cluster, nodes: int, replicas: int, node_price: cost_facts.Figure
) -> dict[str, Line]:
    lines = {
        "gpu_nodes": Line(nodes * HOURS_PER_MONTH, f"node-hours ({plan.instance_type}, on-demand)", node_price),
        "control_plane": _control_plane(cluster.version),
        **_storage(plan, cluster, nodes, replicas),
    }
    if cluster.expose in BALANCERS:
        key, name = BALANCERS[cluster.expose]
        lines["load_balancer"] = Line(HOURS_PER_MONTH, f"{name}-hours", cost_facts.unit_price(key))
    return lines


def self_hosted(
    model: str,
    plan: ServingPlan,
    cluster: Cluster,
    scaling: tuple[int, int],
    usage: Usage,
    throughput: Throughput,
    *,
    this_spec: bool = False,
) -> Option:
    replicas, notes = replicas_within(replicas_needed(usage, throughput), *scaling, "replicas", throughput)
    base = Option(
        model,
        "self-hosted",
        "",
        "nodes + EKS control plane + storage + load balancer",
        this_spec=this_spec,
        throughput_basis=throughput.basis,
        throughput=throughput.detail,
        replicas=replicas,
        notes=(*notes, NOT_PRICED),
        fact_sources=throughput.sources,
    )
    if not cluster.created or plan.instance_type is None:
        hardware = f"{_count(replicas, 'replica')} x {plan.gpus_per_replica} x {plan.gpu_type} on your cluster"
        return replace(
            base, hardware=hardware, unknown="an existing cluster's node prices are not known to the catalog"
        )
    nodes = max(replicas * plan.nodes_per_replica, cluster.nodes_min)
    shape = f"{_count(replicas, 'replica')} x {_count(plan.nodes_per_replica, 'node')}"
    hardware = f"{nodes} x {plan.instance_type} on EKS ({shape})"
    price = cost_facts.ec2_price(plan.instance_type)
    if price is None:
        return replace(
            base, hardware=hardware, unknown=f"the catalog has no EC2 on-demand price for {plan.instance_type}"
        )
    spot = ("spot nodes: priced on-demand (spot prices vary)",) if cluster.spot else ()
    lines = _lines(plan, cluster, nodes, replicas, price)
    basis = (
        f"{nodes} x {plan.instance_type} x {HOURS_PER_MONTH} h x {dollars(price.value)}/h + EKS control plane + "
        + " + ".join(name.replace("_", " ") for name in list(lines)[2:])
    )
    return replace(base, hardware=hardware, basis=basis, lines=lines, notes=base.notes + spot)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
