"""Where a deployment's metrics live (Bedrock or SageMaker), and the CloudWatch documents built on them:
the error-rate metric math and the dashboard body. Pure, so they are checked without AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

PERIOD = 300  # seconds per alarm datapoint


@dataclass(frozen=True)
class MetricSource:
    """Where a deployment's metrics live: Bedrock (serverless, custom-import) or SageMaker (marketplace)."""

    namespace: str
    dimensions: Mapping[str, pulumi.Input[str]]
    latency_metric: str
    latency_to_ms: float  # multiply the metric by this to get milliseconds
    invocations_metric: str
    error_metrics: Sequence[str]
    throttle_metric: Optional[str] = None
    token_metrics: Sequence[str] = ()


def bedrock_metrics(model_id: pulumi.Input[str]) -> MetricSource:
    return MetricSource(
        namespace="AWS/Bedrock",
        dimensions={"ModelId": model_id},
        latency_metric="InvocationLatency",
        latency_to_ms=1.0,
        invocations_metric="Invocations",
        error_metrics=("InvocationServerErrors", "InvocationClientErrors"),
        throttle_metric="InvocationThrottles",
        token_metrics=("InputTokenCount", "OutputTokenCount"),
    )


def sagemaker_metrics(endpoint_name: pulumi.Input[str], variant_name: pulumi.Input[str]) -> MetricSource:
    return MetricSource(
        namespace="AWS/SageMaker",
        dimensions={"EndpointName": endpoint_name, "VariantName": variant_name},
        latency_metric="ModelLatency",
        latency_to_ms=0.001,  # SageMaker reports microseconds
        invocations_metric="Invocations",
        error_metrics=("Invocation5XXErrors", "Invocation4XXErrors"),
    )


def load_balancer_metrics(load_balancer: pulumi.Input[str], target_group: pulumi.Input[str]) -> MetricSource:
    """An Application Load Balancer's target group (a gateway on ECS): requests, the targets' 5XX answers and
    their response time, in seconds. `load_balancer` and `target_group` are the ARN suffixes CloudWatch
    names them by. https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html"""
    return MetricSource(
        namespace="AWS/ApplicationELB",
        dimensions={"LoadBalancer": load_balancer, "TargetGroup": target_group},
        latency_metric="TargetResponseTime",
        latency_to_ms=1000.0,
        invocations_metric="RequestCount",
        error_metrics=("HTTPCode_Target_5XX_Count",),
    )


def error_rate_queries(m: MetricSource) -> list[dict[str, Any]]:
    """Metric math for the percentage of invocations that failed (0 when there were none)."""

    def summed(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": m.namespace,
                "metric_name": metric,
                "dimensions": dict(m.dimensions),
                "period": PERIOD,
                "stat": "Sum",
            },
        }

    errors = " + ".join(f"e{i}" for i in range(len(m.error_metrics)))
    queries = [summed(f"e{i}", metric) for i, metric in enumerate(m.error_metrics)]
    queries.append(summed("calls", m.invocations_metric))
    queries.append(
        {
            "id": "error_rate",
            "return_data": True,
            "label": "Error rate (%)",
            "expression": f"IF(calls > 0, 100 * ({errors}) / calls, 0)",
        }
    )
    return queries


def dashboard_body(region: str, m: MetricSource, dimensions: Mapping[str, str]) -> str:
    dims = [item for pair in dimensions.items() for item in pair]

    def widget(title: str, metrics: list, x: int, y: int) -> dict:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "stacked": False,
                "period": 300,
                "metrics": metrics,
            },
        }

    widgets = [
        widget("Invocations", [[m.namespace, m.invocations_metric, *dims, {"stat": "Sum"}]], 0, 0),
        widget(
            "Latency (p50, p99)",
            [
                [m.namespace, m.latency_metric, *dims, {"stat": "p50"}],
                [m.namespace, m.latency_metric, *dims, {"stat": "p99"}],
            ],
            12,
            0,
        ),
        widget("Errors", [[m.namespace, metric, *dims, {"stat": "Sum"}] for metric in m.error_metrics], 0, 6),
    ]
    extra = ([m.throttle_metric] if m.throttle_metric else []) + list(m.token_metrics)
    if extra:
        widgets.append(
            widget("Throttles and tokens", [[m.namespace, metric, *dims, {"stat": "Sum"}] for metric in extra], 12, 6)
        )
    return json.dumps({"widgets": widgets})
