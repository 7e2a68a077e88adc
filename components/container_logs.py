"""ContainerLogs: ships the container logs of one namespace of an EKS cluster to CloudWatch Logs.

For vLLM these are its request (access) log and server log: one line per HTTP request with the
client, path and status, not the prompts and answers. A Fluent Bit DaemonSet tails only that
namespace's log files on every node (GPU nodes included) and writes to one KMS-encrypted log group
with a retention. It gets AWS credentials through EKS Pod Identity, from a role that may only write
to that log group; the group is created here, so the role cannot create groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child, kept, policy_json

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
else:
    from .sdk import aws, k8s

# AWS for Fluent Bit, at the tag AWS's amazon-cloudwatch-observability chart 6.4.0 pins (containerLogs.fluentBit):
# https://github.com/aws-observability/helm-charts/blob/main/charts/amazon-cloudwatch-observability/values.yaml
# Its Fluent Bit reads EKS Pod Identity credentials (https://github.com/fluent/fluent-bit/pull/10115).
FLUENT_BIT_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:3.4.8"
COLLECTOR_NAMESPACE = "deepseek-deploy-logs"
SERVICE_ACCOUNT = "fluent-bit"
HEALTH_PORT = 2020  # Fluent Bit's built-in HTTP server (health and uptime)
POD_IDENTITY_AGENT_ADDRESS = (
    "169.254.170.23/32"  # https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html
)
APP = {"app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/part-of": "deepseek-deploy"}
# checkov findings that hold for a node log collector by design, suppressed on this object only.
CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_23=reads the kubelet's container log files, which are root-owned and not "
    "world-readable; no escalation, all capabilities dropped, read-only root",
    "checkov.io/skip2": "CKV_K8S_40=same as CKV_K8S_23",
    "checkov.io/skip3": "CKV_K8S_43=pinned to the release tag AWS's own chart pins; no registry can be reached at "
    "plan time to resolve its digest",
}


@dataclass(frozen=True)
class ContainerLogsArgs:
    region: str
    cluster_name: pulumi.Input[str]
    source_namespace: str  # the namespace whose containers' logs are shipped
    log_group_name: str
    kms_key_arn: pulumi.Input[str]  # a key whose policy admits logs.<region>.amazonaws.com
    retention_days: int = 30
    image: str = FLUENT_BIT_IMAGE
    collector_namespace: str = COLLECTOR_NAMESPACE
    # The EKS Pod Identity Agent add-on; False where the cluster already runs it.
    install_pod_identity_agent: bool = True
    protect: bool = False  # protect the log group and keep it on destroy
    tags: Mapping[str, str] = field(default_factory=dict)


def fluent_bit_config(region: str, source_namespace: str, log_group_name: str) -> str:
    """Tail the namespace's container logs (CRI format) and write them to the log group, which must exist.

    vLLM's access log has one line per request, `client - "METHOD path HTTP/v" status`, on by default
    (https://docs.vllm.ai/en/v0.23.0/api/vllm/logging_utils/access_log_filter/); the kubelet's probes of /health
    and Prometheus's scrapes of /metrics are dropped (https://docs.fluentbit.io/manual/pipeline/filters/grep).
    Input: https://docs.fluentbit.io/manual/pipeline/inputs/tail ; output (the core C plugin, which needs
    logs:CreateLogStream and logs:PutLogEvents once the group exists):
    https://docs.fluentbit.io/manual/pipeline/outputs/cloudwatch
    """
    return rf"""[SERVICE]
    Flush                     5
    Grace                     30
    Log_Level                 warn
    Daemon                    off
    HTTP_Server               On
    HTTP_Listen               0.0.0.0
    HTTP_Port                 {HEALTH_PORT}
    Health_Check              On
    storage.path              /var/fluent-bit/state/flb-storage/
    storage.sync              normal
    storage.backlog.mem_limit 5M

[INPUT]
    Name              tail
    Tag               requests.*
    Path              /var/log/containers/*_{source_namespace}_*.log
    multiline.parser  cri
    DB                /var/fluent-bit/state/flb_{source_namespace}.db
    Mem_Buf_Limit     16MB
    Skip_Long_Lines   On
    Refresh_Interval  10
    Read_from_Head    Off
    storage.type      filesystem

[FILTER]
    Name              grep
    Match             requests.*
    Exclude           log GET\s/(health|metrics)\sHTTP

[OUTPUT]
    Name              cloudwatch_logs
    Match             requests.*
    region            {region}
    log_group_name    {log_group_name}
    log_stream_prefix ${{HOST_NAME}}.
    auto_create_group Off
    Retry_Limit       10
"""


def collector_pod_spec(image: str, config_map: str) -> dict[str, Any]:
    """Fluent Bit on every node, GPU nodes included; read-only on the host's logs, writable only for its state."""
    health = {"port": HEALTH_PORT}
    container = {
        "name": "fluent-bit",
        "image": image,
        "imagePullPolicy": "Always",  # a small image; as AWS's chart runs it
        "env": [{"name": "HOST_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "ports": [{"name": "http", "containerPort": HEALTH_PORT, "protocol": "TCP"}],
        # Root only to read the kubelet's root-owned 0640 log files: nothing else.
        "securityContext": {
            "runAsUser": 0,
            "runAsNonRoot": False,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        # https://docs.fluentbit.io/manual/administration/monitoring#health-check-for-fluent-bit
        "livenessProbe": {"httpGet": {"path": "/api/v1/uptime", **health}, "periodSeconds": 30, "timeoutSeconds": 5},
        "readinessProbe": {"httpGet": {"path": "/api/v1/health", **health}, "periodSeconds": 30, "timeoutSeconds": 5},
        "volumeMounts": [
            {"name": "varlog", "mountPath": "/var/log", "readOnly": True},
            {"name": "state", "mountPath": "/var/fluent-bit/state"},
            {"name": "config", "mountPath": "/fluent-bit/etc/", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "serviceAccountName": SERVICE_ACCOUNT,
        # Pod Identity mounts its own token; the pod never calls the Kubernetes API.
        "automountServiceAccountToken": False,
        "priorityClassName": "system-node-critical",
        "terminationGracePeriodSeconds": 30,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "tolerations": [{"operator": "Exists"}],  # every node, including the tainted GPU nodes vLLM runs on
        "containers": [container],
        "volumes": [
            {"name": "varlog", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "state", "hostPath": {"path": "/var/fluent-bit/state", "type": "DirectoryOrCreate"}},
            {"name": "config", "configMap": {"name": config_map}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "100Mi"}},
        ],
    }


def collector_network_rules() -> dict[str, Any]:
    """In: the health port only. Out: DNS, HTTPS to CloudWatch Logs, and the node's Pod Identity Agent."""
    return {
        "ingress": [{"ports": [{"protocol": "TCP", "port": HEALTH_PORT}]}],
        "egress": [
            {
                "to": [{"namespaceSelector": {}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
            {"ports": [{"protocol": "TCP", "port": 443}]},
            {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT_ADDRESS}}], "ports": [{"protocol": "TCP", "port": 80}]},
        ],
    }


def writer_trust_statements(cluster_name: pulumi.Input[str], namespace: str) -> list[dict[str, Any]]:
    """EKS Pod Identity assumes the role, for this cluster's collector service account only (its session
    tags: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html and pod-id-abac.html)."""
    return [
        {
            "Sid": "PodIdentityForTheLogCollector",
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-name": cluster_name,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": SERVICE_ACCOUNT,
                }
            },
        }
    ]


def writer_statements(log_group_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Write to this log group and nothing else: no CreateLogGroup, no reads. CreateLogStream is authorized on the
    group, PutLogEvents on its streams
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html)."""
    return [
        {
            "Sid": "WriteThisLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, pulumi.Output.concat(log_group_arn, ":log-stream:*")],
        }
    ]


class ContainerLogs(pulumi.ComponentResource):
    """Give it the cluster's Kubernetes provider (opts providers=[...]); AWS resources use the default one."""

    log_group_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ContainerLogsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:ContainerLogs", name, None, opts)
        tags = dict(args.tags)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-group",
            name=args.log_group_name,
            retention_in_days=args.retention_days,
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )
        role = aws.iam.Role(
            f"{name}-writer",
            description=f"Lets the log collector of {args.source_namespace} write to {args.log_group_name}",
            assume_role_policy=policy_json(writer_trust_statements(args.cluster_name, args.collector_namespace)),
            inline_policies=[{"name": "write-container-logs", "policy": policy_json(writer_statements(log_group.arn))}],
            tags=tags,
            opts=child(self),
        )
        credentials = self._pod_identity(name, args, role, tags)
        self._collector(name, args, credentials)
        self.log_group_name = log_group.name
        self.role_arn = role.arn
        self.register_outputs({"log_group_name": log_group.name, "role_arn": role.arn})

    def _pod_identity(
        self, name: str, args: ContainerLogsArgs, role: aws.iam.Role, tags: dict[str, str]
    ) -> list[pulumi.Resource]:
        """The agent add-on (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html) and the
        association of the collector's service account with the role
        (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html)."""
        made: list[pulumi.Resource] = []
        if args.install_pod_identity_agent:
            made.append(
                aws.eks.Addon(
                    f"{name}-pod-identity-agent",
                    cluster_name=args.cluster_name,
                    addon_name="eks-pod-identity-agent",
                    tags=tags,
                    opts=child(self),
                )
            )
        made.append(
            aws.eks.PodIdentityAssociation(
                f"{name}-identity",
                cluster_name=args.cluster_name,
                namespace=args.collector_namespace,
                service_account=SERVICE_ACCOUNT,
                role_arn=role.arn,
                tags=tags,
                opts=child(self),
            )
        )
        return made

    def _collector(self, name: str, args: ContainerLogsArgs, credentials: list[pulumi.Resource]) -> None:
        """Namespace, service account, configuration, NetworkPolicy and the DaemonSet, in the cluster."""
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            # hostPath volumes need the privileged Pod Security level; nothing else runs in this namespace.
            metadata={
                "name": args.collector_namespace,
                "labels": {"pod-security.kubernetes.io/enforce": "privileged", **APP},
            },
            opts=child(self),
        )
        meta = {"namespace": namespace.metadata["name"], "labels": APP}
        k8s.core.v1.ServiceAccount(
            f"{name}-account",
            metadata={**meta, "name": SERVICE_ACCOUNT},
            automount_service_account_token=False,
            opts=child(self),
        )
        config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata={**meta, "name": "fluent-bit-config"},
            data={"fluent-bit.conf": fluent_bit_config(args.region, args.source_namespace, args.log_group_name)},
            opts=child(self),
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network",
            metadata={**meta, "name": "fluent-bit"},
            spec={
                "podSelector": {"matchLabels": APP},
                "policyTypes": ["Ingress", "Egress"],
                **collector_network_rules(),
            },
            opts=child(self),
        )
        # Pod Identity injects credentials when a pod is created: the association must exist before the pods.
        k8s.apps.v1.DaemonSet(
            f"{name}-collector",
            metadata={**meta, "name": "fluent-bit", "annotations": CHECKOV_SKIPS},
            spec={
                "selector": {"matchLabels": APP},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {
                    "metadata": {"labels": APP},
                    "spec": collector_pod_spec(args.image, "fluent-bit-config"),
                },
            },
            opts=child(self, depends_on=[config, *credentials]),
        )
