"""GatewayOnFargate: the LiteLLM gateway on ECS Fargate behind an internal Application Load Balancer.

The gateway's files and secret settings (the master key, API-key digests, tiers' keys) are SSM SecureStrings
under the deployment's KMS key, handed to the container through the task definition's `secrets`, never its
plain `environment`; `gateway_fargate_task` turns them into the containers (the bootstrap writes the files to
a scratch volume and starts LiteLLM there). The execution role reads exactly those parameters; the task role
holds the tiers' invoke policies and nothing else; only the load balancer reaches the tasks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import account_id, child, kept, policy_json, trust_policy
from .gateway_fargate_network import GatewayNetwork, gateway_network, load_balancer, security_groups
from .gateway_fargate_task import (
    CONTAINER,
    PORT,
    SCRATCH_VOLUME,
    containers,
    encode_file,
    file_variables,
    parameter_tier,
)

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

TYPE = "deepseek-deploy:gateway:GatewayOnFargate"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class GatewayFargateArgs:
    region: str
    image: str  # e.g. ghcr.io/berriai/litellm:v1.108.7, pinned by version
    files: Mapping[str, pulumi.Input[str]]  # file name -> content; must include config.yaml
    kms_key_arn: pulumi.Input[str]  # encrypts the parameters and the log group (its policy must admit logs)
    env: Mapping[str, str] = field(default_factory=dict)  # plain settings
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # keys, digests: SecureStrings
    task_policy_arns: Sequence[pulumi.Input[str]] = ()  # the tiers' invoke policies, attached to the task role
    task_statements: Sequence[Mapping[str, Any]] = ()  # extra task-role statements (e.g. bedrock:ApplyGuardrail)
    subnet_ids: Sequence[str] = ()  # private subnets to run in; none: a VPC is created
    vpc_id: Optional[str] = None  # the subnets' VPC (looked up from the first subnet when not given)
    vpc_cidr: str = "10.43.0.0/16"  # the created VPC's block
    client_cidrs: Sequence[str] = ()  # who may reach the load balancer; none: the VPC's block
    upstream_ports: Sequence[int] = (80, 8000)  # self-hosted tiers inside the VPC (443 is open anyway)
    replicas: int = 2
    max_replicas: Optional[int] = None  # with it, Application Auto Scaling on the service's CPU
    target_cpu_percent: float = 60.0
    cpu: int = 1024
    memory: int = 2048
    certificate_arn: Optional[str] = None  # HTTPS on 443 with it, else HTTP on 80 (the LB is internal)
    domain_name: Optional[str] = None  # the name clients use (the certificate's), else the LB's DNS name
    idle_timeout_seconds: int = 300  # long generations without streaming outlast ALB's default 60 s
    log_retention_days: int = 30
    python: str = "python3"  # the image's interpreter, on PATH
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = False


def check_args(args: GatewayFargateArgs) -> dict[str, str]:
    """ValueErrors for arguments AWS would refuse later; {variable: file name} when all is well."""
    variables = file_variables(list(args.files))
    names = [*args.env, *args.secret_env]
    bad = [n for n in names if not _ENV_NAME.match(n)]
    if bad:
        raise ValueError(f"environment variable {bad[0]!r} is not a valid name")
    clashes = sorted((set(args.env) & set(args.secret_env)) | (set(names) & set(variables)))
    if clashes:
        raise ValueError(f"environment variables set twice: {', '.join(clashes)}")
    if args.replicas < 1 or (args.max_replicas is not None and args.max_replicas < args.replicas):
        raise ValueError("replicas must be at least 1 and max_replicas at least replicas")
    return variables


def endpoint(host: pulumi.Input[str], certificate_arn: Optional[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("https" if certificate_arn else "http", "://", host, "/v1")


def parameter_path(kind: str, name: str) -> str:
    """Where a value lives under the gateway's parameter prefix: files/config.yaml, env/LITELLM_MASTER_KEY."""
    return f"{kind}/{name}"


class GatewayOnFargate(pulumi.ComponentResource):
    """LiteLLM on Fargate: parameters, roles, cluster, service, internal ALB and (optionally) autoscaling."""

    endpoint: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]  # the load balancer's: add rules to admit more clients

    def __init__(self, name: str, args: GatewayFargateArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TYPE, name, None, opts)
        variables = check_args(args)
        self._name, self._args, self._tags = f"{name}-gateway", args, dict(args.tags)
        self._account = account_id(self)
        network = gateway_network(self, self._name, args, self._tags)
        parameters = self._parameters(name, variables)
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            name=f"/deepseek-deploy/{name}/gateway",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=self._tags,
            opts=child(self, **kept(args.protect)),
        )
        execution = self._execution_role(parameters, log_group)
        task_role, grants = self._task_role()
        lb_group, task_group = security_groups(self, self._name, args, network, self._tags)
        balancer, target_group, listener = load_balancer(self, self._name, args, network, lb_group, self._tags)
        definition = self._task_definition(variables, parameters, log_group, execution, task_role)
        cluster, service = self._service(network, task_group, target_group, definition, [listener, *grants])
        if args.max_replicas is not None:
            self._autoscaling(cluster, service, args.max_replicas)
        self.endpoint = endpoint(args.domain_name or balancer.dns_name, args.certificate_arn)
        self.cluster_name, self.service_name, self.log_group_name = cluster.name, service.name, log_group.name
        self.load_balancer_arn_suffix, self.target_group_arn_suffix = balancer.arn_suffix, target_group.arn_suffix
        self.task_role_arn, self.security_group_id = task_role.arn, lb_group.id
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "cluster_name": self.cluster_name,
                "service_name": self.service_name,
                "log_group_name": self.log_group_name,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "target_group_arn_suffix": self.target_group_arn_suffix,
                "task_role_arn": self.task_role_arn,
                "security_group_id": self.security_group_id,
            }
        )

    # ------------------------------------------------------------ parameters and roles

    def _parameters(self, name: str, variables: Mapping[str, str]) -> dict[str, aws.ssm.Parameter]:
        """{variable: SecureString parameter}: the files (encoded) and the secret settings."""
        values: dict[str, tuple[str, pulumi.Output[Any]]] = {}
        for variable, file_name in variables.items():
            encoded = pulumi.Output.from_input(self._args.files[file_name]).apply(encode_file)
            values[variable] = (parameter_path("files", file_name), encoded)
        for variable, secret in self._args.secret_env.items():
            values[variable] = (parameter_path("env", variable), pulumi.Output.from_input(secret))
        parameters = {}
        for variable, (path, value) in sorted(values.items()):
            hidden: pulumi.Input[str] = value
            parameters[variable] = aws.ssm.Parameter(
                f"{self._name}-{re.sub(r'[^a-z0-9]+', '-', path.lower())}",
                name=f"/deepseek-deploy/{name}/gateway/{path}",
                type="SecureString",
                key_id=self._args.kms_key_arn,
                value=pulumi.Output.secret(hidden),
                # The tier follows the size, which is not secret even when the value is.
                tier=pulumi.Output.unsecret(value.apply(parameter_tier)),
                tags=self._tags,
                # A replacement keeps the name, so the old parameter has to go first.
                opts=child(self, delete_before_replace=True),
            )
        return parameters

    def _execution_role(
        self, parameters: Mapping[str, aws.ssm.Parameter], log_group: aws.cloudwatch.LogGroup
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The role ECS starts the task with: read exactly these parameters, decrypt them, write the logs.

        The permissions ECS lists for Parameter Store secrets and the awslogs driver
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-app-permissions.html,
        https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html), on named
        resources; the image is public (ghcr.io), so no ECR permissions. Tasks start once the policy exists.
        """
        role = self._role("execution")
        arns = [p.arn for _, p in sorted(parameters.items())]
        via_ssm = {"StringEquals": {"kms:ViaService": f"ssm.{self._args.region}.amazonaws.com"}}
        statements: list[dict[str, Any]] = [
            {"Sid": "ReadGatewayParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": arns},
            {
                "Sid": "DecryptGatewayParameters",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": self._args.kms_key_arn,
                "Condition": via_ssm,
            },
            {
                "Sid": "WriteGatewayLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(log_group.arn, ":log-stream:*"),
            },
        ]
        policy = aws.iam.RolePolicy(
            f"{self._name}-execution", role=role.name, policy=policy_json(statements), opts=child(self)
        )
        return role, policy

    def _task_role(self) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """The gateway's own identity: the tiers' invoke policies and the extra statements, nothing else.
        Returns the role and its grants (tasks start once they exist, so the first requests are allowed)."""
        role = self._role("task")
        grants: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(f"{self._name}-task-{i}", role=role.name, policy_arn=arn, opts=child(self))
            for i, arn in enumerate(self._args.task_policy_arns)
        ]
        if self._args.task_statements:
            document = policy_json(list(self._args.task_statements))
            grants.append(aws.iam.RolePolicy(f"{self._name}-task", role=role.name, policy=document, opts=child(self)))
        return role, grants

    def _role(self, kind: str) -> aws.iam.Role:
        # Only ECS tasks of this account may assume it (the confused-deputy condition,
        # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
        only_here = {"StringEquals": {"aws:SourceAccount": self._account}}
        return aws.iam.Role(
            f"{self._name}-{kind}",
            assume_role_policy=trust_policy("ecs-tasks.amazonaws.com", only_here),
            tags=self._tags,
            opts=child(self),
        )

    # ------------------------------------------------------------ task, service and scaling

    def _task_definition(
        self,
        variables: Mapping[str, str],
        parameters: Mapping[str, aws.ssm.Parameter],
        log_group: aws.cloudwatch.LogGroup,
        execution: tuple[aws.iam.Role, aws.iam.RolePolicy],
        task_role: aws.iam.Role,
    ) -> aws.ecs.TaskDefinition:
        args = self._args
        arns = pulumi.Output.all(**{variable: p.arn for variable, p in parameters.items()})
        logs = {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group.name,
                "awslogs-region": args.region,
                "awslogs-stream-prefix": "gateway",
            },
        }
        definitions = pulumi.Output.all(arns, logs).apply(
            lambda resolved: json.dumps(
                containers(args.image, args.python, variables, resolved[0], args.env, resolved[1]), sort_keys=True
            )
        )
        return aws.ecs.TaskDefinition(
            self._name,
            family=self._name,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(args.cpu),
            memory=str(args.memory),
            execution_role_arn=execution[0].arn,
            task_role_arn=task_role.arn,
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            volumes=[{"name": SCRATCH_VOLUME}],  # a bind mount on the task's ephemeral storage
            container_definitions=definitions,
            tags=self._tags,
            opts=child(self, depends_on=[execution[1]]),
        )

    def _service(
        self,
        network: GatewayNetwork,
        task_group: aws.ec2.SecurityGroup,
        target_group: aws.lb.TargetGroup,
        definition: aws.ecs.TaskDefinition,
        after: Sequence[pulumi.Resource],
    ) -> tuple[aws.ecs.Cluster, aws.ecs.Service]:
        cluster = aws.ecs.Cluster(
            self._name,
            name=self._name,
            # Task and service metrics in CloudWatch
            # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html).
            settings=[{"name": "containerInsights", "value": "enabled"}],
            tags=self._tags,
            opts=child(self),
        )
        autoscaled = self._args.max_replicas is not None
        service = aws.ecs.Service(
            self._name,
            name=self._name,
            cluster=cluster.arn,
            task_definition=definition.arn,
            desired_count=self._args.replicas,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration={
                "subnets": network.subnet_ids,
                "security_groups": [task_group.id],
                "assign_public_ip": False,
            },
            load_balancers=[
                {"target_group_arn": target_group.arn, "container_name": CONTAINER, "container_port": PORT}
            ],
            # A deployment whose tasks never turn healthy stops and rolls back
            # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            health_check_grace_period_seconds=120,
            enable_execute_command=False,
            propagate_tags="SERVICE",
            tags=self._tags,
            # With autoscaling, the scaler owns the task count after creation.
            opts=child(self, depends_on=list(after), ignore_changes=["desiredCount"] if autoscaled else None),
        )
        return cluster, service

    def _autoscaling(self, cluster: aws.ecs.Cluster, service: aws.ecs.Service, max_replicas: int) -> None:
        """Target tracking on the service's average CPU between `replicas` and `max_replicas`
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html)."""
        target = aws.appautoscaling.Target(
            self._name,
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            min_capacity=self._args.replicas,
            max_capacity=max_replicas,
            tags=self._tags,
            opts=child(self),
        )
        aws.appautoscaling.Policy(
            f"{self._name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
                "target_value": self._args.target_cpu_percent,
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            },
            opts=child(self),
        )
