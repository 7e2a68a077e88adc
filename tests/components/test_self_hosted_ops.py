"""Issue 10 item 3: the sections every mode accepts take effect on self-hosted.

`access.invoke_principals` -> the API key in Secrets Manager for exactly those principals;
`observability.alarms` -> a PrometheusRule on vLLM's metrics; `observability.invocation_logs` ->
vLLM's request log in CloudWatch Logs on a created EKS cluster. The components are checked on their
own, then through the self-hosted program (`build_self_hosted` plus `build_self_hosted_ops`).
"""

from __future__ import annotations

import inspect
import json

import kubernetes_validate
import pytest
import yaml

from deepseek_deploy import components as c
from deepseek_deploy.stacks.build import kubernetes, shared
from deepseek_deploy.stacks.build.self_hosted_ops import build_self_hosted_ops
from deepseek_deploy.stacks.run import manifests
from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.run.recorder import Recording, record
from deepseek_deploy.stacks.sizing.deployment import resolve_text

from .conftest import actions_of, of_type, one, policy, resources_of

APP_ROLE = "arn:aws:iam::123456789012:role/app"
OTHER_ACCOUNT_USER = "arn:aws:iam::210987654321:user/batch"
BASE = "name: bot\nmode: self-hosted\nregion: us-west-2\n"
EXISTING = BASE + "model: distill-qwen-7b\n"
CREATED = BASE + "model: distill-llama-8b\ncluster:\n  create: eks\n  node_instance_type: g6.2xlarge\n"


# ---------------------------------------------------------------- the components


def secret_plan(run, readers=(APP_ROLE,), protect=False) -> Recording:
    import pulumi

    return run(
        lambda: c.ApiKeySecret(
            "bot-api-key-secret",
            c.ApiKeySecretArgs(
                region="us-west-2",
                secret_name="deepseek-deploy/bot/api-key",
                secret_value=pulumi.Output.secret("the-key"),
                readers=readers,
                protect=protect,
            ),
        )
    )


def test_the_api_key_is_encrypted_with_its_own_key_and_never_shown(run):
    plan = secret_plan(run)
    secret = one(plan, "aws:secretsmanager/secret:Secret")["inputs"]
    assert secret["name"] == "deepseek-deploy/bot/api-key"
    assert secret["kmsKeyId"] == "${bot-api-key-secret-key.arn}" and secret["recoveryWindowInDays"] == 0
    version = one(plan, "aws:secretsmanager/secretVersion:SecretVersion")["inputs"]
    assert version["secretString"] == "[secret]" and "the-key" not in json.dumps(plan.resources)
    assert one(plan, "aws:kms/key:Key")["inputs"]["enableKeyRotation"] is True


def test_only_the_readers_may_get_the_value_and_only_through_secrets_manager(run):
    plan = secret_plan(run, readers=(APP_ROLE, OTHER_ACCOUNT_USER))
    resource_policy = one(plan, "aws:secretsmanager/secretPolicy:SecretPolicy")
    assert resource_policy["inputs"]["blockPublicPolicy"] is True
    (read,) = policy(resource_policy)["Statement"]
    assert read["Principal"] == {"AWS": [APP_ROLE, OTHER_ACCOUNT_USER]}
    assert actions_of(read) == ["secretsmanager:GetSecretValue"] and read["Effect"] == "Allow"
    admin, decrypt = policy(one(plan, "aws:kms/key:Key"))["Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::${account_id}:root"}
    assert decrypt["Principal"] == {"AWS": [APP_ROLE, OTHER_ACCOUNT_USER]} and actions_of(decrypt) == ["kms:Decrypt"]
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"},
        "StringLike": {
            "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-west-2:${account_id}:secret:"
            "deepseek-deploy/bot/api-key-??????"
        },
    }


def test_a_protected_secret_keeps_aws_recovery_window(run):
    secret = one(secret_plan(run, protect=True), "aws:secretsmanager/secret:Secret")["inputs"]
    assert secret["recoveryWindowInDays"] == 30


def test_a_secret_nobody_may_read_is_refused():
    with pytest.raises(ValueError, match="at least one reader"):
        c.ApiKeySecret("x", c.ApiKeySecretArgs(region="us-west-2", secret_name="s", secret_value="v", readers=()))


def logs_plan(run) -> Recording:
    return run(
        lambda: c.ContainerLogs(
            "bot-request-logs",
            c.ContainerLogsArgs(
                region="us-west-2",
                cluster_name="bot-eks",
                source_namespace="deepseek",
                log_group_name="/deepseek-deploy/bot/vllm",
                kms_key_arn="arn:aws:kms:us-west-2:123456789012:key/abc",
                retention_days=90,
            ),
        )
    )


def test_request_logs_go_to_an_encrypted_log_group_with_a_retention(run):
    group = one(logs_plan(run), "aws:cloudwatch/logGroup:LogGroup")["inputs"]
    assert group["name"] == "/deepseek-deploy/bot/vllm" and group["retentionInDays"] == 90
    assert group["kmsKeyId"] == "arn:aws:kms:us-west-2:123456789012:key/abc"


def test_the_collector_role_may_only_write_to_that_group_and_only_its_service_account_assumes_it(run):
    plan = logs_plan(run)
    role = one(plan, "aws:iam/role:Role")
    (trust,) = policy(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert actions_of(trust) == ["sts:AssumeRole", "sts:TagSession"]
    assert trust["Condition"]["StringEquals"] == {
        "aws:RequestTag/eks-cluster-name": "bot-eks",
        "aws:RequestTag/kubernetes-namespace": "deepseek-deploy-logs",
        "aws:RequestTag/kubernetes-service-account": "fluent-bit",
    }
    (inline,) = role["inputs"]["inlinePolicies"]
    (write,) = json.loads(inline["policy"])["Statement"]
    assert actions_of(write) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    group_arn = "${bot-request-logs-group.arn}"
    assert resources_of(write) == [group_arn, f"{group_arn}:log-stream:*"]
    association = one(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")["inputs"]
    assert (association["namespace"], association["serviceAccount"]) == ("deepseek-deploy-logs", "fluent-bit")
    assert association["roleArn"] == "${bot-request-logs-writer.arn}"
    assert one(plan, "aws:eks/addon:Addon")["inputs"]["addonName"] == "eks-pod-identity-agent"


def test_the_collector_tails_only_the_vllm_namespace_on_every_node_read_only(run):
    plan = logs_plan(run)
    config = one(plan, "kubernetes:core/v1:ConfigMap")["inputs"]["data"]["fluent-bit.conf"]
    assert "Path              /var/log/containers/*_deepseek_*.log" in config
    assert "log_group_name    /deepseek-deploy/bot/vllm" in config and "auto_create_group Off" in config
    assert "Exclude           log GET\\s/(health|metrics)\\sHTTP" in config  # probes and scrapes are not requests
    pod = one(plan, "kubernetes:apps/v1:DaemonSet")["inputs"]["spec"]["template"]["spec"]
    assert pod["tolerations"] == [{"operator": "Exists"}] and pod["serviceAccountName"] == "fluent-bit"
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "varlog", "mountPath": "/var/log", "readOnly": True} in container["volumeMounts"]


def test_the_collector_objects_are_valid_kubernetes(run):
    texts, _ = manifests.files(logs_plan(run).resources)
    version = kubernetes_validate.latest_version()
    kinds = set()
    for text in texts.values():
        document = yaml.safe_load(text)
        kubernetes_validate.validate(document, version, strict=True)
        kinds.add(document["kind"])
    assert kinds == {"Namespace", "ServiceAccount", "ConfigMap", "NetworkPolicy", "DaemonSet"}


def test_alert_rules_carry_the_spec_thresholds_on_vllm_metrics(run):
    plan = run(
        lambda: c.VllmAlertRules(
            "bot-alerts",
            c.VllmAlertRulesArgs(
                namespace="deepseek", service="bot", stack="bot", p99_latency_ms=30000, error_rate_percent=2.5
            ),
        )
    )
    rule = one(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")["inputs"]
    assert rule["metadata"]["namespace"] == "deepseek"
    rules = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    latency, errors = rules["VllmP99LatencyHigh"]["expr"], rules["VllmErrorRateHigh"]["expr"]
    assert 'vllm:e2e_request_latency_seconds_bucket{namespace="deepseek",service="bot"}' in latency
    assert latency.startswith("histogram_quantile(0.99,") and latency.endswith("> 30")
    assert 'status=~"4xx|5xx"' in errors and errors.endswith("> 2.5")
    assert rules["VllmDown"]["expr"] == 'absent(up{namespace="deepseek",service="bot"} == 1)'
    assert all(r["labels"]["deepseek_deploy_stack"] == "bot" for r in rules.values())


# ---------------------------------------------------------------- through the self-hosted program


def _wired() -> bool:
    """Whether build_self_hosted already calls build_self_hosted_ops (the lead's wiring)."""
    return "build_self_hosted_ops" in inspect.getsource(kubernetes.build_self_hosted)


def self_hosted(text: str) -> tuple[Recording, dict, list[str]]:
    """The self-hosted program under mocks, with build_self_hosted_ops called as build_self_hosted will call it."""
    deployment = resolve_text(text)
    if _wired():
        plan = run_program(deployment)
        return Recording(plan.resources, plan.outputs), plan.outputs, plan.notes
    captured: dict = {}
    originals = {name: getattr(c, name) for name in ("VllmService", "VllmMultiNode")}

    def capturing(cls):
        class Capture(cls):
            def __init__(self, name, args, opts=None):
                super().__init__(name, args, opts)
                captured.update(workload=self, provider=opts.providers[0])

        return Capture

    notes: list[str] = []

    def program():
        tags = shared.deployment_tags(deployment)
        outputs = kubernetes.build_self_hosted(deployment, tags, notes)
        ops = build_self_hosted_ops(
            deployment,
            tags,
            notes,
            workload=captured["workload"],
            provider=captured["provider"],
            cluster_name=outputs.get("cluster_name"),
        )
        return {**outputs, **ops}

    try:
        for name, cls in originals.items():
            setattr(c, name, capturing(cls))
        recording = record(program, project="deepseek-bot", region=deployment.spec.region)
    finally:
        for name, cls in originals.items():
            setattr(c, name, cls)
    return recording, recording.value, notes


def test_invoke_principals_get_the_api_key_from_secrets_manager():
    plan, outputs, notes = self_hosted(EXISTING + f"access:\n  invoke_principals: [{APP_ROLE}]\n")
    resource_policy = policy(one(plan, "aws:secretsmanager/secretPolicy:SecretPolicy"))
    assert resource_policy["Statement"][0]["Principal"] == {"AWS": [APP_ROLE]}
    version = one(plan, "aws:secretsmanager/secretVersion:SecretVersion")["inputs"]
    assert version["secretString"] == "[secret]"
    assert outputs["api_key_secret_arn"] == "${bot-api-key-secret-secret.arn}"
    assert any("deepseek-deploy/bot/api-key" in note for note in notes)


def test_without_invoke_principals_no_secret_is_made():
    plan, outputs, _ = self_hosted(EXISTING)
    assert of_type(plan, "aws:secretsmanager/secret:Secret") == [] and "api_key_secret_arn" not in outputs


def test_alarms_become_a_prometheus_rule_with_the_spec_thresholds():
    text = EXISTING + "serving:\n  service_monitor: true\nobservability:\n  alarms: {p99_latency_ms: 20000}\n"
    plan, outputs, notes = self_hosted(text)
    rule = one(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")["inputs"]
    exprs = {r["alert"]: r["expr"] for r in rule["spec"]["groups"][0]["rules"]}
    assert exprs["VllmP99LatencyHigh"].endswith("> 20") and exprs["VllmErrorRateHigh"].endswith("> 5")
    assert rule["metadata"]["namespace"] == "deepseek" and outputs["alert_rule"] == "bot-alerts"
    assert any("PrometheusRule" in note and "Alertmanager" in note for note in notes)


def test_without_the_prometheus_operator_there_are_no_alert_rules_and_a_note_says_so():
    plan, _, notes = self_hosted(EXISTING)
    assert of_type(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule") == []
    assert any(note.startswith("no alerts") and "service_monitor" in note for note in notes)


def test_a_created_cluster_ships_vllm_request_logs_to_cloudwatch():
    plan, outputs, notes = self_hosted(CREATED + "observability:\n  log_retention_days: 90\n")
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup")["inputs"]
    assert group["name"] == "/deepseek-deploy/bot/vllm" and group["retentionInDays"] == 90
    assert group["kmsKeyId"] == "${bot-logs-kms-key.arn}"
    keys = {k["name"]: policy(k) for k in of_type(plan, "aws:kms/key:Key")}
    logs_use = [s for s in keys["bot-logs-kms-key"]["Statement"] if s.get("Principal", {}).get("Service")]
    assert [s["Principal"]["Service"] for s in logs_use] == ["logs.us-west-2.amazonaws.com"]
    (association,) = [
        a["inputs"]
        for a in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a["inputs"]["serviceAccount"] == "fluent-bit"
    ]
    assert association["clusterName"] == outputs["cluster_name"]
    # The cluster installs the Pod Identity Agent; a second add-on of that name would fail the deployment.
    agents = [a for a in of_type(plan, "aws:eks/addon:Addon") if a["inputs"]["addonName"] == "eks-pod-identity-agent"]
    assert len(agents) == 1 and agents[0]["parent"] == "bot-eks"
    config = one(plan, "kubernetes:core/v1:ConfigMap")["inputs"]["data"]["fluent-bit.conf"]
    assert "/var/log/containers/*_deepseek_*.log" in config
    assert outputs["request_log_group"] == "/deepseek-deploy/bot/vllm"
    assert any("/deepseek-deploy/bot/vllm" in note and "90 days" in note for note in notes)


def test_invocation_logs_false_ships_nothing():
    plan, _, notes = self_hosted(CREATED + "observability:\n  invocation_logs: false\n")
    assert of_type(plan, "aws:cloudwatch/logGroup:LogGroup") == []
    assert [d["name"] for d in of_type(plan, "kubernetes:apps/v1:DaemonSet")] == ["bot-eks-nvidia-device-plugin"]
    assert not any("request log" in note for note in notes)


def test_on_an_existing_cluster_the_default_says_request_logs_stay_in_the_cluster():
    plan, _, notes = self_hosted(EXISTING)
    assert of_type(plan, "aws:cloudwatch/logGroup:LogGroup") == []
    assert any(note.startswith("request logs stay in the cluster") for note in notes)
