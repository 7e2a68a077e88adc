"""Pulumi ComponentResources that platform teams import into their own programs.

    from deepseek_deploy.components import Guardrail, GuardrailArgs, ServerlessModel, ServerlessModelArgs

Each takes `(name, args, opts)`, parents every child to itself and exposes the few outputs
callers need. None of them reads YAML, environment variables or Pulumi config.
"""

# Loaded on first use (PEP 562): a Bedrock plan never pays for pulumi-kubernetes, and back.
_MODULES = {
    "Alarms": "observability",
    "AlarmsArgs": "observability",
    "ApiKeySecret": "api_key_secret",
    "ApiKeySecretArgs": "api_key_secret",
    "Autoscaling": "vllm_pod",
    "ContainerLogs": "container_logs",
    "ContainerLogsArgs": "container_logs",
    "CostBudget": "observability",
    "CostBudgetArgs": "observability",
    "CustomModelImport": "custom_import",
    "CustomModelImportArgs": "custom_import",
    "DeniedTopicArgs": "guardrail",
    "EksGpuCluster": "eks",
    "EksGpuClusterArgs": "eks",
    "EncryptionKey": "encryption",
    "EncryptionKeyArgs": "encryption",
    "EndpointScaling": "marketplace",
    "GatewayAccess": "gateway_access",
    "GatewayAccessArgs": "gateway_access",
    "GatewayFargateArgs": "gateway_fargate",
    "GatewayKeys": "gateway_keys",
    "GatewayKeysArgs": "gateway_keys",
    "GatewayKubernetesArgs": "gateway_kubernetes",
    "GatewayOnFargate": "gateway_fargate",
    "GatewayOnKubernetes": "gateway_kubernetes",
    "Guardrail": "guardrail",
    "GuardrailArgs": "guardrail",
    "InvocationLogging": "observability",
    "InvocationLoggingArgs": "observability",
    "InvokeAccess": "access",
    "InvokeAccessArgs": "access",
    "MarketplaceEndpoint": "marketplace",
    "MarketplaceEndpointArgs": "marketplace",
    "MetricSource": "metrics",
    "ServerlessModel": "serverless",
    "ServerlessModelArgs": "serverless",
    "VllmAlertRules": "alert_rules",
    "VllmAlertRulesArgs": "alert_rules",
    "VllmArgs": "vllm_pod",
    "VllmMultiNode": "vllm",
    "VllmService": "vllm",
    "bedrock_metrics": "metrics",
    "load_balancer_metrics": "metrics",
    "sagemaker_metrics": "metrics",
}


def __getattr__(name: str):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Alarms",
    "AlarmsArgs",
    "ApiKeySecret",
    "ApiKeySecretArgs",
    "Autoscaling",
    "ContainerLogs",
    "ContainerLogsArgs",
    "CostBudget",
    "CostBudgetArgs",
    "CustomModelImport",
    "CustomModelImportArgs",
    "DeniedTopicArgs",
    "EksGpuCluster",
    "EksGpuClusterArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "EndpointScaling",
    "GatewayAccess",
    "GatewayAccessArgs",
    "GatewayFargateArgs",
    "GatewayKeys",
    "GatewayKeysArgs",
    "GatewayKubernetesArgs",
    "GatewayOnFargate",
    "GatewayOnKubernetes",
    "Guardrail",
    "GuardrailArgs",
    "InvocationLogging",
    "InvocationLoggingArgs",
    "InvokeAccess",
    "InvokeAccessArgs",
    "MarketplaceEndpoint",
    "MarketplaceEndpointArgs",
    "MetricSource",
    "ServerlessModel",
    "ServerlessModelArgs",
    "VllmAlertRules",
    "VllmAlertRulesArgs",
    "VllmArgs",
    "VllmMultiNode",
    "VllmService",
    "bedrock_metrics",
    "load_balancer_metrics",
    "sagemaker_metrics",
]
