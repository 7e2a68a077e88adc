"""GatewayOnKubernetes: LiteLLM's proxy hosted in the cluster, with its files, secrets, probes, hardening,
policies and autoscaling; every object valid Kubernetes and clean under checkov."""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import pulumi
import pytest
import yaml

from deepseek_deploy.components import gateway
from deepseek_deploy.components import gateway_kubernetes as gk
from deepseek_deploy.components import gateway_kubernetes_pod as gkp
from deepseek_deploy.components.gateway.config import MASTER_KEY_ENV, PROCESS_ENV
from deepseek_deploy.stacks.run import manifests

from ..cli.test_manifest_checks import Written, checkov  # noqa: F401 (checkov is a fixture)
from ..cli.test_manifest_checks import test_checkov_finds_no_unjustified_failure as manifest_checks
from .conftest import of_type, one

IMAGE = "ghcr.io/berriai/litellm:v1.108.7"
ROLE = "arn:aws:iam::123456789012:role/gateway"
MASTER_KEY = "sk-master-never-in-the-pod-spec"
TIER_KEY = "tier-key-never-in-the-pod-spec"


def delivered_files(config: str = "model_list: []\n") -> dict[str, str]:
    """What the builder hands in: config.yaml, gateway.json and the hook files, as text."""
    folder = Path(gateway.__file__).parent
    files = {name: (folder / name).read_text(encoding="utf-8") for name in gateway.HOOK_FILES}
    return {**files, "config.yaml": config, "gateway.json": json.dumps({"api_keys": {}})}


def make_args(**overrides) -> gk.GatewayKubernetesArgs:
    settings = {
        "namespace": "gateway",
        "image": IMAGE,
        "files": delivered_files(),
        "env": {"AWS_REGION": "us-west-2"},
        "secret_env": {
            MASTER_KEY_ENV: pulumi.Output.secret(MASTER_KEY),
            "FAST_API_KEY": pulumi.Output.secret(TIER_KEY),
        },
    }
    settings.update(overrides)
    return gk.GatewayKubernetesArgs(**settings)


def plan(run, **overrides):
    def program():
        made = gk.GatewayOnKubernetes("gw", make_args(**overrides))
        return {"namespace": made.namespace, "service_name": made.service_name, "endpoint": made.endpoint}

    return run(program)


def deployment(recording) -> dict:
    return one(recording, "kubernetes:apps/v1:Deployment")["inputs"]


def pod(recording) -> dict:
    return deployment(recording)["spec"]["template"]["spec"]


def litellm(recording) -> dict:
    (container,) = pod(recording)["containers"]
    return container


# --- files and command ------------------------------------------------------------------------------


def test_the_files_sit_together_in_one_read_only_folder_that_the_command_and_working_dir_point_at(run):
    recording = plan(run)
    config_map = one(recording, "kubernetes:core/v1:ConfigMap")["inputs"]
    volumes = {v["name"]: v for v in pod(recording)["volumes"]}
    (files,) = [m for m in litellm(recording)["volumeMounts"] if m["name"] == "files"]
    volume = volumes[files["name"]]["configMap"]
    assert volume["name"] == config_map["metadata"]["name"]
    assert files["readOnly"] is True
    # What the pod sees in the folder: every file under its own name, with its content.
    seen = {item["path"]: config_map["data"][item["key"]] for item in volume["items"]}
    assert seen == delivered_files()
    assert set(gateway.HOOK_FILES) | {"config.yaml", "gateway.json"} <= set(seen)
    assert all("/" not in path for path in seen)  # all in the one folder
    container = litellm(recording)
    command = container["command"]
    assert command[0] == "litellm"
    assert command[command.index("--config") + 1] == f"{files['mountPath']}/config.yaml"
    assert command[command.index("--port") + 1] == "4000"
    # LiteLLM resolves custom_auth `auth.user_api_key_auth` next to the config file, as tests/components/gateway
    # start it (cwd = the config's folder).
    assert container["workingDir"] == files["mountPath"]
    assert container["image"] == IMAGE


def test_a_changed_file_rolls_the_pods_and_an_unchanged_one_does_not(run):
    def checksum(recording) -> str:
        return deployment(recording)["spec"]["template"]["metadata"]["annotations"][gk.CHECKSUM_ANNOTATION]

    first = checksum(plan(run))
    assert first == checksum(plan(run)) == gk.files_checksum(delivered_files())
    changed = checksum(plan(run, files=delivered_files("model_list: [{model_name: fast}]\n")))
    assert changed != first
    hook = {**delivered_files(), "routing.py": "# edited\n"}
    assert gk.files_checksum(hook) != first
    # Contents known only at deploy time (Outputs) are digested all the same.
    later = {**delivered_files(), "config.yaml": pulumi.Output.from_input("model_list: []\n")}
    assert checksum(plan(run, files=later)) == first


# --- secrets ------------------------------------------------------------------------------------------


def test_secret_env_comes_only_from_the_secret_by_reference_and_is_stored_as_secret(run):
    recording = plan(run)
    secret = one(recording, "kubernetes:core/v1:Secret")["inputs"]
    assert secret["stringData"] == {"litellm-master-key": "[secret]", "fast-api-key": "[secret]"}
    env = {e["name"]: e for e in litellm(recording)["env"]}
    for name in (MASTER_KEY_ENV, "FAST_API_KEY"):
        assert "value" not in env[name]
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == secret["metadata"]["name"] and reference["key"] in secret["stringData"]
    assert {env[n]["valueFrom"]["secretKeyRef"]["key"] for n in (MASTER_KEY_ENV, "FAST_API_KEY")} == set(
        secret["stringData"]
    )
    text = json.dumps(recording.resources)
    assert MASTER_KEY not in text and TIER_KEY not in text


def test_plain_env_holds_the_gateways_process_settings_and_the_given_variables(run):
    env = {e["name"]: e.get("value") for e in litellm(plan(run))["env"]}
    assert {key: env[key] for key in PROCESS_ENV} == PROCESS_ENV
    assert env["AWS_REGION"] == "us-west-2"
    assert env["HOME"].startswith("/tmp")  # the only writable path
    names = [e["name"] for e in litellm(plan(run))["env"]]
    assert len(names) == len(set(names))


def test_a_secret_variable_replaces_a_default_of_the_same_name():
    args = make_args(secret_env={"HOME": pulumi.Output.secret("/secret-home")})
    env = gkp.environment(args, "gw-env")
    assert [e for e in env if e["name"] == "HOME"] == [
        {"name": "HOME", "valueFrom": {"secretKeyRef": {"name": "gw-env", "key": "home"}}}
    ]


def test_without_secret_env_no_secret_is_made(run):
    recording = plan(run, secret_env={})
    assert of_type(recording, "kubernetes:core/v1:Secret") == []
    assert all("valueFrom" not in e for e in litellm(recording)["env"])


# --- probes, hardening ----------------------------------------------------------------------------------


def test_probes_use_litellms_unauthenticated_health_paths_on_the_service_port(run):
    recording = plan(run)
    container = litellm(recording)
    paths = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert paths["livenessProbe"] == {"path": "/health/liveliness", "port": 4000}
    assert paths["startupProbe"] == {"path": "/health/liveliness", "port": 4000}
    assert paths["readinessProbe"] == {"path": "/health/readiness", "port": 4000}
    assert container["ports"] == [{"name": "http", "containerPort": 4000, "protocol": "TCP"}]
    service = one(recording, "kubernetes:core/v1:Service")["inputs"]["spec"]
    assert service["type"] == "ClusterIP"
    assert service["ports"] == [{"name": "http", "port": 4000, "targetPort": 4000, "protocol": "TCP"}]


def test_the_pod_is_hardened_to_the_restricted_profile_its_namespace_enforces(run):
    recording = plan(run)
    namespace = one(recording, "kubernetes:core/v1:Namespace")["inputs"]["metadata"]
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    spec = pod(recording)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] >= 10000
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    context = litellm(recording)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["runAsNonRoot"] is True and context["seccompProfile"] == {"type": "RuntimeDefault"}
    volumes = {v["name"]: v for v in spec["volumes"]}
    (tmp,) = [m for m in litellm(recording)["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]
    resources = litellm(recording)["resources"]
    assert resources["requests"] == {"cpu": "1", "memory": "2Gi"}
    assert set(resources["limits"]) == {"cpu", "memory"}


def test_rollouts_never_drop_capacity_and_replicas_spread_over_nodes_and_zones(run):
    recording = plan(run)
    spec = deployment(recording)["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    keys = {c["topologyKey"] for c in spec["template"]["spec"]["topologySpreadConstraints"]}
    assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    pdb = one(recording, "kubernetes:policy/v1:PodDisruptionBudget")["inputs"]["spec"]
    assert pdb["maxUnavailable"] == 1


def test_every_selector_matches_the_pod_labels(run):
    recording = plan(run, node_selector={"role": "cpu"})
    made = deployment(recording)
    labels = made["spec"]["template"]["metadata"]["labels"]

    def matches(selector: dict) -> bool:
        return selector.items() <= labels.items()

    assert matches(made["spec"]["selector"]["matchLabels"])
    assert matches(one(recording, "kubernetes:core/v1:Service")["inputs"]["spec"]["selector"])
    pdb = one(recording, "kubernetes:policy/v1:PodDisruptionBudget")["inputs"]["spec"]
    assert matches(pdb["selector"]["matchLabels"])
    policy = one(recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy")["inputs"]["spec"]
    assert matches(policy["podSelector"]["matchLabels"])
    for constraint in made["spec"]["template"]["spec"]["topologySpreadConstraints"]:
        assert matches(constraint["labelSelector"]["matchLabels"])
    hpa = one(recording, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")["inputs"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": made["metadata"]["name"]}
    assert made["spec"]["template"]["spec"]["nodeSelector"] == {"role": "cpu"}
    account = one(recording, "kubernetes:core/v1:ServiceAccount")["inputs"]["metadata"]["name"]
    assert made["spec"]["template"]["spec"]["serviceAccountName"] == account


# --- identity ---------------------------------------------------------------------------------------


def test_the_service_account_names_the_iam_role_only_when_one_is_given(run):
    with_role = one(plan(run, role_arn=ROLE), "kubernetes:core/v1:ServiceAccount")["inputs"]
    assert with_role["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    without = one(plan(run), "kubernetes:core/v1:ServiceAccount")["inputs"]
    assert "annotations" not in without["metadata"]
    assert without["automountServiceAccountToken"] is False


# --- network ----------------------------------------------------------------------------------------


def test_the_network_policy_admits_the_cluster_and_the_client_ranges_on_4000_only(run):
    recording = plan(run, client_ranges=["10.20.0.0/16"], egress_ports=[8000, 8080])
    spec = one(recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy")["inputs"]["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 4000}]
    assert rule["from"] == [{"namespaceSelector": {}}, {"ipBlock": {"cidr": "10.20.0.0/16"}}]
    egress = spec["egress"]
    assert {"ports": [{"protocol": "TCP", "port": 443}]} in egress
    # EKS Pod Identity credentials come from the node's agent (the builder associates the role that way).
    agent = [r for r in egress if {"protocol": "TCP", "port": 80} in r["ports"]]
    assert agent == [
        {
            "to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}, {"ipBlock": {"cidr": "fd00:ec2::23/128"}}],
            "ports": [{"protocol": "TCP", "port": 80}],
        }
    ]
    dns = [r for r in egress if {"protocol": "UDP", "port": 53} in r.get("ports", [])]
    assert dns and dns[0]["to"] == [{"namespaceSelector": {}}]
    tiers = [r for r in egress if {"protocol": "TCP", "port": 8080} in r["ports"]]
    assert tiers == [
        {
            "to": [{"namespaceSelector": {}}],
            "ports": [{"protocol": "TCP", "port": 8000}, {"protocol": "TCP", "port": 8080}],
        }
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_ranges": ["0.0.0.0/0"]}, "whole internet"),
        ({"files": {"gateway.json": "{}"}}, "config.yaml"),
        ({"files": {"config.yaml": "", "sub/dir.py": ""}}, "ConfigMap key"),
        ({"env": {MASTER_KEY_ENV: "plain"}}, "both as plain and as secret"),
        ({"env": {"BAD-NAME": "x"}}, "environment variable name"),
        ({"replicas": 3, "max_replicas": 2}, "below replicas"),
        ({"egress_ports": [0]}, "out of range"),
        ({"files": {"config.yaml": "", "a_b.py": "", "a-b.py": ""}}, "differ only"),
    ],
)
def test_unsafe_or_unrunnable_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        gk.check_args(make_args(**overrides))


# --- autoscaling, outputs -----------------------------------------------------------------------------


def test_the_autoscaler_owns_the_replica_count_between_replicas_and_max(run):
    recording = plan(run, replicas=2)
    hpa = one(recording, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")["inputs"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    (metric,) = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    assert "replicas" not in deployment(recording)["spec"]  # the HPA's count is never reset by an update
    capped = one(plan(run, replicas=2, max_replicas=4), "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    assert capped["inputs"]["spec"]["maxReplicas"] == 4


def test_a_fixed_size_gateway_has_no_autoscaler(run):
    recording = plan(run, replicas=3, max_replicas=3)
    assert of_type(recording, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") == []
    assert deployment(recording)["spec"]["replicas"] == 3


def test_outputs_name_the_in_cluster_openai_endpoint(run):
    recording = plan(run)
    assert recording.value == {
        "namespace": "gateway",
        "service_name": "gw",
        "endpoint": "http://gw.gateway.svc.cluster.local:4000/v1",
    }
    (component,) = of_type(recording, gk.TYPE)
    assert component["name"] == "gw"


# --- manifests ----------------------------------------------------------------------------------------


def written(run, tmp_path: Path) -> Path:
    recording = plan(run, role_arn=ROLE, client_ranges=["10.20.0.0/16"])
    texts, _ = manifests.files(recording.resources)
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_every_object_is_valid_kubernetes(run, tmp_path):
    version = kubernetes_validate.latest_version()
    kinds = set()
    for path in sorted(written(run, tmp_path).glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        kubernetes_validate.validate(document, version, strict=True)
        kinds.add(document["kind"])
    assert kinds == {
        "Namespace",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
    }


@pytest.mark.slow
def test_checkov_finds_no_unjustified_failure(run, tmp_path, checkov):  # noqa: F811 (the imported fixture)
    # The examples' check, on this component's manifests (with the same skips, tests/checkov_skips.yaml).
    manifest_checks(Written(written(run, tmp_path), {}, []), checkov)
