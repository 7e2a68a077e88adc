"""VllmAlertRules: a PrometheusRule with the alarms of a vLLM endpoint, on vLLM's own metrics.

The same thresholds as the Bedrock modes' CloudWatch alarms (p99 latency, error rate), plus one
that only a self-hosted endpoint needs: no replica serving at all. It needs the Prometheus Operator,
a Prometheus that selects this rule and scrapes vLLM (the ServiceMonitor `VllmArgs.service_monitor`
creates), and an Alertmanager that routes the alerts; each carries the label `deepseek_deploy_stack`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_kubernetes as k8s
else:
    from .sdk import k8s

STACK_LABEL = "deepseek_deploy_stack"
WINDOW = "5m"  # rate window, as the Bedrock alarms' 5-minute periods
SUSTAINED = "10m"  # 2 of 3 periods in CloudWatch; here: true for 10 minutes


@dataclass(frozen=True)
class VllmAlertRulesArgs:
    namespace: pulumi.Input[str]  # the workload's namespace (the ServiceMonitor's targets carry it)
    service: pulumi.Input[str]  # the vLLM Service's name (the targets' `service` label)
    stack: str
    p99_latency_ms: int = 60000
    error_rate_percent: float = 5
    # How long no replica may serve before it is an alert: longer than a replica's first start.
    down_after_seconds: int = 900
    labels: Mapping[str, str] = field(default_factory=dict)


def _selector(namespace: str, service: str, extra: str = "") -> str:
    return f'namespace="{namespace}",service="{service}"{extra}'


def alert_rules(args: VllmAlertRulesArgs, namespace: str, service: str) -> list[dict[str, Any]]:
    """The alerting rules (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/).

    Metrics: vllm:e2e_request_latency_seconds, vLLM's end-to-end request latency histogram
    (https://docs.vllm.ai/en/latest/design/metrics/); http_requests_total{handler,status,method}, which vLLM's
    API server exports through prometheus-fastapi-instrumentator with statuses grouped as 2xx..5xx
    (https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/serve/instrumentator/metrics.py,
    https://pypi.org/project/prometheus-fastapi-instrumentator/); `up`, Prometheus's scrape health
    (https://prometheus.io/docs/concepts/jobs_instances/). The `namespace` and `service` labels are the ones a
    ServiceMonitor's targets get
    (https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor).
    """
    target = _selector(namespace, service)
    api = _selector(namespace, service, ',handler=~"/v1/.*"')
    failed = _selector(namespace, service, ',handler=~"/v1/.*",status=~"4xx|5xx"')
    labels = {STACK_LABEL: args.stack}
    seconds = args.p99_latency_ms / 1000
    down_for = f"{max(10, math.ceil(args.down_after_seconds / 60))}m"
    return [
        {
            "alert": "VllmP99LatencyHigh",
            "expr": f"histogram_quantile(0.99, sum by (le) "
            f"(rate(vllm:e2e_request_latency_seconds_bucket{{{target}}}[{WINDOW}]))) > {seconds:g}",
            "for": SUSTAINED,
            "labels": {**labels, "severity": "warning"},
            "annotations": {"summary": f"{args.stack}: p99 latency above {args.p99_latency_ms} ms"},
        },
        {
            # Client and server errors, as the Bedrock alarm counts both; no traffic means no alert.
            "alert": "VllmErrorRateHigh",
            "expr": f"100 * sum(rate(http_requests_total{{{failed}}}[{WINDOW}])) "
            f"/ sum(rate(http_requests_total{{{api}}}[{WINDOW}])) > {args.error_rate_percent:g}",
            "for": SUSTAINED,
            "labels": {**labels, "severity": "warning"},
            "annotations": {"summary": f"{args.stack}: more than {args.error_rate_percent:g}% of requests fail"},
        },
        {
            # Latency and errors say nothing while no replica answers: this one does.
            "alert": "VllmDown",
            "expr": f"absent(up{{{target}}} == 1)",
            "for": down_for,
            "labels": {**labels, "severity": "critical"},
            "annotations": {"summary": f"{args.stack}: no vLLM replica has served metrics for {down_for}"},
        },
    ]


class VllmAlertRules(pulumi.ComponentResource):
    """A monitoring.coreos.com/v1 PrometheusRule
    (https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule)."""

    rule_name: pulumi.Output[str]

    def __init__(self, name: str, args: VllmAlertRulesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:VllmAlertRules", name, None, opts)
        rule = k8s.apiextensions.CustomResource(
            f"{name}-rule",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={"namespace": args.namespace, "name": name, "labels": dict(args.labels)},
            spec=pulumi.Output.all(args.namespace, args.service).apply(
                lambda found: {"groups": [{"name": f"{args.stack}-vllm", "rules": alert_rules(args, *found)}]}
            ),
            opts=child(self),
        )
        self.rule_name = rule.metadata["name"]
        self.register_outputs({"rule_name": self.rule_name})
