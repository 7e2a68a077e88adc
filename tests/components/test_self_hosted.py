"""Self-hosted mode under the mock runtime: the EKS cluster and the vLLM objects."""

import json

import pytest

from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.sizing.deployment import resolve_text

from ..conftest import EXAMPLES
from .conftest import of_type, one

BASE = "name: bot\nmode: self-hosted\nregion: us-west-2\n"


def program(text: str):
    return run_program(resolve_text(text))


@pytest.fixture(scope="module")
def eks():
    return program(
        BASE
        + "model: distill-llama-8b\n"
        + "cluster:\n  create: eks\n  node_instance_type: g6.2xlarge\n  endpoint_public_cidrs: [203.0.113.0/24]\n"
    )


def test_the_cluster_endpoint_is_cidr_restricted_encrypted_and_logged(eks):
    cluster = one(eks, "aws:eks/cluster:Cluster")["inputs"]
    assert (
        cluster["vpcConfig"]["endpointPrivateAccess"] is True and cluster["vpcConfig"]["endpointPublicAccess"] is True
    )
    assert cluster["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert cluster["encryptionConfig"] == {"provider": {"keyArn": "${bot-kms-key.arn}"}, "resources": ["secrets"]}
    assert set(cluster["enabledClusterLogTypes"]) == {"api", "audit", "authenticator", "controllerManager", "scheduler"}
    assert cluster["version"] == "1.36" and cluster["accessConfig"]["authenticationMode"] == "API"


def test_without_public_cidrs_the_endpoint_is_private():
    plan = program(BASE + "model: distill-llama-8b\ncluster:\n  create: eks\n")
    vpc = one(plan, "aws:eks/cluster:Cluster")["inputs"]["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False and "publicAccessCidrs" not in vpc


def test_the_gpu_node_group_uses_the_nvidia_ami_taint_and_a_big_encrypted_disk(eks):
    groups = {g["name"]: g["inputs"] for g in of_type(eks, "aws:eks/nodeGroup:NodeGroup")}
    gpu = groups["bot-eks-gpu"]
    assert gpu["amiType"] == "AL2023_x86_64_NVIDIA" and gpu["instanceTypes"] == ["g6.2xlarge"]
    assert gpu["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert gpu["labels"]["deepseek-deploy/gpu"] == "true" and gpu["capacityType"] == "ON_DEMAND"
    template = one(eks, "aws:ec2/launchTemplate:LaunchTemplate")["inputs"]
    disk = template["blockDeviceMappings"][0]["ebs"]
    assert int(disk["volumeSize"]) >= 150 and disk["encrypted"] == "true" and disk["volumeType"] == "gp3"
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert groups["bot-eks-system"]["amiType"] == "AL2023_x86_64_STANDARD"
    assert all(s["inputs"].get("mapPublicIpOnLaunch") in (None, False) for s in of_type(eks, "aws:ec2/subnet:Subnet"))


def device_plugin(recording):
    """The NVIDIA device plugin among the DaemonSets (a created cluster also runs the log collector)."""
    [plugin] = [r for r in of_type(recording, "kubernetes:apps/v1:DaemonSet") if "nvidia-device-plugin" in r["name"]]
    return plugin


def test_node_role_has_exactly_the_eks_worker_policies(eks):
    roles = {r["name"]: r["inputs"] for r in of_type(eks, "aws:iam/role:Role")}
    policies = {arn.rsplit("/", 1)[-1] for arn in roles["bot-eks-node-role"]["managedPolicyArns"]}
    assert {"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"} <= policies


def test_the_device_plugin_runs_on_gpu_nodes(eks):
    plugin = device_plugin(eks)["inputs"]
    spec = plugin["spec"]["template"]["spec"]
    assert plugin["metadata"]["namespace"] == "kube-system"
    assert spec["nodeSelector"] == {"deepseek-deploy/gpu": "true"}
    assert spec["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert spec["containers"][0]["image"].startswith("nvcr.io/nvidia/k8s-device-plugin:v")


def container_of(plan, kind="kubernetes:apps/v1:Deployment"):
    workload = one(plan, kind)["inputs"]
    return workload, workload["spec"]["template"]["spec"], workload["spec"]["template"]["spec"]["containers"][0]


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_a_one_gpu_distill(eks):
    workload, pod, vllm = container_of(eks)
    args = vllm["args"]
    assert vllm["command"] == ["vllm", "serve"] and flag(args, "--model") == "deepseek-ai/DeepSeek-R1-Distill-Llama-8B"
    assert flag(args, "--tensor-parallel-size") == "1" and "--pipeline-parallel-size" not in args
    assert flag(args, "--reasoning-parser") == "deepseek_r1" and "--enable-prefix-caching" in args
    assert int(flag(args, "--max-model-len")) > 8192 and flag(args, "--gpu-memory-utilization") == "0.90"
    assert (
        vllm["resources"]["limits"]["nvidia.com/gpu"] == "1"
        and vllm["resources"]["requests"] == vllm["resources"]["limits"]
    )
    # One pod at a time, the old one first: never a spare GPU, and the other replicas keep serving.
    assert workload["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
    }
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["nodeSelector"] == {"deepseek-deploy/gpu": "true"} and pod["automountServiceAccountToken"] is False
    shm = next(v for v in pod["volumes"] if v["name"] == "shm")["emptyDir"]
    assert shm["medium"] == "Memory"
    security = vllm["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]} and security["seccompProfile"] == {"type": "RuntimeDefault"}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert vllm[probe]["timeoutSeconds"] > 1
    assert vllm["startupProbe"]["failureThreshold"] * vllm["startupProbe"]["periodSeconds"] >= 600
    api_key = next(e for e in vllm["env"] if e["name"] == "VLLM_API_KEY")
    assert api_key["valueFrom"]["secretKeyRef"]["key"] == "api-key"


def test_a_four_gpu_distill_with_autoscaling():
    path = next(p for p in EXAMPLES if p.name == "distill-qwen-32b-self-hosted.yaml")
    plan = run_program(resolve_text(path.read_text()))
    _workload, pod, vllm = container_of(plan)
    assert flag(vllm["args"], "--tensor-parallel-size") == "4" and vllm["resources"]["limits"]["nvidia.com/gpu"] == "4"
    shm = next(v for v in pod["volumes"] if v["name"] == "shm")["emptyDir"]
    assert shm["sizeLimit"] == "16Gi"
    scaled = one(plan, "kubernetes:keda.sh/v1alpha1:ScaledObject")["inputs"]["spec"]
    assert scaled["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "qwen32-onprem"}
    trigger = scaled["triggers"][0]
    assert trigger["type"] == "prometheus" and "vllm:num_requests_waiting" in trigger["metadata"]["query"]
    assert (scaled["minReplicaCount"], scaled["maxReplicaCount"], trigger["metadata"]["threshold"]) == (1, 3, "5")
    pdb = one(plan, "kubernetes:policy/v1:PodDisruptionBudget")["inputs"]["spec"]
    assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
    policy = one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")["inputs"]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["ingress"][0]["ports"] == [
        {"protocol": "TCP", "port": 8000}
    ]
    provider = one(plan, "pulumi:providers:kubernetes")["inputs"]
    assert provider["context"] == "gpu-cluster" and provider["kubeconfig"].endswith("/.kube/config")


def test_r1_spans_two_nodes_in_a_leader_worker_set():
    path = next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml")
    plan = run_program(resolve_text(path.read_text()))
    group = one(plan, "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet")["inputs"]
    template = group["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2 and template["restartPolicy"] == "RecreateGroupOnPodRestart"
    assert (
        group["metadata"]["annotations"]["leaderworkerset.sigs.k8s.io/exclusive-topology"]
        == "topology.kubernetes.io/zone"
    )
    leader = template["leaderTemplate"]["spec"]["containers"][0]
    worker = template["workerTemplate"]["spec"]["containers"][0]
    script = leader["command"][-1]
    for expected in (
        "--tensor-parallel-size 8",
        "--pipeline-parallel-size 2",
        "--distributed-executor-backend ray",
        "--ray_cluster_size=$(LWS_GROUP_SIZE)",
    ):
        assert expected in script
    assert "startupProbe" in leader and "startupProbe" not in worker and "readinessProbe" not in worker
    assert "--ray_address=$(LWS_LEADER_ADDRESS)" in worker["command"][-1]
    assert leader["resources"]["limits"]["nvidia.com/gpu"] == "8" == worker["resources"]["limits"]["nvidia.com/gpu"]
    service = next(r for r in plan.resources if r["type"] == "kubernetes:core/v1:Service")["inputs"]
    assert service["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"] == "0"
    # The created cluster gets EFA, a placement group and LeaderWorkerSet itself.
    template_inputs = one(plan, "aws:ec2/launchTemplate:LaunchTemplate")["inputs"]
    assert template_inputs["networkInterfaces"][0]["interfaceType"] == "efa" and "placement" in template_inputs
    assert one(plan, "aws:ec2/placementGroup:PlacementGroup")["inputs"]["strategy"] == "cluster"
    assert one(plan, "kubernetes:yaml/v2:ConfigFile")["inputs"]["file"].endswith("/manifests.yaml")
    plugin = device_plugin(plan)["inputs"]["spec"]["template"]["spec"]["containers"][0]
    assert plugin["args"] == ["--mofed-enabled=false"]


def test_the_api_key_is_generated_and_kept_secret():
    plan = program(BASE + "model: distill-qwen-1.5b\n")
    password = one(plan, "random:index/randomPassword:RandomPassword")["inputs"]
    assert password["length"] >= 32
    assert "${bot-api-key.result}" not in json.dumps(plan.resources)
