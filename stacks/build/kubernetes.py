"""The self-hosted mode: vLLM on an existing cluster (kubeconfig) or on an EKS cluster created here.

Every number the pods need comes from the resolved deployment's serving plan and replica range; how the
endpoint is exposed and where the weights cache lives come from `serving` and the cluster (`exposure`,
`weights_cache`), and each choice is said in a note.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Optional

from .. import catalog
from ..sizing.deployment import Deployment
from ..spec.mode_sections import PRIVATE_RANGES
from ..spec.models import SelfHostedSpec
from . import shared
from .self_hosted_ops import build_self_hosted_ops

DEFAULT_VPC_CIDR = "10.42.0.0/16"  # a created cluster's VPC unless cluster.vpc_cidr says otherwise
EBS_CLASS, EFS_CLASS = "gp3", "efs"  # the classes a created cluster gets, unless storage_class names them


def kubeconfig_file(given: Optional[str]) -> str:
    """The kubeconfig a spec names, else the first of KUBECONFIG, else kubectl's default."""
    path = given or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or "~/.kube/config"
    return os.path.expanduser(path)


def kubeconfig_path(spec: SelfHostedSpec) -> str:
    return kubeconfig_file(spec.cluster.kubeconfig)


def _spec(deployment: Deployment) -> SelfHostedSpec:
    spec = deployment.spec
    assert isinstance(spec, SelfHostedSpec) and deployment.serving is not None  # dispatched by mode
    return spec


@dataclass(frozen=True)
class Cluster:
    """What the workload needs from its cluster."""

    provider: Any
    add_ons: list[Any]  # the workload waits for these (CRDs, storage classes, the load balancer controller)
    node_selector: dict[str, str]
    vpc_cidr: Optional[str]  # None: an existing cluster whose VPC the spec does not give
    load_balancer_ranges: tuple[str, ...]  # the subnets load balancers live in (); () = the private ranges
    storage_class: Optional[str]  # the weights cache's class; None = the cluster's default
    created_class: bool  # the class is made by this plan


def _created_classes(spec: SelfHostedSpec) -> tuple[str, Optional[str]]:
    """(the encrypted gp3 class, the EFS class or None) a created cluster gets."""
    cache = spec.serving.weights_cache
    if cache.volume != "shared":
        return cache.storage_class or EBS_CLASS, None
    shared_class = cache.storage_class or EFS_CLASS
    return (EBS_CLASS if shared_class != EBS_CLASS else f"{EBS_CLASS}-ebs"), shared_class


def _created_cluster(deployment: Deployment, key: Any, tags: dict[str, str], outputs: dict[str, Any]) -> Cluster:
    """An EKS cluster sized by the plan, with the add-ons the spec needs."""
    from deepseek_deploy import components as c

    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None and plan.instance_type is not None  # a created cluster has a node type
    facts = catalog.load().kubernetes
    multi_node = plan.nodes_per_replica > 1
    vpc_cidr = spec.cluster.vpc_cidr or DEFAULT_VPC_CIDR
    ebs_class, shared_class = _created_classes(spec)
    cluster = c.EksGpuCluster(
        f"{spec.name}-eks",
        c.EksGpuClusterArgs(
            region=spec.region,
            kubernetes_version=spec.cluster.kubernetes_version,
            gpu_instance_type=plan.instance_type,
            gpu_ami_type=facts.gpu_ami_type,
            device_plugin_image=facts.device_plugin_image,
            nodes_min=max(spec.cluster.nodes.min, plan.nodes_per_replica),
            nodes_max=spec.cluster.nodes.max,
            capacity_type=spec.cluster.capacity_type,
            node_disk_gib=plan.node_disk_gib,
            endpoint_public_cidrs=tuple(spec.cluster.endpoint_public_cidrs),
            secrets_kms_key_arn=key.key_arn,
            multi_node=multi_node,
            keda_chart=facts.keda_chart.model_dump() if spec.serving.autoscaling else None,
            lws_manifest=facts.lws_manifest if multi_node else None,
            efa_chart=facts.efa_chart.model_dump() if multi_node else None,
            lb_controller_chart=facts.lb_controller_chart.model_dump() if spec.serving.expose != "cluster-ip" else None,
            storage_class=ebs_class,
            shared_storage_class=shared_class,
            vpc_cidr=vpc_cidr,
            protect=spec.protect,
            tags=tags,
        ),
    )
    outputs["cluster_name"] = cluster.cluster_name
    outputs["kubeconfig"] = cluster.kubeconfig
    return Cluster(
        provider=cluster.provider,
        add_ons=cluster.add_ons,
        node_selector={"deepseek-deploy/gpu": "true"},
        vpc_cidr=vpc_cidr,
        load_balancer_ranges=cluster.network.public if spec.serving.public else cluster.network.private,
        storage_class=shared_class or ebs_class,
        created_class=True,
    )


def _existing_cluster(deployment: Deployment, notes: list[str]) -> Cluster:
    """A provider for the kubeconfig's cluster; say what it must already run."""
    import pulumi_kubernetes as k8s

    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None
    wanted = (
        ("KEDA (for autoscaling)", spec.serving.autoscaling),
        ("LeaderWorkerSet v0.8 or later (for multi-node)", plan.nodes_per_replica > 1),
        (f"the AWS Load Balancer Controller v2.6 or later (for expose: {spec.serving.expose})", _leaves(spec)),
    )
    needs = [what for what, needed in wanted if needed]
    if needs:
        notes.append(
            f"the existing cluster must already run {' and '.join(needs)}; "
            "deepseek-deploy installs these only on clusters it creates"
        )
    vpc_cidr = spec.cluster.vpc_cidr
    provider = k8s.Provider(f"{spec.name}-k8s", kubeconfig=kubeconfig_path(spec), context=spec.cluster.context)
    return Cluster(
        provider=provider,
        add_ons=[],
        node_selector={},
        vpc_cidr=vpc_cidr,
        load_balancer_ranges=(vpc_cidr,) if vpc_cidr else (),
        storage_class=spec.serving.weights_cache.storage_class,
        created_class=False,
    )


def _leaves(spec: SelfHostedSpec) -> bool:
    return spec.serving.expose != "cluster-ip"


def _source_ranges(spec: SelfHostedSpec, cluster: Cluster) -> tuple[str, ...]:
    """Who may connect through the load balancer: the spec's ranges, else (internal) the cluster's VPC."""
    if spec.serving.source_ranges:
        return tuple(spec.serving.source_ranges)
    return (cluster.vpc_cidr,) if cluster.vpc_cidr else ()


def _exposure_notes(spec: SelfHostedSpec, cluster: Cluster, notes: list[str]) -> None:
    serving = spec.serving
    if not _leaves(spec):
        return
    scheme = "internet-facing" if serving.public else "internal"
    sources = ", ".join(_source_ranges(spec, cluster) or PRIVATE_RANGES)
    if serving.expose == "load-balancer":
        what = f"a Network Load Balancer ({scheme}) that admits only {sources} and keeps their addresses"
        policy = "the NetworkPolicy admits the same sources and the load balancer's health checks"
    else:
        what = f"an Application Load Balancer ({scheme}) that admits only {sources}"
        policy = "the NetworkPolicy admits only the load balancer's subnets"
    notes.append(f"the endpoint leaves the cluster through {what}, made by the AWS Load Balancer Controller; {policy}")
    if cluster.vpc_cidr is None:
        notes.append(
            "cluster.vpc_cidr is not given, so the NetworkPolicy admits the load balancer from every private range "
            f"({', '.join(PRIVATE_RANGES)}); give the cluster's VPC CIDR to narrow it"
        )
    if serving.public and serving.tls is None:
        notes.append(
            "this public endpoint speaks plain HTTP: the API key crosses the internet in clear text; set "
            "serving.tls.certificate_arn to an ACM certificate for HTTPS on port 443"
        )


def _storage_notes(
    spec: SelfHostedSpec, cluster: Cluster, volume: str, multi_node: bool, size_gi: int, notes: list[str]
) -> None:
    """Say where the weights cache lives: which volumes, and which StorageClass (made here, named, or default)."""
    if cluster.storage_class is None:
        where = "the existing cluster's default StorageClass (serving.weights_cache.storage_class names none)"
    elif cluster.created_class:
        kind = "EFS" if volume == "shared" else "encrypted gp3 EBS"
        where = f"StorageClass {cluster.storage_class} ({kind}, created with the cluster)"
    else:
        where = f"StorageClass {cluster.storage_class}, which the spec names and the cluster must have"
    how = {
        "ephemeral": f"a {size_gi} GiB volume per pod, made and deleted with the pod (a replaced pod downloads "
        "the weights again)",
        "persistent": f"a {size_gi} GiB volume per pod that outlives the pod (a restarted pod loads from its cache)",
        "shared": f"one {size_gi} GiB ReadWriteMany volume that every pod mounts, filled once",
    }[volume]
    notes.append(f"weights cache: {how}, from {where}")
    if volume == "persistent" and not multi_node:
        notes.append(
            "with volume: persistent each pod stays in the zone of its volume; if that zone has no free GPU node "
            "the pod waits (volume: ephemeral or shared avoids this)"
        )


def _hf_token(spec: SelfHostedSpec, notes: list[str]) -> Any:
    """The Hugging Face token from the environment variable the spec names, as a Pulumi secret."""
    if not spec.serving.hf_token_env:
        return None
    import pulumi

    value = os.environ.get(spec.serving.hf_token_env)
    if value is None:
        notes.append(
            f"${spec.serving.hf_token_env} is not set here; `deploy up` needs it to pass the Hugging Face token"
        )
    return pulumi.Output.secret(value or "")


def _rollout_note(deployment: Deployment, volume: str, notes: list[str]) -> None:
    """Say what an update to the pods does to serving: which rollout, whether serving stops, and for how long."""
    from deepseek_deploy.components.vllm_pod import startup_budget_seconds

    plan, replicas = deployment.serving, deployment.replicas
    assert plan is not None and replicas is not None
    estimate = math.ceil(plan.startup_seconds / 60)
    budget = math.ceil(startup_budget_seconds(plan.startup_seconds) / 60)
    if plan.nodes_per_replica > 1:
        what = f"the LeaderWorkerSet replaces one group of {plan.nodes_per_replica} nodes at a time"
    elif volume == "persistent":
        what = "the StatefulSet replaces one pod at a time"
    else:
        what = "the Deployment replaces one pod at a time"
    least = replicas.min
    cached = "; less when it finds them in its kept cache" if volume == "persistent" else ""
    head = (
        "updates: a change to the vLLM pods (model, image, vLLM arguments, CPU, memory, weights cache) restarts "
        f"every replica; {what}, the old one removed before its successor starts, so no spare GPU is needed. "
    )
    if least <= 1:
        count = "1 replica" if least == 1 else "autoscaling down to 0 replicas"
        notes.append(
            head + f"With {count}, serving stops during such an update until the new replica is ready: about "
            f"{estimate} min to download and load the weights{cached} (its startup probe allows {budget} min)"
        )
    else:
        notes.append(
            head + f"With {least} replicas the endpoint keeps serving on {least - 1} while each restarts: about "
            f"{estimate} min each{cached}, {least * estimate} min in all (the startup probe allows {budget} min each)"
        )


def vllm_args(deployment: Deployment, cluster: Cluster, hf_token: Any) -> Any:
    """The workload's arguments, each from the serving plan, the replica range or the cluster."""
    from deepseek_deploy import components as c

    spec, plan, replicas = _spec(deployment), deployment.serving, deployment.replicas
    assert plan is not None and replicas is not None
    serving, scaling = spec.serving, spec.serving.autoscaling
    return c.VllmArgs(
        namespace=serving.namespace,
        model=plan.hf_repo,
        served_model_name=plan.model,
        image=plan.image,
        tensor_parallel=plan.tensor_parallel,
        pipeline_parallel=plan.pipeline_parallel,
        max_model_len=plan.max_model_len,
        gpu_memory_utilization=plan.gpu_memory_utilization,
        quantization=None if plan.quantization == "none" else plan.quantization,
        reasoning_parser=plan.reasoning_parser,
        prefix_caching=serving.prefix_caching,
        cpu=plan.cpu,
        memory_gi=plan.memory_gi,
        shm_gi=plan.shm_gi,
        startup_seconds=plan.startup_seconds,
        replicas=replicas.initial,
        max_replicas=replicas.max,
        autoscaling=(
            c.Autoscaling(replicas.min, replicas.max, scaling.target_waiting_requests, scaling.prometheus_address)
            if scaling
            else None
        ),
        api_key=serving.api_key,
        hf_token=hf_token,
        weights_cache_gi=plan.weights_cache_gi,
        storage_class=cluster.storage_class,
        weights_volume=serving.weights_cache.volume,
        expose=serving.expose,
        public=serving.public,
        source_ranges=_source_ranges(spec, cluster),
        load_balancer_ranges=cluster.load_balancer_ranges,
        certificate_arn=serving.tls.certificate_arn if serving.tls else None,
        service_monitor=serving.service_monitor,
        node_selector=cluster.node_selector,
        labels={"deepseek-deploy/stack": spec.name},
        protect=spec.protect,
    )


def build_self_hosted(deployment: Deployment, tags: dict[str, str], notes: list[str]) -> dict[str, Any]:
    """Every resource of a self-hosted deployment; returns the stack outputs."""
    import pulumi

    from deepseek_deploy import components as c

    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None
    name, created = spec.name, spec.cluster.create == "eks"
    key = None
    if created or spec.effective_guardrail is not None:
        description = f"deepseek-deploy {name}: cluster secrets and guardrail"
        key = c.EncryptionKey(
            f"{name}-kms",
            c.EncryptionKeyArgs(region=spec.region, description=description, tags=tags, protect=spec.protect),
        )
    outputs: dict[str, Any] = {}
    cluster = _created_cluster(deployment, key, tags, outputs) if created else _existing_cluster(deployment, notes)
    args = vllm_args(deployment, cluster, _hf_token(spec, notes))
    multi_node = plan.nodes_per_replica > 1
    workload_class = c.VllmMultiNode if multi_node else c.VllmService
    workload = workload_class(
        name, args, opts=pulumi.ResourceOptions(providers=[cluster.provider], depends_on=cluster.add_ons)
    )
    _exposure_notes(spec, cluster, notes)
    _storage_notes(spec, cluster, workload.weights_volume, multi_node, plan.weights_cache_gi, notes)
    _rollout_note(deployment, workload.weights_volume, notes)
    guardrail = shared.guardrail(deployment, key, tags)
    if guardrail is not None:
        notes.append(
            "a vLLM endpoint is not invoked through Bedrock: `deploy invoke` applies the guardrail with the "
            "ApplyGuardrail API"
        )
    shared.budget(deployment, tags, notes)
    outputs.update(
        build_self_hosted_ops(
            deployment,
            tags,
            notes,
            workload=workload,
            provider=cluster.provider,
            cluster_name=outputs.get("cluster_name"),
        )
    )
    outputs.update(
        {
            "mode": spec.mode,
            "model": spec.model,
            "region": spec.region,
            "endpoint": workload.endpoint,
            "external_endpoint": workload.external_endpoint,
            "namespace": workload.namespace,
            "service": workload.service_name,
            "api_key": workload.api_key,
            "guardrail_id": guardrail.guardrail_id if guardrail else None,
            "guardrail_arn": guardrail.guardrail_arn if guardrail else None,
            "guardrail_version": guardrail.version if guardrail else None,
        }
    )
    return outputs
