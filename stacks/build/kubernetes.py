"""The self-hosted mode: vLLM on an existing cluster (kubeconfig) or on an EKS cluster created here.

Every number the pods need comes from the resolved deployment's serving plan and replica range.
"""

from __future__ import annotations

import os
from typing import Any

from .. import catalog
from ..sizing.deployment import Deployment
from ..spec.models import SelfHostedSpec
from . import shared


def kubeconfig_path(spec: SelfHostedSpec) -> str:
    path = spec.cluster.kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or "~/.kube/config"
    return os.path.expanduser(path)


def _spec(deployment: Deployment) -> SelfHostedSpec:
    spec = deployment.spec
    assert isinstance(spec, SelfHostedSpec) and deployment.serving is not None  # dispatched by mode
    return spec


def _created_cluster(deployment: Deployment, key: Any, tags: dict[str, str], outputs: dict[str, Any]) -> Any:
    """An EKS cluster sized by the plan; returns its Kubernetes provider."""
    from deepseek_deploy import components as c

    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None and plan.instance_type is not None  # a created cluster has a node type
    facts = catalog.load().kubernetes
    multi_node = plan.nodes_per_replica > 1
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
            protect=spec.protect,
            tags=tags,
        ),
    )
    outputs["cluster_name"] = cluster.cluster_name
    outputs["kubeconfig"] = cluster.kubeconfig
    return cluster.provider


def _existing_cluster(deployment: Deployment, notes: list[str]) -> Any:
    """A provider for the kubeconfig's cluster; say what it must already run."""
    import pulumi_kubernetes as k8s

    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None
    wanted = (
        ("KEDA (for autoscaling)", spec.serving.autoscaling),
        ("LeaderWorkerSet (for multi-node)", plan.nodes_per_replica > 1),
    )
    needs = [what for what, needed in wanted if needed]
    if needs:
        notes.append(
            f"the existing cluster must already run {' and '.join(needs)}; "
            "deepseek-deploy installs these only on clusters it creates"
        )
    return k8s.Provider(f"{spec.name}-k8s", kubeconfig=kubeconfig_path(spec), context=spec.cluster.context)


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


def vllm_args(deployment: Deployment, node_selector: dict[str, str], hf_token: Any) -> Any:
    """The workload's arguments, each from the serving plan or the replica range."""
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
        storage_class=serving.weights_cache.storage_class,
        expose=serving.expose,
        service_monitor=serving.service_monitor,
        node_selector=node_selector,
        labels={"deepseek-deploy/stack": spec.name},
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
    provider = _created_cluster(deployment, key, tags, outputs) if created else _existing_cluster(deployment, notes)
    node_selector = {"deepseek-deploy/gpu": "true"} if created else {}
    args = vllm_args(deployment, node_selector, _hf_token(spec, notes))
    workload_class = c.VllmMultiNode if plan.nodes_per_replica > 1 else c.VllmService
    workload = workload_class(name, args, opts=pulumi.ResourceOptions(providers=[provider]))
    guardrail = shared.guardrail(deployment, key, tags)
    if guardrail is not None:
        notes.append(
            "a vLLM endpoint is not invoked through Bedrock: `deploy invoke` applies the guardrail with the "
            "ApplyGuardrail API"
        )
    shared.budget(deployment, tags, notes)
    outputs.update(
        {
            "mode": spec.mode,
            "model": spec.model,
            "region": spec.region,
            "endpoint": workload.endpoint,
            "namespace": workload.namespace,
            "service": workload.service_name,
            "api_key": workload.api_key,
            "guardrail_id": guardrail.guardrail_id if guardrail else None,
            "guardrail_version": guardrail.version if guardrail else None,
        }
    )
    return outputs
