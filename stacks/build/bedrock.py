"""The three Bedrock modes: a model component (serverless, Marketplace, custom import) wrapped in
the same key, guardrail, invoke access, invocation logging, alarms and budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..sizing.deployment import Deployment
from . import shared

KEY_SERVICES = ("bedrock.amazonaws.com", "cloudwatch.amazonaws.com", "sagemaker.amazonaws.com")


@dataclass(frozen=True)
class ModelParts:
    """What the access policy and alarms need from a mode's model component."""

    invoke_model_id: Any
    resource_arns: Any
    metrics: Any
    extra_statements: list[Any] = field(default_factory=list)


def _serverless(deployment: Deployment, tags: dict[str, str]) -> ModelParts:
    from deepseek_deploy import components as c

    spec, route = deployment.spec, deployment.serverless
    assert route is not None  # resolved for serverless specs
    component = c.ServerlessModel(
        f"{spec.name}-model",
        c.ServerlessModelArgs(
            region=spec.region,
            model_id=route.model_id,
            profile_id=route.profile_id,
            destination_regions=route.destination_regions,
            cost_profile=spec.serverless.cost_profile,  # type: ignore[attr-defined]
            tags=tags,
        ),
    )
    return ModelParts(component.invoke_model_id, component.resource_arns, c.bedrock_metrics(component.metric_model_id))


def _network(deployment: Deployment) -> tuple[tuple[str, ...], tuple[str, ...]]:
    network = getattr(deployment.spec, "network", None)
    return (tuple(network.subnet_ids), tuple(network.security_group_ids)) if network else ((), ())


def _marketplace(deployment: Deployment, key: Any, tags: dict[str, str]) -> ModelParts:
    from deepseek_deploy import components as c
    from deepseek_deploy.components.marketplace import invoke_statements_for

    spec, offer, replicas = deployment.spec, deployment.offer, deployment.replicas
    assert replicas is not None and deployment.instance_type is not None  # resolved for marketplace
    subnets, groups = _network(deployment)
    component = c.MarketplaceEndpoint(
        f"{spec.name}-model",
        c.MarketplaceEndpointArgs(
            region=spec.region,
            hub_model_id=str(offer.hub_model_id),
            hub_version=str(offer.hub_version),
            instance_type=deployment.instance_type,
            instance_count=replicas.initial,
            autoscaling=(
                c.EndpointScaling(replicas.min, replicas.max, spec.endpoint.autoscaling.target_invocations_per_instance)  # type: ignore[attr-defined]
                if spec.endpoint.autoscaling  # type: ignore[attr-defined]
                else None
            ),
            accept_eula=spec.endpoint.accept_eula,  # type: ignore[attr-defined]
            kms_key_arn=shared.model_kms_key(deployment.model_kms, key.key_arn),
            subnet_ids=subnets,
            security_group_ids=groups,
            tags=tags,
        ),
    )
    # bedrock:InvokeModel names the account's Marketplace resource; the SageMaker statement names this endpoint.
    return ModelParts(
        component.endpoint_arn,
        component.invoke_resource_arns,
        c.sagemaker_metrics(component.endpoint_name, component.variant_name),
        invoke_statements_for(component.endpoint_arn),
    )


def _custom_import(deployment: Deployment, key: Any, tags: dict[str, str]) -> ModelParts:
    from deepseek_deploy import components as c

    spec = deployment.spec
    subnets, groups = _network(deployment)
    component = c.CustomModelImport(
        f"{spec.name}-model",
        c.CustomModelImportArgs(
            region=spec.region,
            weights_source=str(deployment.weights_source),
            kms_key_arn=shared.model_kms_key(deployment.model_kms, key.key_arn),
            subnet_ids=subnets,
            security_group_ids=groups,
            protect=spec.protect,
            tags=tags,
        ),
    )
    arns = component.imported_model_arn.apply(lambda arn: [arn])
    return ModelParts(component.imported_model_arn, arns, c.bedrock_metrics(component.imported_model_arn))


def _model(deployment: Deployment, key: Any, tags: dict[str, str]) -> ModelParts:
    mode = deployment.spec.mode
    if mode == "serverless":
        return _serverless(deployment, tags)
    if mode == "marketplace":
        return _marketplace(deployment, key, tags)
    return _custom_import(deployment, key, tags)


def _observability(deployment: Deployment, key: Any, metrics: Any, tags: dict[str, str], notes: list[str]) -> None:
    """Invocation logging (one per account and region), alarms and the dashboard."""
    from deepseek_deploy import components as c

    spec = deployment.spec
    name, region, observability = spec.name, spec.region, spec.observability
    if observability.invocation_logs is True:
        c.InvocationLogging(
            f"{name}-logging",
            c.InvocationLoggingArgs(
                region=region,
                kms_key_arn=key.key_arn,
                retention_days=observability.log_retention_days,
                tags=tags,
                protect=spec.protect,
            ),
        )
        notes.append(
            "Bedrock invocation logging is one setting per account and region: this deployment takes it over in "
            f"{region}. Other deployments in the same account and region should set observability.invocation_logs: "
            "shared"
        )
    elif observability.invocation_logs == "shared":
        notes.append(
            f"invocation logs: shared; another deployment owns Bedrock invocation logging in {region}, "
            "so none is configured here"
        )
    alarms = observability.alarms
    c.Alarms(
        f"{name}-alarms",
        c.AlarmsArgs(
            region=region,
            metrics=metrics,
            kms_key_arn=key.key_arn,
            p99_latency_ms=alarms.p99_latency_ms,
            error_rate_percent=alarms.error_rate_percent,
            email=alarms.email,
            dashboard=observability.dashboard,
            tags=tags,
        ),
    )
    if alarms.email:
        notes.append(
            f"AWS emails {alarms.email} a subscription confirmation; alarms reach it only after it is confirmed"
        )


def _access_notes(deployment: Deployment, notes: list[str]) -> None:
    """Who gets the invoke policy, and how: which principals are of another account is known only at deploy time."""
    spec = deployment.spec
    principals = spec.access.invoke_principals
    if not principals:
        notes.append(
            "access.invoke_principals is empty: the invoke policy is created but attached to nobody; "
            "attach its ARN (output invoke_policy_arn) where needed"
        )
    else:
        accounts = ", ".join(sorted({arn.split(":")[4] for arn in principals}))
        notes.append(
            f"access.invoke_principals (accounts {accounts}): those of the deploying account get the invoke policy "
            f"attached; those of any other account instead may assume the role {spec.name}-invoker (output "
            "invoker_role_arn), and their own account must allow them sts:AssumeRole on it. `deploy plan` cannot "
            "know the deploying account and shows every principal with the policy attached; `deploy preview` shows "
            "the real split"
        )
    if spec.mode == "marketplace":
        notes.append(
            "bedrock:InvokeModel on a Marketplace endpoint is authorised against one resource per account and "
            "region (marketplace/model-endpoint/all-access); the policy's SageMaker statement limits callers to "
            "this endpoint"
        )


def _update_notes(deployment: Deployment, notes: list[str]) -> None:
    """What a later change does to serving, for the modes that run a model of their own."""
    spec, replicas = deployment.spec, deployment.replicas
    if spec.mode == "marketplace":
        from deepseek_deploy.components.marketplace import TIMEOUT_MINUTES

        assert replicas is not None  # resolved for marketplace
        # SageMaker's UpdateEndpoint moves an endpoint to new instances, then retires the old ones, "with no
        # availability loss" (https://docs.aws.amazon.com/sagemaker/latest/dg/API_UpdateEndpoint.html).
        notes.append(
            "updates: instance type, count and role change in place (UpdateMarketplaceModelEndpoint; SageMaker "
            "starts new instances before it retires the old ones). A new model version, KMS key or network needs a "
            "new endpoint: `deploy up` creates it beside the old one, which keeps serving, waits until it is "
            f"InService (up to {TIMEOUT_MINUTES} min), then points invoke_model_id, the invoke policy, alarms and "
            "autoscaling at it and deletes the old one. Serving does not stop, but both run meanwhile: the SageMaker "
            f"quota must allow {replicas.initial} more {deployment.instance_type} instance"
            f"{'s' if replicas.initial > 1 else ''}, and callers that pass the endpoint "
            "ARN themselves must switch to the new invoke_model_id"
        )
    elif spec.mode == "custom-import":
        from deepseek_deploy.components.custom_import import TIMEOUT_MINUTES as IMPORT_MINUTES

        notes.append(
            "updates: new weights, KMS key or network mean a new import under the same name, so the old imported "
            f"model is deleted first: the model does not serve until the new import completes (up to {IMPORT_MINUTES}"
            " min), and its ARN (invoke_model_id) changes"
            + ("; with protect: true such a change fails until protect is false" if spec.protect else "")
        )


def build_bedrock(deployment: Deployment, tags: dict[str, str], notes: list[str]) -> dict[str, Any]:
    """Every resource of a Bedrock-mode deployment; returns the stack outputs."""
    from deepseek_deploy import components as c

    spec = deployment.spec
    name, region = spec.name, spec.region
    key = c.EncryptionKey(
        f"{name}-kms",
        c.EncryptionKeyArgs(
            region=region,
            description=f"deepseek-deploy {name}: logs, alarms, guardrail and model data",
            service_principals=(f"logs.{region}.amazonaws.com", *KEY_SERVICES),
            tags=tags,
            protect=spec.protect,
        ),
    )
    guardrail = shared.guardrail(deployment, key, tags)
    enforced = bool(guardrail is not None and spec.effective_guardrail and spec.effective_guardrail.enforce)
    parts = _model(deployment, key, tags)
    if spec.mode == "marketplace" and guardrail is not None:
        notes.append(
            "Marketplace endpoints take guardrails only through the ApplyGuardrail API: "
            "`deploy invoke` applies it to every prompt and answer"
        )
    access = c.InvokeAccess(
        f"{name}-access",
        c.InvokeAccessArgs(
            resource_arns=parts.resource_arns,
            principals=tuple(spec.access.invoke_principals),
            guardrail_arn=guardrail.guardrail_arn if guardrail else None,
            guardrail_version=guardrail.version if guardrail else None,
            enforce_guardrail=enforced,
            extra_statements=parts.extra_statements,
            invoker_role_name=f"{name}-invoker",
            tags=tags,
        ),
    )
    _access_notes(deployment, notes)
    _update_notes(deployment, notes)
    _observability(deployment, key, parts.metrics, tags, notes)
    shared.budget(deployment, tags, notes)
    return {
        "mode": spec.mode,
        "model": spec.model,
        "region": region,
        "invoke_model_id": parts.invoke_model_id,
        "invoke_policy_arn": access.policy_arn,
        "invoker_role_arn": access.invoker_role_arn,
        "guardrail_id": guardrail.guardrail_id if guardrail else None,
        # Callers name the guardrail by ARN: the enforcing policy's condition compares
        # bedrock:GuardrailIdentifier with `ARN:version` (components/access.py), so the ID alone may not match.
        "guardrail_arn": guardrail.guardrail_arn if guardrail else None,
        "guardrail_version": guardrail.version if guardrail else None,
        "guardrail_enforced": enforced,
    }
