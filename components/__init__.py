"""Pulumi ComponentResources that platform teams import into their own programs.

    from deepseek_deploy.components import Guardrail, GuardrailArgs, ServerlessModel, ServerlessModelArgs

Each takes `(name, args, opts)`, parents every child to itself and exposes the few outputs
callers need. None of them reads YAML, environment variables or Pulumi config.
"""

from .access import InvokeAccess, InvokeAccessArgs
from .custom_import import CustomModelImport, CustomModelImportArgs
from .eks import EksGpuCluster, EksGpuClusterArgs
from .encryption import EncryptionKey, EncryptionKeyArgs
from .guardrail import DeniedTopicArgs, Guardrail, GuardrailArgs
from .marketplace import EndpointScaling, MarketplaceEndpoint, MarketplaceEndpointArgs
from .observability import (
    Alarms,
    AlarmsArgs,
    CostBudget,
    CostBudgetArgs,
    InvocationLogging,
    InvocationLoggingArgs,
    MetricSource,
    bedrock_metrics,
    sagemaker_metrics,
)
from .serverless import ServerlessModel, ServerlessModelArgs
from .vllm import Autoscaling, VllmArgs, VllmMultiNode, VllmService

__all__ = [
    "Alarms", "AlarmsArgs", "Autoscaling", "EksGpuCluster", "EksGpuClusterArgs", "VllmArgs", "VllmMultiNode", "VllmService", "CostBudget", "CostBudgetArgs", "CustomModelImport", "CustomModelImportArgs",
    "DeniedTopicArgs", "EncryptionKey", "EncryptionKeyArgs", "EndpointScaling", "Guardrail", "GuardrailArgs",
    "InvocationLogging", "InvocationLoggingArgs", "InvokeAccess", "InvokeAccessArgs", "MarketplaceEndpoint",
    "MarketplaceEndpointArgs", "MetricSource", "ServerlessModel", "ServerlessModelArgs", "bedrock_metrics",
    "sagemaker_metrics",
]
