"""The sections every mode accepts, made real for a vLLM endpoint: `access.invoke_principals`,
`observability.alarms` and `observability.invocation_logs`.

- invoke principals: the generated API key also goes to AWS Secrets Manager, under a KMS key of its own,
  readable (GetSecretValue and, through Secrets Manager only, kms:Decrypt) by exactly those principals;
- alarms: a PrometheusRule on vLLM's own metrics with the spec's thresholds, when the spec asks for the
  Prometheus Operator (`serving.service_monitor: true`);
- invocation logs: on a cluster created here, vLLM's request log is shipped to a KMS-encrypted CloudWatch
  Logs group kept `log_retention_days`.

What cannot work is refused before this runs (`sizing/rules.py`: alarms without the Prometheus Operator,
an alarm email, a dashboard, invocation logs on an existing cluster or `shared`, a log retention for logs
that are not shipped, invoke principals without an API key); what a default leaves out is said in a note.
"""

from __future__ import annotations

from typing import Any, Optional

from ..sizing.deployment import Deployment
from ..spec.models import SelfHostedSpec


def _spec(deployment: Deployment) -> SelfHostedSpec:
    spec = deployment.spec
    assert isinstance(spec, SelfHostedSpec) and deployment.serving is not None  # a self-hosted deployment
    return spec


def secret_name(stack: str) -> str:
    return f"deepseek-deploy/{stack}/api-key"


def request_log_group(stack: str) -> str:
    return f"/deepseek-deploy/{stack}/vllm"


def _api_key_secret(deployment: Deployment, tags: dict[str, str], notes: list[str], workload: Any) -> dict[str, Any]:
    """The API key in Secrets Manager, for the invoke principals only."""
    spec = _spec(deployment)
    principals = tuple(spec.access.invoke_principals)
    if not principals:
        return {}
    # rules.self_hosted_invoke_principals refuses principals without an API key.
    assert workload.api_key is not None, "access.invoke_principals needs serving.api_key: true"
    from deepseek_deploy import components as c

    name = secret_name(spec.name)
    secret = c.ApiKeySecret(
        f"{spec.name}-api-key-secret",
        c.ApiKeySecretArgs(
            region=spec.region,
            secret_name=name,
            secret_value=workload.api_key,
            readers=principals,
            description=f"API key of the deepseek-deploy endpoint {spec.name}",
            tags=tags,
            protect=spec.protect,
        ),
    )
    notes.append(
        f"the API key is also in Secrets Manager as {name} (output api_key_secret_arn): the "
        f"{len(principals)} access.invoke_principals may read it with secretsmanager:GetSecretValue, nobody else "
        "is granted it. A principal in another account also needs an IAM policy of its own for "
        "secretsmanager:GetSecretValue on the secret and kms:Decrypt on its key"
    )
    return {"api_key_secret_arn": secret.secret_arn}


def _alerts(deployment: Deployment, notes: list[str], workload: Any, provider: Any) -> dict[str, Any]:
    """Alert rules with the spec's thresholds, for the Prometheus Operator the spec says the cluster runs."""
    spec, plan = _spec(deployment), deployment.serving
    assert plan is not None
    if not spec.serving.service_monitor:
        # An explicit observability.alarms without it is refused by rules.self_hosted_alarms.
        notes.append(
            "no alerts: a vLLM endpoint's alarms are Prometheus alert rules on its own metrics; set "
            "serving.service_monitor: true (the cluster must run the Prometheus Operator) to get them"
        )
        return {}
    import pulumi

    from deepseek_deploy import components as c
    from deepseek_deploy.components.alert_rules import STACK_LABEL

    alarms = spec.observability.alarms
    rules = c.VllmAlertRules(
        f"{spec.name}-alerts",
        c.VllmAlertRulesArgs(
            namespace=workload.namespace,
            service=workload.service_name,
            stack=spec.name,
            p99_latency_ms=alarms.p99_latency_ms,
            error_rate_percent=alarms.error_rate_percent,
            down_after_seconds=int(plan.startup_seconds * 1.5),  # the startup probe's budget
            labels={"deepseek-deploy/stack": spec.name, "app.kubernetes.io/part-of": "deepseek-deploy"},
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    notes.append(
        f"alerts (p99 latency over {alarms.p99_latency_ms} ms, error rate over {alarms.error_rate_percent:g}%, no "
        f"replica serving) are a PrometheusRule in namespace {spec.serving.namespace}: the cluster's Prometheus "
        "must select it, as it must the ServiceMonitor, and its Alertmanager routes them (label "
        f"{STACK_LABEL}={spec.name})"
    )
    return {"alert_rule": rules.rule_name}


def _request_logs(
    deployment: Deployment, tags: dict[str, str], notes: list[str], provider: Any, cluster_name: Any
) -> dict[str, Any]:
    """vLLM's request log to CloudWatch Logs, on a cluster created here."""
    spec = _spec(deployment)
    observability = spec.observability
    if observability.invocation_logs is not True:  # false; `shared` is refused by rules.self_hosted_invocation_logs
        return {}
    if spec.cluster.create != "eks":
        # Only the default reaches here: an explicit `true` on an existing cluster is refused.
        notes.append(
            f"request logs stay in the cluster: deepseek-deploy ships them to CloudWatch Logs only on clusters it "
            f"creates. Collect namespace {spec.serving.namespace}'s container logs with the cluster's own log "
            "pipeline, or set observability.invocation_logs: false"
        )
        return {}
    assert cluster_name is not None, "a created cluster has a name"
    import pulumi

    from deepseek_deploy import components as c

    key = c.EncryptionKey(
        f"{spec.name}-logs-kms",
        c.EncryptionKeyArgs(
            region=spec.region,
            description=f"deepseek-deploy {spec.name}: request logs",
            # CloudWatch Logs encrypts with the key itself:
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
            service_principals=(f"logs.{spec.region}.amazonaws.com",),
            tags=tags,
            protect=spec.protect,
        ),
    )
    group = request_log_group(spec.name)
    logs = c.ContainerLogs(
        f"{spec.name}-request-logs",
        c.ContainerLogsArgs(
            region=spec.region,
            cluster_name=cluster_name,
            source_namespace=spec.serving.namespace,
            log_group_name=group,
            kms_key_arn=key.key_arn,
            retention_days=observability.log_retention_days,
            # EksGpuCluster installs the EKS Pod Identity Agent add-on (components/eks_storage.py).
            install_pod_identity_agent=False,
            protect=spec.protect,
            tags=tags,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    notes.append(
        f"vLLM's request log (one line per request: client, path, status; not prompts or answers) and server log "
        f"go to the CloudWatch Logs group {group}, kept {observability.log_retention_days} days"
    )
    return {"request_log_group": logs.log_group_name}


def build_self_hosted_ops(
    deployment: Deployment,
    tags: dict[str, str],
    notes: list[str],
    *,
    workload: Any,
    provider: Any,
    cluster_name: Optional[Any] = None,
) -> dict[str, Any]:
    """The API key secret, the alert rules and the request logs the spec asks for; returns their stack outputs.

    `workload` is the VllmService or VllmMultiNode, `provider` the cluster's Kubernetes provider, and
    `cluster_name` the created EKS cluster's name (None for an existing cluster).
    """
    outputs: dict[str, Any] = {}
    outputs.update(_api_key_secret(deployment, tags, notes, workload))
    outputs.update(_alerts(deployment, notes, workload, provider))
    outputs.update(_request_logs(deployment, tags, notes, provider, cluster_name))
    return outputs
