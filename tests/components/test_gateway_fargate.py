"""GatewayOnFargate: the bootstrap run for real with a fake `litellm`; the recorded resources (secrets only through
`secrets`, least-privilege roles, the load balancer the only way in, a VPC when no subnets); the project's rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pulumi
import pytest

from deepseek_deploy.components import gateway
from deepseek_deploy.components.gateway import config as gw
from deepseek_deploy.components.gateway_fargate import GatewayFargateArgs, GatewayOnFargate, check_args
from deepseek_deploy.components.gateway_fargate_task import (
    ADVANCED_LIMIT,
    BOOTSTRAP,
    encode_file,
    entry_point,
    file_variables,
    parameter_tier,
)
from deepseek_deploy.components.policy import RULES, evaluate
from deepseek_deploy.stacks.run import recorder
from deepseek_deploy.stacks.run.check import resources_of

from ..fakes.openai_server import FakeOpenAIServer
from .conftest import is_taggable, kept_names, of_type, one, policy

KEY = "arn:aws:kms:us-west-2:123456789012:key/gw"
TIER_POLICIES = ("arn:aws:iam::123456789012:policy/bot-invoke", "arn:aws:iam::123456789012:policy/big-invoke")
GUARDRAIL = "arn:aws:bedrock:us-west-2:123456789012:guardrail/g1"
MASTER_KEY = "sk-master-0123456789abcdef"
DIGESTS = '{"team-a": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}'
CONFIG = "model_list: []\ngeneral_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n"
SOURCE = Path(gateway.__file__).parent
OUTPUTS = (
    "endpoint",
    "cluster_name",
    "service_name",
    "log_group_name",
    "load_balancer_arn_suffix",
    "target_group_arn_suffix",
    "task_role_arn",
)


def files() -> dict[str, str]:
    found = {name: (SOURCE / name).read_text() for name in gateway.HOOK_FILES}
    return {**found, "config.yaml": CONFIG, "gateway.json": '{"tiers": []}'}


def args(**overrides) -> GatewayFargateArgs:
    values = {
        "region": "us-west-2",
        "image": "ghcr.io/berriai/litellm:v1.108.7",
        "files": files(),
        "kms_key_arn": KEY,
        "env": {"LITELLM_LOG": "INFO"},
        "secret_env": {"LITELLM_MASTER_KEY": MASTER_KEY, "GATEWAY_KEY_DIGESTS": DIGESTS},
        "task_policy_arns": TIER_POLICIES,
        "task_statements": [
            {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": GUARDRAIL},
        ],
        "tags": {"deployment": "gw"},
    }
    values.update(overrides)
    return GatewayFargateArgs(**values)


def program(**overrides):
    def run_it():
        component = GatewayOnFargate("gw", args(**overrides))
        return pulumi.Output.all(*(getattr(component, o) for o in OUTPUTS)).apply(
            lambda v: dict(zip(OUTPUTS, v, strict=True))
        )

    return run_it


def containers(recording) -> dict[str, dict]:
    task = one(recording, "aws:ecs/taskDefinition:TaskDefinition")
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}


def by_name(recording, token: str) -> dict[str, dict]:
    return {r["name"]: r for r in of_type(recording, token)}


@pytest.fixture
def computed(monkeypatch):
    """The attributes the outputs read, as recorder.COMPUTED must list them."""
    monkeypatch.setitem(recorder.COMPUTED, "aws:lb/loadBalancer:LoadBalancer", ("arn", "arnSuffix", "dnsName"))
    monkeypatch.setitem(recorder.COMPUTED, "aws:lb/targetGroup:TargetGroup", ("arn", "arnSuffix"))


@pytest.fixture
def lookups(monkeypatch):
    """The subnet and VPC lookups an existing network needs (what the plan's mocks must answer)."""
    make = recorder._mocks

    def mocks(region):
        base = make(region)

        class Lookups(type(base)):  # type: ignore[misc]
            def call(self, call_args):
                if call_args.token == "aws:ec2/getSubnet:getSubnet":
                    subnet = call_args.args["id"]
                    return {"id": subnet, "vpcId": "vpc-existing", "cidrBlock": "10.9.1.0/24"}, []
                if call_args.token == "aws:ec2/getVpc:getVpc":
                    return {"id": call_args.args["id"], "cidrBlock": "10.9.0.0/16"}, []
                return super().call(call_args)

        return Lookups()

    monkeypatch.setattr(recorder, "_mocks", mocks)


# ---------------------------------------------------------------- the bootstrap, run for real


def test_bootstrap_writes_the_files_and_execs_litellm_in_their_folder(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    report = tmp_path / "report.json"
    fake = bin_dir / "litellm"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "json.dump({'argv': sys.argv[1:], 'cwd': os.getcwd(), 'files': sorted(os.listdir('.')),\n"
        "           'leftover': sorted(k for k in os.environ if k.startswith('GATEWAY_FILE_')),\n"
        "           'master': os.environ.get('LITELLM_MASTER_KEY')},\n"
        f"          open({str(report)!r}, 'w'))\n"
    )
    fake.chmod(0o755)
    content = files()
    variables = file_variables(list(content))
    folder = tmp_path / "scratch" / "gateway"
    command = entry_point(sys.executable, variables, folder=str(folder), port=4000)
    assert command[1:3] == ["-c", BOOTSTRAP]
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "LITELLM_MASTER_KEY": MASTER_KEY,
        **{variable: encode_file(content[name]) for variable, name in variables.items()},
    }
    subprocess.run(command, env=env, check=True, timeout=60)
    seen = json.loads(report.read_text())
    assert seen["argv"] == ["--config", str(folder / "config.yaml"), "--port", "4000"]
    assert Path(seen["cwd"]) == folder  # the hooks import from next to config.yaml
    assert seen["files"] == sorted(content)
    assert seen["leftover"] == []  # the encoded files do not reach LiteLLM's environment
    assert seen["master"] == MASTER_KEY  # the secrets do
    for name, text in content.items():
        assert (folder / name).read_text() == text
    assert oct((folder).stat().st_mode & 0o777) == oct(0o700)


@pytest.mark.slow
def test_the_bootstrap_starts_the_real_litellm_with_the_hooks(tmp_path):
    from .gateway.proxy import base_env, free_port, litellm_executable
    from .gateway.stack import call

    litellm_bin = litellm_executable().parent  # the gateway tests' own LiteLLM venv, made once

    with FakeOpenAIServer(answer="from the tier", api_key="upstream-key", model="m") as tier_server:
        tier = gw.Tier("fast", "openai", "m", tier_server.base_url, "FAST_KEY")
        routing = gw.Routing(default="fast")
        content = {
            **{name: (SOURCE / name).read_text() for name in gateway.HOOK_FILES},
            "config.yaml": json.dumps(gw.litellm_config([tier], routing, num_retries=0)),
            "gateway.json": json.dumps(gw.gateway_settings([tier], routing, ["backend"])),
        }
        variables = file_variables(list(content))
        port = free_port()
        env = base_env(LITELLM_MASTER_KEY=MASTER_KEY, FAST_KEY="upstream-key", **{gw.key_env("backend"): "sk-backend"})
        env["PATH"] = f"{litellm_bin}{os.pathsep}{env['PATH']}"
        env.update({variable: encode_file(content[name]) for variable, name in variables.items()})
        command = entry_point(sys.executable, variables, folder=str(tmp_path / "scratch" / "gateway"), port=port)
        with (tmp_path / "litellm.log").open("w") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
            try:
                url = f"http://127.0.0.1:{port}"
                for path in ("/health/liveliness", "/health/readiness"):  # the container's and the ALB's probes
                    assert _wait_ok(url + path, process), (tmp_path / "litellm.log").read_text()[-3000:]
                status, _, body = call(url, "hello", key="sk-backend", model="fast")
                assert status == 200, body
                assert body["choices"][0]["message"]["content"] == "from the tier"
            finally:
                process.terminate()
                process.wait(timeout=15)


def _wait_ok(url: str, process: subprocess.Popen, timeout_s: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def test_files_encode_deterministically_and_pick_the_smallest_tier():
    assert encode_file(CONFIG) == encode_file(CONFIG)
    assert parameter_tier("x" * 4096) == "Standard"
    assert parameter_tier("x" * 4097) == "Advanced"
    with pytest.raises(ValueError, match="8192"):
        parameter_tier("x" * (ADVANCED_LIMIT + 1))
    # Every hook file fits one parameter once compressed (the largest needs the advanced tier).
    assert {parameter_tier(encode_file(text)) for text in files().values()} == {"Standard", "Advanced"}


def test_bad_arguments_are_refused_early():
    with pytest.raises(ValueError, match=r"config\.yaml"):
        file_variables(["hooks.py"])
    with pytest.raises(ValueError, match="plain file name"):
        file_variables(["config.yaml", "../x.py"])
    with pytest.raises(ValueError, match="set twice"):
        check_args(args(env={"LITELLM_MASTER_KEY": "x"}))
    with pytest.raises(ValueError, match="max_replicas"):
        check_args(args(replicas=3, max_replicas=2))


# ---------------------------------------------------------------- secrets


def test_files_and_secrets_are_securestrings_under_the_key_and_reach_the_task_only_as_secrets(run, computed):
    recording = run(program())
    parameters = by_name(recording, "aws:ssm/parameter:Parameter")
    assert len(parameters) == len(files()) + 2
    for parameter in parameters.values():
        assert parameter["inputs"]["type"] == "SecureString"
        assert parameter["inputs"]["keyId"] == KEY
        assert parameter["inputs"]["value"] == "[secret]"
        assert parameter["inputs"]["name"].startswith("/deepseek-deploy/gw/gateway/")
    assert parameters["gw-gateway-files-hooks-py"]["inputs"]["tier"] == "Advanced"
    assert parameters["gw-gateway-files-config-yaml"]["inputs"]["tier"] == "Standard"

    gateway_container = containers(recording)["litellm"]
    secrets = {s["name"]: s["valueFrom"] for s in gateway_container["secrets"]}
    assert set(secrets.values()) == {f"${{{name}.arn}}" for name in parameters}
    assert secrets["LITELLM_MASTER_KEY"] == "${gw-gateway-env-litellm-master-key.arn}"
    environment = {e["name"] for e in gateway_container["environment"]}
    assert not environment & set(secrets)
    assert "LITELLM_LOG" in environment
    text = json.dumps(recording.resources)
    assert MASTER_KEY not in text and "5e884898" not in text and "os.environ/LITELLM_MASTER_KEY" not in text


def test_the_container_is_hardened_and_starts_through_the_bootstrap(run, computed):
    defined = containers(run(program()))
    gateway_container, opener = defined["litellm"], defined["scratch-permissions"]
    for container in defined.values():
        assert container["readonlyRootFilesystem"] is True
        assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
        assert container["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert not gateway_container["user"].startswith("0")
    assert gateway_container["entryPoint"][:3] == ["python3", "-c", BOOTSTRAP]
    assert json.loads(gateway_container["entryPoint"][3])["dir"] == "/tmp/gateway"
    assert gateway_container["portMappings"] == [{"containerPort": 4000, "protocol": "tcp"}]
    assert "/health/liveliness" in gateway_container["healthCheck"]["command"][-1]
    assert gateway_container["dependsOn"] == [{"containerName": "scratch-permissions", "condition": "SUCCESS"}]
    assert opener["essential"] is False


# ---------------------------------------------------------------- roles


def test_the_execution_role_reads_exactly_these_parameters(run, computed):
    recording = run(program())
    parameters = by_name(recording, "aws:ssm/parameter:Parameter")
    role = by_name(recording, "aws:iam/role:Role")["gw-gateway-execution"]
    trust = policy(role, "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": recorder.ACCOUNT}}
    statements = {
        s["Sid"]: s
        for s in policy(by_name(recording, "aws:iam/rolePolicy:RolePolicy")["gw-gateway-execution"])["Statement"]
    }
    assert statements["ReadGatewayParameters"]["Action"] == "ssm:GetParameters"
    assert sorted(statements["ReadGatewayParameters"]["Resource"]) == sorted(f"${{{n}.arn}}" for n in parameters)
    assert statements["DecryptGatewayParameters"]["Resource"] == KEY
    assert statements["WriteGatewayLogs"]["Resource"] == "${gw-gateway-logs.arn}:log-stream:*"
    assert not of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") or all(
        a["inputs"]["role"] != "${gw-gateway-execution.name}"
        for a in of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    )


def test_the_task_role_has_the_tiers_policies_and_nothing_wildcarded(run, computed):
    recording = run(program())
    attached = {
        a["inputs"]["policyArn"]
        for a in of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["inputs"]["role"] == "${gw-gateway-task.name}"
    }
    assert attached == set(TIER_POLICIES)
    extra = policy(by_name(recording, "aws:iam/rolePolicy:RolePolicy")["gw-gateway-task"])["Statement"]
    assert extra == [{"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": GUARDRAIL}]
    task = one(recording, "aws:ecs/taskDefinition:TaskDefinition")["inputs"]
    assert task["taskRoleArn"] == "${gw-gateway-task.arn}"
    assert task["executionRoleArn"] == "${gw-gateway-execution.arn}"
    for document in [policy(r) for r in of_type(recording, "aws:iam/rolePolicy:RolePolicy")]:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions)
            assert statement["Resource"] != "*"


# ---------------------------------------------------------------- network


def test_only_the_load_balancer_reaches_the_tasks(run, computed):
    recording = run(program())
    ingress = of_type(recording, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    to_tasks = [r["inputs"] for r in ingress if r["inputs"]["securityGroupId"] == "${gw-gateway-tasks.id}"]
    assert to_tasks == [
        {
            "description": "From the gateway's load balancer only",
            "fromPort": 4000,
            "ipProtocol": "tcp",
            "referencedSecurityGroupId": "${gw-gateway-lb.id}",
            "securityGroupId": "${gw-gateway-tasks.id}",
            "tags": {"deployment": "gw"},
            "toPort": 4000,
        }
    ]
    to_lb = [r["inputs"] for r in ingress if r["inputs"]["securityGroupId"] == "${gw-gateway-lb.id}"]
    assert [(r["cidrIpv4"], r["fromPort"]) for r in to_lb] == [("10.43.0.0/16", 80)]  # the VPC by default
    service = one(recording, "aws:ecs/service:Service")["inputs"]
    assert service["networkConfiguration"]["securityGroups"] == ["${gw-gateway-tasks.id}"]
    assert service["networkConfiguration"]["assignPublicIp"] is False
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["deploymentMinimumHealthyPercent"] == 100
    assert service["loadBalancers"] == [
        {"containerName": "litellm", "containerPort": 4000, "targetGroupArn": "${gw-gateway.arn}"}
    ]


def test_the_load_balancer_is_internal_and_checks_readiness(run, computed):
    recording = run(program())
    balancer = one(recording, "aws:lb/loadBalancer:LoadBalancer")["inputs"]
    assert balancer["internal"] is True
    assert balancer["loadBalancerType"] == "application"
    assert balancer["dropInvalidHeaderFields"] is True
    assert balancer["enableDeletionProtection"] is False
    target = one(recording, "aws:lb/targetGroup:TargetGroup")["inputs"]
    assert (target["targetType"], target["port"], target["healthCheck"]["path"]) == ("ip", 4000, "/health/readiness")
    listener = one(recording, "aws:lb/listener:Listener")["inputs"]
    assert (listener["protocol"], listener["port"]) == ("HTTP", 80)
    assert recording.value["endpoint"] == "http://${gw-gateway.dnsName}/v1"
    assert recording.value["load_balancer_arn_suffix"] == "${gw-gateway.arnSuffix}"
    assert recording.value["target_group_arn_suffix"] == "${gw-gateway.arnSuffix}"
    assert recording.value["cluster_name"] == "gw-gateway"
    assert recording.value["log_group_name"] == "/deepseek-deploy/gw/gateway"


def test_a_certificate_gives_https_and_protect_keeps_the_load_balancer(run, computed):
    certificate = "arn:aws:acm:us-west-2:123456789012:certificate/abc"
    recording = run(program(certificate_arn=certificate, domain_name="gw.internal.example.com", protect=True))
    listener = one(recording, "aws:lb/listener:Listener")["inputs"]
    assert (listener["protocol"], listener["port"], listener["certificateArn"]) == ("HTTPS", 443, certificate)
    assert listener["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert one(recording, "aws:lb/loadBalancer:LoadBalancer")["inputs"]["enableDeletionProtection"] is True
    assert recording.value["endpoint"] == "https://gw.internal.example.com/v1"
    lb_in = of_type(recording, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {r["inputs"]["fromPort"] for r in lb_in if r["inputs"]["securityGroupId"] == "${gw-gateway-lb.id}"} == {443}


def test_without_subnets_a_vpc_with_private_subnets_is_created(run, computed):
    recording = run(program())
    assert one(recording, "aws:ec2/vpc:Vpc")["inputs"]["cidrBlock"] == "10.43.0.0/16"
    assert len(of_type(recording, "aws:ec2/natGateway:NatGateway")) == 1
    private = sorted(
        f"${{{s['name']}.id}}" for s in of_type(recording, "aws:ec2/subnet:Subnet") if "private" in s["name"]
    )
    assert sorted(one(recording, "aws:ecs/service:Service")["inputs"]["networkConfiguration"]["subnets"]) == private
    assert sorted(one(recording, "aws:lb/loadBalancer:LoadBalancer")["inputs"]["subnets"]) == private


def test_given_subnets_are_used_and_their_vpc_looked_up(run, computed, lookups):
    recording = run(program(subnet_ids=["subnet-a", "subnet-b"], client_cidrs=["10.1.0.0/16", "10.2.0.0/16"]))
    assert not of_type(recording, "aws:ec2/vpc:Vpc")
    assert one(recording, "aws:ecs/service:Service")["inputs"]["networkConfiguration"]["subnets"] == [
        "subnet-a",
        "subnet-b",
    ]
    assert {g["inputs"]["vpcId"] for g in of_type(recording, "aws:ec2/securityGroup:SecurityGroup")} == {"vpc-existing"}
    rules = [r["inputs"] for r in of_type(recording, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert sorted(r["cidrIpv4"] for r in rules if "cidrIpv4" in r) == ["10.1.0.0/16", "10.2.0.0/16"]
    egress = [r["inputs"] for r in of_type(recording, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    assert {(r.get("cidrIpv4"), r["fromPort"]) for r in egress if r["securityGroupId"] == "${gw-gateway-tasks.id}"} == {
        ("0.0.0.0/0", 443),
        ("10.9.0.0/16", 80),
        ("10.9.0.0/16", 8000),
    }


def test_autoscaling_tracks_cpu_between_the_bounds(run, computed):
    recording = run(program(replicas=2, max_replicas=6))
    target = one(recording, "aws:appautoscaling/target:Target")["inputs"]
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    assert target["resourceId"] == "service/gw-gateway/gw-gateway"
    scaling = one(recording, "aws:appautoscaling/policy:Policy")["inputs"]
    configuration = scaling["targetTrackingScalingPolicyConfiguration"]
    assert configuration["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert not of_type(run(program()), "aws:appautoscaling/target:Target")


def test_the_project_rules_pass(run, computed):
    recording = run(program(max_replicas=4))
    verdicts = evaluate(RULES, resources_of(recording.resources))
    found = [(v.rule.id, v.resource.key if v.resource else None, v.message) for v in verdicts.violations]
    # The budget is the deployment's (stack-level, set by the builder), not the gateway's.
    assert [f for f in found if f[0] != "DD-COST-001"] == []
    assert {"DD-IAM-001", "DD-IAM-002", "DD-IAM-003"} <= {r.id for r in verdicts.ran}


def test_every_taggable_resource_is_tagged_and_protect_keeps_the_logs(run, computed, options):
    recording = run(program(max_replicas=4, protect=True))
    untagged = [
        r["name"]
        for r in recording.resources
        if is_taggable(r["type"]) and (r["inputs"].get("tags") or {}).get("deployment") != "gw"
    ]
    assert untagged == []
    protected, _ = kept_names(options)
    assert protected == {"gw-gateway-logs"}
    assert options["gw-gateway-logs"]["retain_on_delete"] is True
