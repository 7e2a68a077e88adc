"""`build_gateway(gateway)`: every resource of a gateway's stack, run inside any Pulumi program
(`deploy plan` under mocks, `deploy up` through the Automation API)."""

from __future__ import annotations

from typing import Any, Optional

from .. import catalog
from ..sizing.gateway import Gateway
from ..spec.gateway import GatewaySpec
from . import shared
from .gateway import (
    PORT,
    TIER_OUTPUTS,
    TierFacts,
    digest,
    documents,
    gateway_tags,
    self_hosted_cluster_tier,
    stack_reference_name,
    threshold_note,
    tier_document,
    tier_key_env,
)
from .program import BuildResult

SECRET_OUTPUTS = ("api_key", "kubeconfig")  # read only where needed: a secret input makes the files secret


def build_gateway(gateway: Gateway) -> BuildResult:
    import pulumi

    from deepseek_deploy import components as c
    from deepseek_deploy.components.gateway_keys import GatewayKeys, GatewayKeysArgs

    spec = gateway.spec
    tags = gateway_tags(gateway)
    notes = [note for note in (threshold_note(gateway),) if note]
    references = _references(gateway)
    key = c.EncryptionKey(
        f"{spec.name}-kms",
        c.EncryptionKeyArgs(
            region=spec.region,
            description=f"deepseek-deploy gateway {spec.name}: guardrail, logs and configuration",
            # CloudWatch Logs (the ECS log group) and CloudWatch alarms publishing to the encrypted topic.
            service_principals=(f"logs.{spec.region}.amazonaws.com", "cloudwatch.amazonaws.com"),
            tags=tags,
        ),
    )
    guardrail = shared.guardrail(gateway, key, tags)
    keys = GatewayKeys(f"{spec.name}-keys", GatewayKeysArgs(names=tuple(spec.access.api_keys)))
    hosting = Hosting(
        files=_files(gateway, references, guardrail),
        env=_environment(spec),
        secret_env=_secret_env(gateway, references, keys),
        tier_policies=[references[t].get_output("invoke_policy_arn") for t, f in _facts(gateway).items() if f.on_aws],
        guardrail_arn=guardrail.guardrail_arn if guardrail is not None else None,
    )
    outputs: dict[str, Any] = {
        "kind": "gateway",
        "region": spec.region,
        "tiers": {tier: ref.name for tier, ref in references.items()},
        "api_keys": pulumi.Output.secret(dict(keys.keys)),
        "guardrail_id": guardrail.guardrail_id if guardrail else None,
        "guardrail_arn": guardrail.guardrail_arn if guardrail else None,
        "guardrail_version": guardrail.version if guardrail else None,
        "image": catalog.load().gateway.image,
    }
    if spec.host.platform == "kubernetes":
        outputs.update(_on_kubernetes(gateway, references, hosting, tags, notes))
    else:
        outputs.update(_on_fargate(gateway, hosting, key, tags, notes))
    shared.budget(gateway, tags, notes)
    for name, value in outputs.items():
        pulumi.export(name, value)
    return BuildResult(outputs=outputs, notes=notes)


class Hosting:
    """What either platform runs: the files, the environment, and the AWS permissions the gateway needs."""

    def __init__(
        self,
        *,
        files: dict[str, Any],
        env: dict[str, str],
        secret_env: dict[str, Any],
        tier_policies: list[Any],
        guardrail_arn: Optional[Any],
    ) -> None:
        self.files, self.env, self.secret_env = files, env, secret_env
        self.tier_policies, self.guardrail_arn = tier_policies, guardrail_arn


def _facts(gateway: Gateway) -> dict[str, TierFacts]:
    return {tier: TierFacts(tier, deployment) for tier, deployment in gateway.tiers.items()}


def _references(gateway: Gateway) -> dict[str, Any]:
    """A stack reference per tier: its stack in this backend, under this stack's name."""
    import pulumi

    organization, stack = pulumi.get_organization(), pulumi.get_stack()
    return {
        tier: pulumi.StackReference(
            f"{gateway.spec.name}-tier-{tier}",
            stack_name=stack_reference_name(organization, deployment.spec.name, stack),
        )
        for tier, deployment in gateway.tiers.items()
    }


def _files(gateway: Gateway, references: dict[str, Any], guardrail: Any) -> dict[str, Any]:
    """config.yaml, gateway.json and the hook files, each an Output of the tiers' stack outputs."""
    import pulumi

    from deepseek_deploy.components import gateway as hooks
    from deepseek_deploy.components.gateway import config as gw

    facts = _facts(gateway)
    read = {
        tier: pulumi.Output.all(**{k: ref.get_output(k) for k in TIER_OUTPUTS if k not in SECRET_OUTPUTS})
        for tier, ref in references.items()
    }
    rail: Any = pulumi.Output.from_input(None)
    if guardrail is not None:
        rail = pulumi.Output.all(identifier=guardrail.guardrail_arn, version=guardrail.version)

    def files_of(values: dict[str, Any]) -> dict[str, str]:
        tiers = [tier_document(facts[tier], values["tiers"][tier]) for tier in gateway.spec.tiers]
        return documents(gateway, tiers, values["rail"])

    bundle = pulumi.Output.all(tiers=pulumi.Output.all(**read), rail=rail).apply(files_of)
    names = (*hooks.HOOK_FILES, "config.yaml", gw.SETTINGS_FILE)
    return {name: bundle.apply(_pick(name)) for name in names}


def _pick(name: str) -> Any:
    def pick(found: dict[str, str]) -> str:
        return found[name]

    return pick


def _environment(spec: GatewaySpec) -> dict[str, str]:
    from deepseek_deploy.components.gateway import config as gw

    return {**gw.PROCESS_ENV, "AWS_REGION": spec.region, "AWS_DEFAULT_REGION": spec.region}


def _secret_env(gateway: Gateway, references: dict[str, Any], keys: Any) -> dict[str, Any]:
    """LiteLLM's master key, each named key's digest (never the key) and each vLLM tier's own key."""
    from deepseek_deploy.components.gateway import config as gw

    secret_env: dict[str, Any] = {gw.MASTER_KEY_ENV: keys.master_key}
    secret_env.update({gw.key_env(name): value.apply(digest) for name, value in keys.keys.items()})
    for tier, facts in _facts(gateway).items():
        if facts.has_key:
            secret_env[tier_key_env(tier)] = references[tier].get_output("api_key")
    return secret_env


def _on_fargate(gateway: Gateway, hosting: Hosting, key: Any, tags: dict[str, str], notes: list[str]) -> dict[str, Any]:
    from deepseek_deploy import components as c
    from deepseek_deploy.components.gateway_access import guardrail_statements

    spec = gateway.spec
    network = spec.host.network
    hosted = c.GatewayOnFargate(
        spec.name,
        c.GatewayFargateArgs(
            region=spec.region,
            image=catalog.load().gateway.image,
            files=hosting.files,
            env=hosting.env,
            secret_env=hosting.secret_env,
            kms_key_arn=key.key_arn,
            task_policy_arns=hosting.tier_policies,
            task_statements=guardrail_statements(hosting.guardrail_arn),
            subnet_ids=tuple(network.subnet_ids) if network else (),
            vpc_id=network.vpc_id if network else None,
            replicas=spec.host.replicas,
            log_retention_days=spec.observability.log_retention_days,
            tags=tags,
        ),
    )
    metrics = c.load_balancer_metrics(hosted.load_balancer_arn_suffix, hosted.target_group_arn_suffix)
    _alarms(gateway, metrics, key, tags, notes)
    return {
        "endpoint": hosted.endpoint,
        "cluster_name": hosted.cluster_name,
        "service": hosted.service_name,
        "log_group": hosted.log_group_name,
        "gateway_role_arn": hosted.task_role_arn,
    }


def _alarms(gateway: Gateway, metrics: Any, key: Any, tags: dict[str, str], notes: list[str]) -> None:
    """The spec's latency and error alarms (and dashboard) on the gateway's own metrics."""
    from deepseek_deploy import components as c

    observability = gateway.spec.observability
    c.Alarms(
        f"{gateway.spec.name}-alarms",
        c.AlarmsArgs(
            region=gateway.spec.region,
            metrics=metrics,
            kms_key_arn=key.key_arn,
            p99_latency_ms=observability.alarms.p99_latency_ms,
            error_rate_percent=observability.alarms.error_rate_percent,
            email=observability.alarms.email,
            dashboard=observability.dashboard,
            tags=tags,
        ),
    )
    if observability.alarms.email:
        notes.append(
            f"AWS emails {observability.alarms.email} a subscription confirmation; alarms reach it only after it "
            "is confirmed"
        )


def _on_kubernetes(
    gateway: Gateway, references: dict[str, Any], hosting: Hosting, tags: dict[str, str], notes: list[str]
) -> dict[str, Any]:
    """The gateway as a Deployment: on the host's kubeconfig, or else on the cluster a tier created."""
    import pulumi
    import pulumi_kubernetes as k8s

    from deepseek_deploy import components as c

    from .kubernetes import kubeconfig_file

    spec = gateway.spec
    cluster_tier = None if spec.host.kubeconfig else self_hosted_cluster_tier(gateway)
    if cluster_tier is not None:
        provider = k8s.Provider(f"{spec.name}-k8s", kubeconfig=references[cluster_tier].get_output("kubeconfig"))
        notes.append(f"the gateway runs on the EKS cluster tier '{cluster_tier}' created")
    else:
        provider = k8s.Provider(
            f"{spec.name}-k8s", kubeconfig=kubeconfig_file(spec.host.kubeconfig), context=spec.host.context
        )
    namespace = spec.host.namespace or spec.name
    notes.append(
        f"on Kubernetes the gateway's request logs (tier, tokens, cost, latency) are its pods' output (`kubectl -n "
        f"{namespace} logs deploy/{spec.name}`, or the cluster's log shipping), and observability.alarms and "
        "dashboard are not made: they watch the load balancer of a gateway on ecs-fargate"
    )
    access = _kubernetes_access(gateway, references, hosting, cluster_tier, namespace, tags, notes)
    hosted = c.GatewayOnKubernetes(
        spec.name,
        c.GatewayKubernetesArgs(
            namespace=namespace,
            image=catalog.load().gateway.image,
            files=hosting.files,
            env=hosting.env,
            secret_env=hosting.secret_env,
            replicas=spec.host.replicas,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    return {
        "endpoint": hosted.endpoint,
        "namespace": hosted.namespace,
        "service": hosted.service_name,
        "port": PORT,
        "gateway_policy_arns": access.policy_arns,
        "gateway_role_arn": access.role_arn,
    }


def _kubernetes_access(
    gateway: Gateway,
    references: dict[str, Any],
    hosting: Hosting,
    cluster_tier: Optional[str],
    namespace: str,
    tags: dict[str, str],
    notes: list[str],
) -> Any:
    """The gateway's AWS permissions; associated with its service account (named like the gateway,
    components/gateway_kubernetes.py) on a cluster a tier created, else exported for the cluster's owner."""
    from deepseek_deploy.components.gateway_access import GatewayAccess, GatewayAccessArgs, PodIdentity

    spec = gateway.spec
    service_account = spec.name
    pod = None
    if cluster_tier is not None:
        pod = PodIdentity(references[cluster_tier].get_output("cluster_name"), namespace, service_account)
    access = GatewayAccess(
        f"{spec.name}-access",
        GatewayAccessArgs(
            region=spec.region,
            tier_policy_arns=hosting.tier_policies,
            guardrail_arn=hosting.guardrail_arn,
            pod_identity=pod,
            tags=tags,
        ),
    )
    if pod is None and (hosting.tier_policies or hosting.guardrail_arn is not None):
        notes.append(
            f"the gateway's pods call AWS (Bedrock tiers, ApplyGuardrail): give the service account "
            f"{namespace}/{service_account} a role with the policies in the `gateway_policy_arns` output (EKS Pod "
            "Identity or IRSA); deepseek-deploy associates it only on a cluster a tier created"
        )
    return access
