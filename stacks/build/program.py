"""The program builder: a validated spec -> the components that deploy it, with the catalog's defaults.

`build(spec)` runs inside any Pulumi program: `deploy plan` (mock runtime), `deploy up`
(Automation API) and the project `deploy render` writes all call this same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .. import catalog
from ..spec.models import BaseSpec, CustomImportSpec, MarketplaceSpec, SelfHostedSpec, ServerlessSpec

STACK_TAG = "deepseek-deploy:stack"


class NotBuildable(Exception):
    """The spec is valid but this version cannot build it yet (said plainly, not as a traceback)."""


@dataclass
class Program:
    """What `build` made: the stack outputs and notes worth showing before `up`."""

    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def deployment_tags(spec: BaseSpec) -> dict[str, str]:
    """The user's tags plus the tool's, which the budget and cost reports select on."""
    return {**spec.tags, "managed-by": "deepseek-deploy", STACK_TAG: spec.name, "deepseek-deploy:model": spec.model, "deepseek-deploy:mode": spec.mode}


def model_kms_key(setting: str, deployment_key: Any) -> Optional[Any]:
    """`auto` -> the deployment's key, `none` -> AWS-owned keys, else the given key ARN."""
    if setting == "auto":
        return deployment_key
    if setting == "none":
        return None
    return setting


def build(spec: BaseSpec, base_dir: Optional[str] = None) -> Program:
    """Create every resource the spec describes, as children of the current Pulumi stack.

    `base_dir` is the spec file's folder: relative local paths in the spec are relative to it.
    """
    import pulumi

    from deepseek_deploy import components as c

    program = Program()
    tags = deployment_tags(spec)
    if isinstance(spec, SelfHostedSpec):
        _build_self_hosted(spec, tags, program)
        for key_name, value in program.outputs.items():
            pulumi.export(key_name, value)
        return program
    name, region = spec.name, spec.region
    key = c.EncryptionKey(
        f"{name}-kms",
        c.EncryptionKeyArgs(
            region=region,
            description=f"deepseek-deploy {name}: logs, alarms, guardrail and model data",
            service_principals=(f"logs.{region}.amazonaws.com", "bedrock.amazonaws.com", "cloudwatch.amazonaws.com", "sagemaker.amazonaws.com"),
            tags=tags,
            protect=spec.protect,
        ),
    )
    settings = spec.effective_guardrail
    guardrail = _guardrail(spec, settings, key, tags) if settings is not None else None

    invoke_model_id, resource_arns, metrics, extra_statements = _model(spec, key, tags, program, base_dir)

    access = c.InvokeAccess(
        f"{name}-access",
        c.InvokeAccessArgs(
            resource_arns=resource_arns,
            principals=tuple(spec.access.invoke_principals),
            guardrail_arn=guardrail.guardrail_arn if guardrail else None,
            guardrail_version=guardrail.version if guardrail else None,
            enforce_guardrail=bool(settings and settings.enforce),
            extra_statements=extra_statements,
            tags=tags,
        ),
    )
    if not spec.access.invoke_principals:
        program.notes.append("access.invoke_principals is empty: the invoke policy is created but attached to nobody; attach its ARN (output invoke_policy_arn) where needed")

    observability = spec.observability
    if observability.invocation_logs is True:
        c.InvocationLogging(f"{name}-logging", c.InvocationLoggingArgs(region=region, kms_key_arn=key.key_arn, retention_days=observability.log_retention_days, tags=tags, protect=spec.protect))
        program.notes.append(
            f"Bedrock invocation logging is one setting per account and region: this deployment takes it over in {region}. "
            "Other deployments in the same account and region should set observability.invocation_logs: shared"
        )
    elif observability.invocation_logs == "shared":
        program.notes.append(f"invocation logs: shared; another deployment owns Bedrock invocation logging in {region}, so none is configured here")
    alarms = observability.alarms
    c.Alarms(
        f"{name}-alarms",
        c.AlarmsArgs(
            region=region, metrics=metrics, kms_key_arn=key.key_arn, p99_latency_ms=alarms.p99_latency_ms,
            error_rate_percent=alarms.error_rate_percent, email=alarms.email, dashboard=observability.dashboard, tags=tags,
        ),
    )
    if alarms.email:
        program.notes.append(f"AWS emails {alarms.email} a subscription confirmation; alarms reach it only after it is confirmed")
    _budget(spec, tags, program)

    program.outputs = {
        "mode": spec.mode,
        "model": spec.model,
        "region": region,
        "invoke_model_id": invoke_model_id,
        "invoke_policy_arn": access.policy_arn,
        "guardrail_id": guardrail.guardrail_id if guardrail else None,
        "guardrail_version": guardrail.version if guardrail else None,
        "guardrail_enforced": bool(settings and settings.enforce),
    }
    for key_name, value in program.outputs.items():
        pulumi.export(key_name, value)
    return program


def _model(spec: BaseSpec, key: Any, tags: dict[str, str], program: Program, base_dir: Optional[str]) -> tuple[Any, Any, Any, list]:
    """The mode's model component: what to invoke, what IAM must allow, where its metrics are."""
    from deepseek_deploy import components as c

    model = catalog.model(spec.model)
    offer = model.offer(spec.mode)
    if isinstance(spec, ServerlessSpec):
        use_profile = spec.serverless.cross_region if spec.serverless.cross_region is not None else bool(offer.profiles)
        geography = next(iter(offer.profiles), None)
        component = c.ServerlessModel(
            f"{spec.name}-model",
            c.ServerlessModelArgs(
                region=spec.region,
                model_id=offer.model_id,
                profile_id=offer.profiles[geography] if use_profile and geography else None,
                destination_regions=tuple(offer.regions or ()) if use_profile else (),
                cost_profile=spec.serverless.cost_profile,
                tags=tags,
            ),
        )
        if offer.model_id_confidence == "third-party":
            program.notes.append(f"the Bedrock model id {offer.model_id} comes from a third-party source; `deploy up` fails cleanly if AWS does not know it")
        return component.invoke_model_id, component.resource_arns, c.bedrock_metrics(component.metric_model_id), []
    if isinstance(spec, MarketplaceSpec):
        instance_type = spec.endpoint.instance_type or offer.default_instance
        instance = catalog.instance(instance_type)
        kms = model_kms_key(spec.endpoint.kms_key, key.key_arn)
        if kms is not None and (instance is None or instance.local_nvme is not False):
            why = "has local NVMe storage" if instance and instance.local_nvme else "may have local storage (the catalog cannot confirm it has none)"
            program.notes.append(f"{instance_type} {why}, and SageMaker rejects a volume KMS key there: the endpoint uses AWS-managed volume encryption")
            kms = None
        scaling = spec.endpoint.autoscaling
        network = spec.network
        component = c.MarketplaceEndpoint(
            f"{spec.name}-model",
            c.MarketplaceEndpointArgs(
                region=spec.region,
                hub_model_id=offer.hub_model_id,
                hub_version=offer.hub_version,
                instance_type=instance_type,
                instance_count=spec.endpoint.instance_count,
                autoscaling=c.EndpointScaling(scaling.min, scaling.max, scaling.target_invocations_per_instance) if scaling else None,
                accept_eula=spec.endpoint.accept_eula,
                kms_key_arn=kms,
                subnet_ids=tuple(network.subnet_ids) if network else (),
                security_group_ids=tuple(network.security_group_ids) if network else (),
                tags=tags,
            ),
        )
        if spec.effective_guardrail is not None:
            program.notes.append("Marketplace endpoints take guardrails only through the ApplyGuardrail API: `deploy invoke` applies it to every prompt and answer")
        from deepseek_deploy.components.marketplace import invoke_statements_for

        arns = component.endpoint_arn.apply(lambda arn: [arn])
        return (component.endpoint_arn, arns, c.sagemaker_metrics(component.endpoint_name, component.variant_name),
                invoke_statements_for(component.endpoint_arn))
    if isinstance(spec, CustomImportSpec):
        network = spec.network
        source = spec.weights_source
        if not source.startswith(("s3://", "hf://")):
            import os

            source = os.path.abspath(os.path.join(base_dir or os.getcwd(), os.path.expanduser(source)))
        component = c.CustomModelImport(
            f"{spec.name}-model",
            c.CustomModelImportArgs(
                region=spec.region,
                weights_source=source,
                kms_key_arn=model_kms_key(spec.kms_key, key.key_arn),
                subnet_ids=tuple(network.subnet_ids) if network else (),
                security_group_ids=tuple(network.security_group_ids) if network else (),
                protect=spec.protect,
                tags=tags,
            ),
        )
        if not spec.weights_source.startswith("s3://"):
            program.notes.append(f"`deploy up` first uploads the weights from {spec.weights_source} to the deployment's bucket; an interrupted upload resumes")
        arns = component.imported_model_arn.apply(lambda arn: [arn])
        return component.imported_model_arn, arns, c.bedrock_metrics(component.imported_model_arn), []
    raise NotBuildable(f"mode {spec.mode} cannot be built")  # pragma: no cover - the spec types are exhaustive


def kubeconfig_path(spec: SelfHostedSpec) -> str:
    import os

    path = spec.cluster.kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or "~/.kube/config"
    return os.path.expanduser(path)


def _build_self_hosted(spec: SelfHostedSpec, tags: dict[str, str], program: Program) -> None:
    """vLLM on an existing cluster (kubeconfig) or on an EKS cluster created here."""
    import os

    import pulumi
    import pulumi_kubernetes as k8s

    from deepseek_deploy import components as c

    from ..sizing.planner import plan_serving

    plan = plan_serving(spec)
    facts = catalog.load().kubernetes
    name, serving = spec.name, spec.serving
    multi_node = plan.nodes_per_replica > 1
    program.notes.extend(plan.notes)
    key = None
    if spec.cluster.create == "eks" or spec.effective_guardrail is not None:
        key = c.EncryptionKey(f"{name}-kms", c.EncryptionKeyArgs(region=spec.region, description=f"deepseek-deploy {name}: cluster secrets and guardrail", tags=tags, protect=spec.protect))
    if spec.cluster.create == "eks":
        cluster = c.EksGpuCluster(
            f"{name}-eks",
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
                keda_chart=facts.keda_chart.model_dump() if serving.autoscaling else None,
                lws_manifest=facts.lws_manifest if multi_node else None,
                protect=spec.protect,
                tags=tags,
            ),
        )
        provider = cluster.provider
        node_selector = {"deepseek-deploy/gpu": "true"}
        program.outputs["cluster_name"] = cluster.cluster_name
        program.outputs["kubeconfig"] = cluster.kubeconfig
    else:
        path = kubeconfig_path(spec)
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=path, context=spec.cluster.context)
        node_selector = {}
        needs = [what for what, wanted in (("KEDA (for autoscaling)", serving.autoscaling), ("LeaderWorkerSet (for multi-node)", multi_node)) if wanted]
        if needs:
            program.notes.append(f"the existing cluster must already run {' and '.join(needs)}; deepseek-deploy installs these only on clusters it creates")
    hf_token = None
    if serving.hf_token_env:
        value = os.environ.get(serving.hf_token_env)
        if value is None:
            program.notes.append(f"${serving.hf_token_env} is not set here; `deploy up` needs it to pass the Hugging Face token")
        hf_token = pulumi.Output.secret(value or "")
    scaling = serving.autoscaling
    args = c.VllmArgs(
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
        replicas=serving.replicas,
        autoscaling=c.Autoscaling(scaling.min, scaling.max, scaling.target_waiting_requests, scaling.prometheus_address) if scaling else None,
        api_key=serving.api_key,
        hf_token=hf_token,
        weights_cache_gi=plan.weights_cache_gi,
        storage_class=serving.weights_cache.storage_class,
        expose=serving.expose,
        service_monitor=serving.service_monitor,
        node_selector=node_selector,
        labels={"deepseek-deploy/stack": name},
    )
    workload = (c.VllmMultiNode if multi_node else c.VllmService)(name, args, opts=pulumi.ResourceOptions(providers=[provider]))
    guardrail = None
    settings = spec.effective_guardrail
    if settings is not None:
        guardrail = _guardrail(spec, settings, key, tags)
        program.notes.append("a vLLM endpoint is not invoked through Bedrock: `deploy invoke` applies the guardrail with the ApplyGuardrail API")
    _budget(spec, tags, program)
    program.outputs.update({
        "mode": spec.mode,
        "model": spec.model,
        "region": spec.region,
        "endpoint": workload.endpoint,
        "namespace": workload.namespace,
        "service": workload.service_name,
        "api_key": workload.api_key,
        "guardrail_id": guardrail.guardrail_id if guardrail else None,
        "guardrail_version": guardrail.version if guardrail else None,
    })


def _guardrail(spec: BaseSpec, settings: Any, key: Any, tags: dict[str, str]) -> Any:
    from deepseek_deploy import components as c

    return c.Guardrail(
        f"{spec.name}-guardrail",
        c.GuardrailArgs(
            content_filters=settings.content_filters.model_dump(),
            denied_topics=[c.DeniedTopicArgs(t.name, t.definition, tuple(t.examples)) for t in settings.denied_topics],
            blocked_words=tuple(settings.blocked_words),
            managed_word_lists=tuple(settings.managed_word_lists),
            pii=dict(settings.pii),
            blocked_input_message=settings.blocked_input_message,
            blocked_output_message=settings.blocked_output_message,
            kms_key_arn=key.key_arn if key is not None else None,
            tags=tags,
        ),
    )


def _budget(spec: BaseSpec, tags: dict[str, str], program: Program) -> None:
    if not spec.budget:
        return
    from deepseek_deploy import components as c

    c.CostBudget(f"{spec.name}-budget", c.CostBudgetArgs(spec.budget.monthly_usd, tuple(spec.budget.alert_emails), STACK_TAG, spec.name, tags=tags))
    program.notes.append(f"the budget counts costs tagged {STACK_TAG}={spec.name}: activate that cost allocation tag in the Billing console")
