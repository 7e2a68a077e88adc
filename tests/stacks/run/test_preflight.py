"""The preflight: every missing prerequisite in one run, and what AWS can tell before `up`
(model access, the region's offer, Service Quotas), with botocore's Stubber at the AWS boundary."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from deepseek_deploy.stacks.run import preflight
from deepseek_deploy.stacks.sizing.deployment import resolve_text

from ...conftest import EXAMPLES, MINIMAL

EKS = next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml").read_text()


class Clients:
    """Real boto3 clients with Stubber on each: requests are checked against AWS's service models."""

    def __init__(self, region: str):
        self.clients = {
            name: boto3.client(name, region_name=region, aws_access_key_id="x", aws_secret_access_key="y")
            for name in ("bedrock", "ec2", "service-quotas")
        }
        self.stubs = {name: Stubber(client) for name, client in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def __call__(self, service: str):
        return self.clients[service]

    def done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def availability(**overrides: str) -> dict:
    body = {
        "modelId": "us.deepseek.r1-v1:0",
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": "AUTHORIZED",
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }
    body.update(overrides)
    return body


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_serverless_with_model_access_has_no_findings(credentials):
    deployment = resolve_text(MINIMAL["serverless"])
    clients = Clients("us-west-2")
    clients.stubs["bedrock"].add_response(
        "get_foundation_model_availability", availability(), {"modelId": deployment.serverless.model_id}
    )
    assert preflight.findings(deployment, None, clients=clients) == []
    clients.done()


def test_missing_model_access_and_region_offer_are_each_reported(credentials):
    deployment = resolve_text(MINIMAL["serverless"])
    clients = Clients("us-west-2")
    response = availability(entitlementAvailability="NOT_AVAILABLE", regionAvailability="NOT_AVAILABLE")
    clients.stubs["bedrock"].add_response("get_foundation_model_availability", response)
    found = preflight.findings(deployment, None, clients=clients)
    messages = [f.message for f in found]
    assert len(found) == 2 and all(f.severity == "error" for f in found)
    assert "does not offer" in messages[0] and "Model access" in messages[1]


def test_an_ec2_vcpu_quota_below_the_node_group_is_an_error_naming_the_quota(credentials):
    deployment = resolve_text(EKS)  # 2 x p5.48xlarge (192 vCPUs each), on-demand, us-east-1
    clients = Clients("us-east-1")
    offering = {"InstanceTypeOfferings": [{"InstanceType": "p5.48xlarge", "LocationType": "region", "Location": "x"}]}
    clients.stubs["ec2"].add_response("describe_instance_type_offerings", offering)
    quota = {"Quota": {"QuotaCode": "L-417A185B", "QuotaName": "Running On-Demand P instances", "Value": 192.0}}
    clients.stubs["service-quotas"].add_response(
        "get_service_quota", quota, {"ServiceCode": "ec2", "QuotaCode": "L-417A185B"}
    )
    [finding] = preflight.findings(deployment, None, clients=clients)
    assert "Running On-Demand P instances" in finding.message and "L-417A185B" in finding.message
    assert "need 384" in finding.message and "--desired-value 384" in finding.message
    clients.done()


def test_an_instance_type_the_region_does_not_offer_is_an_error(credentials):
    deployment = resolve_text(EKS)
    clients = Clients("us-east-1")
    clients.stubs["ec2"].add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": []})
    quota = {"Quota": {"QuotaCode": "L-417A185B", "QuotaName": "Running On-Demand P instances", "Value": 1000.0}}
    clients.stubs["service-quotas"].add_response("get_service_quota", quota)
    [finding] = preflight.findings(deployment, None, clients=clients)
    assert finding.message.startswith("EC2 does not offer p5.48xlarge in us-east-1")


def test_a_sagemaker_endpoint_quota_below_the_instances_is_an_error(credentials):
    text = MINIMAL["marketplace"] + "endpoint:\n  autoscaling: {min: 1, max: 3}\n"
    deployment = resolve_text(text)
    clients = Clients("us-west-2")
    wanted = f"{deployment.instance_type} for endpoint usage"
    page = {"Quotas": [{"QuotaCode": "L-0123ABCD", "QuotaName": wanted, "Value": 2.0}]}
    clients.stubs["service-quotas"].add_response("list_service_quotas", page, {"ServiceCode": "sagemaker"})
    [finding] = preflight.findings(deployment, None, clients=clients)
    assert wanted in finding.message and "can need 3" in finding.message and "L-0123ABCD" in finding.message


def test_when_aws_will_not_answer_the_check_is_a_warning_not_a_guess(credentials):
    deployment = resolve_text(MINIMAL["serverless"])
    clients = Clients("us-west-2")
    clients.stubs["bedrock"].add_client_error("get_foundation_model_availability", "AccessDeniedException")
    [finding] = preflight.findings(deployment, None, clients=clients)
    assert finding.severity == "warning" and "could not check" in finding.message


def test_without_credentials_aws_is_not_asked(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    deployment = resolve_text(MINIMAL["serverless"])
    clients = Clients("us-west-2")  # no stubbed responses: any call would fail the test
    [finding] = preflight.findings(deployment, None, clients=clients)
    assert "no AWS credentials" in finding.message
