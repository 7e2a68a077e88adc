"""Self-hosted plans (issue 10 items 1, 2, 4): what a created cluster gets for storage and load balancing,
what an existing cluster must provide (and the notes that say so), and pinned charts."""

import json

import pytest

from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.sizing.deployment import resolve_text
from deepseek_deploy.stacks.spec.loader import SpecError

from ..conftest import EXAMPLES
from .conftest import of_type, one

BASE = "name: bot\nmode: self-hosted\nregion: us-west-2\nmodel: distill-llama-8b\n"
CREATED = BASE + "cluster:\n  create: eks\n  node_instance_type: g6.2xlarge\n"
EXISTING = BASE + "cluster:\n  context: gpu\n"


def program(text: str):
    return run_program(resolve_text(text))


def by_name(plan, token: str) -> dict[str, dict]:
    return {r["name"]: r["inputs"] for r in of_type(plan, token)}


def trust(role: dict) -> dict:
    return json.loads(role["assumeRolePolicy"])["Statement"][0]


@pytest.fixture(scope="module")
def created():
    return program(CREATED + "serving:\n  autoscaling: {min: 1, max: 3}\n")


def test_a_created_cluster_gets_the_ebs_csi_driver_with_a_role_of_its_own(created):
    addons = by_name(created, "aws:eks/addon:Addon")
    ebs = addons["bot-eks-ebs-csi"]
    assert ebs["addonName"] == "aws-ebs-csi-driver"
    assert ebs["podIdentityAssociations"] == [
        {"roleArn": "${bot-eks-ebs-csi-role.arn}", "serviceAccount": "ebs-csi-controller-sa"}
    ]
    role = by_name(created, "aws:iam/role:Role")["bot-eks-ebs-csi-role"]
    assert role["managedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    statement = trust(role)
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {
        "aws:RequestTag/eks-cluster-arn": "${bot-eks-cluster.arn}",
        "aws:RequestTag/kubernetes-namespace": "kube-system",
        "aws:RequestTag/kubernetes-service-account": "ebs-csi-controller-sa",
    }
    assert addons["bot-eks-pod-identity-agent"]["addonName"] == "eks-pod-identity-agent"
    # NetworkPolicies are enforced on the created cluster.
    assert json.loads(addons["bot-eks-vpc-cni"]["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_a_created_cluster_gets_an_encrypted_gp3_class_that_its_pods_use(created):
    storage_class = one(created, "kubernetes:storage.k8s.io/v1:StorageClass")["inputs"]
    assert storage_class["metadata"]["name"] == "gp3" and storage_class["provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"]["type"] == "gp3" and storage_class["parameters"]["encrypted"] == "true"
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    pod = one(created, "kubernetes:apps/v1:Deployment")["inputs"]["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "models")
    claim = volume["ephemeral"]["volumeClaimTemplate"]["spec"]
    assert claim == {"accessModes": ["ReadWriteOnce"], "resources": claim["resources"], "storageClassName": "gp3"}
    assert of_type(created, "kubernetes:core/v1:PersistentVolumeClaim") == []
    assert any("weights cache: a" in note and "created with the cluster" in note for note in created.notes)


def test_a_cluster_ip_endpoint_installs_no_load_balancer_controller(created):
    assert "bot-eks-lb-controller" not in by_name(created, "kubernetes:helm.sh/v3:Release")
    assert "bot-lb" not in by_name(created, "kubernetes:core/v1:Service")


def test_a_load_balancer_on_a_created_cluster_comes_with_the_controller_and_a_scoped_role():
    plan = program(CREATED + "serving:\n  expose: load-balancer\n")
    release = by_name(plan, "kubernetes:helm.sh/v3:Release")["bot-eks-lb-controller"]
    assert release["chart"] == "aws-load-balancer-controller" and release["version"]
    assert release["values"]["vpcId"] == "${bot-eks-vpc.id}" and release["values"]["enableWafv2"] is False
    role = by_name(plan, "aws:iam/role:Role")["bot-eks-lb-controller-role"]
    assert trust(role)["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == (
        "aws-load-balancer-controller"
    )
    statements = {s["Sid"]: s for s in json.loads(role["inlinePolicies"][0]["policy"])["Statement"]}
    writes = [s for s in statements.values() if s["Sid"] not in ("Read", "ElbServiceLinkedRole")]
    assert all(s["Resource"] != "*" for s in writes)  # every change is scoped to this region and account
    assert statements["SecurityGroupRulesInClusterVpc"]["Condition"] == {"ArnEquals": {"ec2:Vpc": "${bot-eks-vpc.arn}"}}
    assert statements["DeleteOwnSecurityGroups"]["Condition"]["StringEquals"] == {
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "bot-eks"
    }
    service = by_name(plan, "kubernetes:core/v1:Service")["bot-lb"]
    # Internal by default; only the VPC may connect, and the pods admit the VPC (the NLB's private subnets).
    assert service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internal"
    assert service["spec"]["loadBalancerSourceRanges"] == ["10.42.0.0/16"]
    policy = by_name(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")["bot-network"]
    cidrs = [p["ipBlock"]["cidr"] for p in policy["spec"]["ingress"][0]["from"] if "ipBlock" in p]
    assert cidrs == ["10.42.0.0/16"]
    assert any("internal" in note and "AWS Load Balancer Controller" in note for note in plan.notes)


def test_a_shared_cache_on_a_created_cluster_is_an_efs_file_system():
    plan = program(CREATED + "serving:\n  replicas: 2\n  weights_cache: {volume: shared}\n")
    file_system = one(plan, "aws:efs/fileSystem:FileSystem")["inputs"]
    assert file_system["encrypted"] is True
    assert len(of_type(plan, "aws:efs/mountTarget:MountTarget")) == 2
    classes = by_name(plan, "kubernetes:storage.k8s.io/v1:StorageClass")
    assert classes["bot-eks-efs"]["provisioner"] == "efs.csi.aws.com"
    assert classes["bot-eks-efs"]["parameters"]["uid"] == "10001"  # the vLLM user can write the access point
    claim = one(plan, "kubernetes:core/v1:PersistentVolumeClaim")["inputs"]["spec"]
    assert claim["accessModes"] == ["ReadWriteMany"] and claim["storageClassName"] == "efs"
    role = by_name(plan, "aws:iam/role:Role")["bot-eks-efs-csi-role"]
    assert role["managedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"]


def test_on_an_existing_cluster_the_plan_says_which_storage_class_the_cache_uses():
    default = program(EXISTING)
    assert any("the existing cluster's default StorageClass" in note for note in default.notes)
    claim = one(default, "kubernetes:apps/v1:Deployment")["inputs"]["spec"]["template"]["spec"]["volumes"][0]
    assert "storageClassName" not in claim["ephemeral"]["volumeClaimTemplate"]["spec"]
    named = program(EXISTING + "serving:\n  weights_cache: {storage_class: fast-ssd}\n")
    assert any("StorageClass fast-ssd, which the spec names" in note for note in named.notes)
    assert of_type(named, "kubernetes:storage.k8s.io/v1:StorageClass") == []


def test_a_shared_cache_on_an_existing_cluster_needs_a_named_class():
    with pytest.raises(SpecError) as raised:
        program(EXISTING + "serving:\n  weights_cache: {volume: shared}\n")
    assert "<spec>:8:" in str(raised.value) and "ReadWriteMany" in str(raised.value)


def test_an_existing_cluster_is_told_to_run_the_load_balancer_controller():
    plan = program(EXISTING + "serving:\n  expose: load-balancer\n")
    assert any("AWS Load Balancer Controller" in note and "must already run" in note for note in plan.notes)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "self-hosted" in p.name], ids=lambda p: p.name)
def test_every_helm_chart_a_plan_installs_is_pinned(path):
    plan = run_program(resolve_text(path.read_text()))
    for release in of_type(plan, "kubernetes:helm.sh/v3:Release"):
        assert release["inputs"].get("version"), f"{release['name']} installs an unpinned chart"
    for manifest in of_type(plan, "kubernetes:yaml/v2:ConfigFile"):
        assert "/releases/download/v" in manifest["inputs"]["file"], manifest["name"]


def test_the_multi_node_example_pins_the_efa_device_plugin():
    path = next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml")
    releases = by_name(run_program(resolve_text(path.read_text())), "kubernetes:helm.sh/v3:Release")
    assert releases["r1-eks-eks-efa"]["chart"] == "aws-efa-k8s-device-plugin" and releases["r1-eks-eks-efa"]["version"]
