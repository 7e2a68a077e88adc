"""`build_gateway(gateway)`: every resource of a gateway's stack, run inside any Pulumi program
(`deploy plan` under mocks, `deploy up` through the Automation API)."""

from __future__ import annotations

import os
from typing import Any

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
    from deepseek_deploy.components.gateway import config as gw
    from deepseek_deploy.components.gateway_access import guardrail_statements
    from deepseek_deploy.components.gateway_keys import GatewayKeys, GatewayKeysArgs

    spec = gateway.spec
    name, region = spec.name, spec.region
    tags = gateway_tags(gateway)
    notes = [note for note in (threshold_note(gateway),) if note]
    references = {
        tier: pulumi.StackReference(
            f"{name}-tier-{tier}",
            stack_name=stack_reference_name(pulumi.get_organization(), deployment.spec.name, pulumi.get_stack()),
        )
        for tier, deployment in gateway.tiers.items()
    }
    facts = {tier: TierFacts(tier, deployment) for tier, deployment in gateway.tiers.items()}
    key = c.EncryptionKey(
        f"{name}-kms",
        c.EncryptionKeyArgs(
            region=region,
            description=f"deepseek-deploy gateway {name}: guardrail, logs and configuration",
            service_principals=(f"logs.{region}.amazonaws.com",),
            tags=tags,
        ),
    )
    guardrail = shared.guardrail(gateway, key, tags)
    read = {
        tier: pulumi.Output.all(**{k: ref.get_output(k) for k in TIER_OUTPUTS if k not in SECRET_OUTPUTS})
        for tier, ref in references.items()
    }
    rail = (
        pulumi.Output.all(identifier=guardrail.guardrail_arn, version=guardrail.version)
        if guardrail is not None
        else pulumi.Output.from_input(None)
    )

    def files_of(values: dict[str, Any]) -> dict[str, str]:
        tiers = [tier_document(facts[tier], values["tiers"][tier]) for tier in spec.tiers]
        return documents(gateway, tiers, values["rail"])

    bundle = pulumi.Output.all(tiers=pulumi.Output.all(**read), rail=rail).apply(files_of)
    names = (*_hook_files(), "config.yaml", gw.SETTINGS_FILE)
    files = {file: bundle.apply(lambda found, file=file: found[file]) for file in names}

    generated = GatewayKeys(f"{name}-keys", GatewayKeysArgs(names=tuple(spec.access.api_keys)))
    keys = generated.keys
    secret_env: dict[str, Any] = {gw.MASTER_KEY_ENV: generated.master_key}
    secret_env.update({gw.key_env(k): value.apply(digest) for k, value in keys.items()})
    for tier, tier_facts in facts.items():
        if tier_facts.has_key:
            secret_env[tier_key_env(tier)] = references[tier].get_output("api_key")
    env = {**gw.PROCESS_ENV, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    bedrock_policies = [references[t].get_output("invoke_policy_arn") for t, f in facts.items() if f.kind != "openai"]
    image = catalog.load().gateway.image
    outputs: dict[str, Any] = {
        "kind": "gateway",
        "region": region,
        "tiers": {tier: ref.name for tier, ref in references.items()},
        "api_keys": pulumi.Output.secret(dict(keys)),
        "guardrail_id": guardrail.guardrail_id if guardrail else None,
        "guardrail_arn": guardrail.guardrail_arn if guardrail else None,
        "guardrail_version": guardrail.version if guardrail else None,
        "image": image,
    }
    if spec.host.platform == "kubernetes":
        outputs.update(
            _on_kubernetes(gateway, references, files, env, secret_env, bedrock_policies, guardrail, tags, notes)
        )
    else:
        network = spec.host.network
        hosted = c.GatewayOnFargate(
            f"{name}-gateway",
            c.GatewayFargateArgs(
                region=region,
                image=image,
                files=files,
                env=env,
                secret_env=secret_env,
                kms_key_arn=key.key_arn,
                task_policy_arns=bedrock_policies,
                task_statements=guardrail_statements(guardrail.guardrail_arn if guardrail else None),
                subnet_ids=tuple(network.subnet_ids) if network else (),
                vpc_id=network.vpc_id if network else None,
                replicas=spec.host.replicas,
                log_retention_days=spec.observability.log_retention_days,
                tags=tags,
            ),
        )
        outputs.update(
            {"endpoint": hosted.endpoint, "cluster_name": hosted.cluster_name, "service": hosted.service_name}
        )
        outputs["log_group"] = hosted.log_group_name
    shared.budget(gateway, tags, notes)
    for key_name, value in outputs.items():
        pulumi.export(key_name, value)
    return BuildResult(outputs=outputs, notes=notes)


def _hook_files() -> tuple[str, ...]:
    from deepseek_deploy.components import gateway as hooks

    return tuple(hooks.HOOK_FILES)


def _kubeconfig(spec: GatewaySpec) -> str:
    path = spec.host.kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or "~/.kube/config"
    return os.path.expanduser(path)


def _on_kubernetes(
    gateway: Gateway,
    references: dict[str, Any],
    files: dict[str, Any],
    env: dict[str, str],
    secret_env: dict[str, Any],
    policies: list[Any],
    guardrail: Any,
    tags: dict[str, str],
    notes: list[str],
) -> dict[str, Any]:
    """The gateway as a Deployment: on the host's kubeconfig, or else on the cluster a tier created."""
    import pulumi
    import pulumi_kubernetes as k8s

    from deepseek_deploy import components as c
    from deepseek_deploy.components.gateway_access import GatewayAccess, GatewayAccessArgs, PodIdentity

    spec = gateway.spec
    name = spec.name
    namespace = spec.host.namespace or name
    cluster_tier = None if spec.host.kubeconfig else self_hosted_cluster_tier(gateway)
    if cluster_tier is not None:
        kubeconfig: Any = references[cluster_tier].get_output("kubeconfig")
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig)
        notes.append(f"the gateway runs on the EKS cluster tier '{cluster_tier}' created")
    else:
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=_kubeconfig(spec), context=spec.host.context)
    service_account = name
    pod = (
        PodIdentity(references[cluster_tier].get_output("cluster_name"), namespace, service_account)
        if cluster_tier is not None
        else None
    )
    access = GatewayAccess(
        f"{name}-access",
        GatewayAccessArgs(
            region=spec.region,
            tier_policy_arns=policies,
            guardrail_arn=guardrail.guardrail_arn if guardrail is not None else None,
            pod_identity=pod,
            tags=tags,
        ),
    )
    if pod is None and access.policy_arns:
        notes.append(
            f"the gateway's pods call AWS (Bedrock tiers, ApplyGuardrail): give the service account "
            f"{namespace}/{service_account} a role with the policies in the `gateway_policy_arns` output (EKS Pod "
            "Identity or IRSA); deepseek-deploy associates it only on a cluster a tier created"
        )
    hosted = c.GatewayOnKubernetes(
        name,
        c.GatewayKubernetesArgs(
            namespace=namespace,
            image=catalog.load().gateway.image,
            files=files,
            env=env,
            secret_env=secret_env,
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
