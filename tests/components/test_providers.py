"""Dynamic providers against stubbed boto3 clients: botocore's Stubber checks every request against the
AWS service model and answers it locally, and a fake clock makes every wait instant."""

from __future__ import annotations

import datetime as dt
import pickle
import re

import boto3
import pytest
from botocore.stub import Stubber
from pulumi.dynamic.dynamic import serialize_provider

from deepseek_deploy.components.providers import _aws
from deepseek_deploy.components.providers.marketplace_endpoint import MarketplaceEndpointProvider
from deepseek_deploy.components.providers.model_import_job import ModelImportJobProvider

REGION = "us-west-2"
ACCOUNT = "123456789012"
SEED = "seed-of-this-create"
REAL_FRESH_SEED = _aws.fresh_seed
HUB_ARN = f"arn:aws:sagemaker:{REGION}:aws:hub-content/SageMakerPublicHub/Model/deepseek-llm-r1-distill-llama-8b/1.0.0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bot-endpoint"
KMS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0123abcd-0123-abcd-0123-0123456789ab"
ENDPOINT_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/bot-endpoint"
JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-import-job/abc123"
MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:imported-model/xyz789"
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
TOKEN_PATTERN = re.compile(r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?")


class FakeTime:
    """sleep() only advances clock(), and remembers what it was asked to sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def pinned_seed(monkeypatch):
    """One create's token is fixed here; real runs draw a fresh seed per create."""
    monkeypatch.setattr(_aws, "fresh_seed", lambda: SEED)


@pytest.fixture(scope="module")
def session():
    # One session for the module: it caches the service models, which makes each client cheap.
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token="testing", region_name=REGION
    )


@pytest.fixture
def stubs(session, monkeypatch):
    """Fresh stubbed bedrock and sagemaker clients per test, served by the patched `_aws.client`."""
    clients = {service: session.client(service) for service in ("bedrock", "sagemaker")}
    stubbers = {service: Stubber(client) for service, client in clients.items()}

    def fake_client(service: str, region: str):
        assert region == REGION
        return clients[service]

    monkeypatch.setattr(_aws, "client", fake_client)
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


# --- Marketplace endpoint -------------------------------------------------------------------------


def endpoint_props(**overrides):
    props = {
        "region": REGION,
        "endpoint_name": "bot-endpoint",
        "model_source_identifier": HUB_ARN,
        "instance_type": "ml.g6.12xlarge",
        "instance_count": 1,
        "execution_role_arn": ROLE,
        "kms_key_arn": None,
        "subnet_ids": None,
        "security_group_ids": None,
        "accept_eula": True,
        "tags": {"team": "ml", "app": "bot"},
        "timeout_minutes": 90,
    }
    props.update(overrides)
    return props


def endpoint_outs(**overrides):
    outs = {
        **endpoint_props(),
        "endpoint_arn": ENDPOINT_ARN,
        "sagemaker_endpoint_name": "bot-endpoint",
        "variant_name": "AllTraffic",
        "endpoint_status": "InService",
    }
    outs.update(overrides)
    return outs


def endpoint_body(status: str, message: str | None = None, count: int = 1) -> dict:
    endpoint = {
        "endpointArn": ENDPOINT_ARN,
        "modelSourceIdentifier": HUB_ARN,
        "createdAt": NOW,
        "updatedAt": NOW,
        "endpointConfig": {
            "sageMaker": {"initialInstanceCount": count, "instanceType": "ml.g6.12xlarge", "executionRole": ROLE}
        },
        "endpointStatus": status,
    }
    if message:
        endpoint["endpointStatusMessage"] = message
    return {"marketplaceModelEndpoint": endpoint}


def expect_get(stubs, status: str, message: str | None = None, count: int = 1) -> None:
    stubs["bedrock"].add_response(
        "get_marketplace_model_endpoint", endpoint_body(status, message, count), {"endpointArn": ENDPOINT_ARN}
    )


def expect_describe(stubs, variant: str = "AllTraffic") -> None:
    stubs["sagemaker"].add_response(
        "describe_endpoint",
        {
            "EndpointName": "bot-endpoint",
            "EndpointArn": ENDPOINT_ARN,
            "EndpointStatus": "InService",
            "CreationTime": NOW,
            "LastModifiedTime": NOW,
            "ProductionVariants": [{"VariantName": variant}],
        },
        {"EndpointName": "bot-endpoint"},
    )


def expected_create_request() -> dict:
    return {
        "modelSourceIdentifier": HUB_ARN,
        "endpointName": "bot-endpoint",
        "endpointConfig": {
            "sageMaker": {"initialInstanceCount": 1, "instanceType": "ml.g6.12xlarge", "executionRole": ROLE}
        },
        "acceptEula": True,
        "clientRequestToken": _aws.idempotency_token("bot-endpoint", HUB_ARN, "ml.g6.12xlarge", SEED),
        "tags": [{"key": "app", "value": "bot"}, {"key": "team", "value": "ml"}],
    }


def expect_create(stubs) -> None:
    stubs["bedrock"].add_response(
        "create_marketplace_model_endpoint", endpoint_body("Creating"), expected_create_request()
    )


def test_create_waits_for_in_service_and_reads_the_variant(stubs, clock):
    props = endpoint_props()
    expect_create(stubs)
    expect_get(stubs, "Creating")
    expect_get(stubs, "InService")
    expect_describe(stubs)

    result = MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)

    assert result.id == ENDPOINT_ARN
    assert result.outs == endpoint_outs()
    assert clock.sleeps == [30.0]


def test_create_sends_kms_and_vpc_only_when_given(stubs, clock):
    props = endpoint_props(kms_key_arn=KMS, subnet_ids=["subnet-1", "subnet-2"], security_group_ids=["sg-1"], tags={})
    request = expected_create_request()
    sagemaker = request["endpointConfig"]["sageMaker"]
    sagemaker["kmsEncryptionKey"] = KMS
    sagemaker["vpc"] = {"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]}
    del request["tags"]
    stubs["bedrock"].add_response("create_marketplace_model_endpoint", endpoint_body("Creating"), request)
    expect_get(stubs, "InService")
    expect_describe(stubs)

    MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)


def test_create_failure_surfaces_aws_message_and_deletes_the_endpoint(stubs, clock):
    props = endpoint_props()
    expect_create(stubs)
    expect_get(stubs, "Failed", message="Model container failed the ping health check")
    stubs["bedrock"].add_response("delete_marketplace_model_endpoint", {}, {"endpointArn": ENDPOINT_ARN})

    with pytest.raises(RuntimeError, match="failed the ping health check") as raised:
        MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)
    assert "'bot-endpoint'" in str(raised.value)
    assert "was deleted" in str(raised.value)


def test_create_failure_for_capacity_points_to_service_quotas(stubs, clock):
    props = endpoint_props()
    expect_create(stubs)
    expect_get(stubs, "Failed", message="InsufficientInstanceCapacity for ml.g6.12xlarge")
    stubs["bedrock"].add_response("delete_marketplace_model_endpoint", {}, {"endpointArn": ENDPOINT_ARN})

    with pytest.raises(RuntimeError, match="Service Quotas"):
        MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)


def test_create_timeout_names_endpoint_and_last_status(stubs, clock):
    props = endpoint_props(timeout_minutes=1)
    expect_create(stubs)
    for _ in range(3):  # at 0s, 30s and 60s; the last one is at the deadline
        expect_get(stubs, "Creating")
    stubs["bedrock"].add_response("delete_marketplace_model_endpoint", {}, {"endpointArn": ENDPOINT_ARN})

    with pytest.raises(TimeoutError) as raised:
        MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)

    message = str(raised.value)
    assert "'bot-endpoint'" in message and "'Creating'" in message and "1 min" in message
    assert clock.sleeps == [30.0, 30.0]


def test_create_retries_while_a_new_role_propagates(stubs, clock):
    props = endpoint_props()
    for _ in range(2):
        stubs["bedrock"].add_client_error(
            "create_marketplace_model_endpoint",
            service_error_code="ValidationException",
            service_message=f"Could not assume role {ROLE}. Please ensure that the role exists.",
            http_status_code=400,
            expected_params=expected_create_request(),
        )
    expect_create(stubs)
    expect_get(stubs, "InService")
    expect_describe(stubs)

    MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(props)

    assert clock.sleeps == [2.0, 4.0]


def test_create_does_not_retry_a_missing_caller_permission(stubs, clock):
    stubs["bedrock"].add_client_error(
        "create_marketplace_model_endpoint",
        service_error_code="AccessDeniedException",
        service_message=f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/me is not authorized to perform: "
        "bedrock:CreateMarketplaceModelEndpoint",
        http_status_code=403,
    )

    with pytest.raises(RuntimeError, match=r"access denied: .*bedrock:CreateMarketplaceModelEndpoint"):
        MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(endpoint_props())
    assert clock.sleeps == []


def test_quota_error_names_instance_type_and_service_quotas(stubs, clock):
    stubs["bedrock"].add_client_error(
        "create_marketplace_model_endpoint",
        service_error_code="ServiceQuotaExceededException",
        service_message="The account-level service limit 'ml.g6.12xlarge for endpoint usage' is 0 Instances.",
        http_status_code=402,
    )

    with pytest.raises(RuntimeError) as raised:
        MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).create(endpoint_props())

    message = str(raised.value)
    assert "ml.g6.12xlarge" in message and "Service Quotas" in message and "'bot-endpoint'" in message
    assert clock.sleeps == []


def test_update_instance_count_calls_update_and_waits(stubs, clock):
    olds, news = endpoint_outs(), endpoint_props(instance_count=2.0)  # Pulumi hands numbers over as floats
    stubs["bedrock"].add_response(
        "update_marketplace_model_endpoint",
        endpoint_body("Updating", count=2),
        {
            "endpointArn": ENDPOINT_ARN,
            "endpointConfig": {
                "sageMaker": {"initialInstanceCount": 2, "instanceType": "ml.g6.12xlarge", "executionRole": ROLE}
            },
            "clientRequestToken": _aws.idempotency_token(ENDPOINT_ARN, "ml.g6.12xlarge", "2", ROLE),
        },
    )
    expect_get(stubs, "Updating", count=2)
    expect_get(stubs, "InService", count=2)
    expect_describe(stubs)

    provider = MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock)
    result = provider.update(ENDPOINT_ARN, olds, news)

    assert result.outs["instance_count"] == 2
    assert result.outs["endpoint_status"] == "InService"
    assert result.outs["endpoint_arn"] == ENDPOINT_ARN
    assert clock.sleeps == [30.0]


def test_update_of_tags_only_makes_no_api_call(stubs, clock):
    news = {**endpoint_props(tags={"team": "platform"}), "endpoint_arn": None, "variant_name": None}

    provider = MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock)
    result = provider.update(ENDPOINT_ARN, endpoint_outs(), news)

    assert result.outs["tags"] == {"team": "platform"}
    assert result.outs["endpoint_arn"] == ENDPOINT_ARN  # computed outputs survive the None placeholders
    assert result.outs["variant_name"] == "AllTraffic"


@pytest.mark.parametrize(
    ("change", "replaces", "delete_first"),
    [
        ({"model_source_identifier": HUB_ARN.replace("8b", "70b")}, ["model_source_identifier"], True),
        ({"endpoint_name": "bot-endpoint-2"}, ["endpoint_name"], False),
        ({"region": "us-east-1"}, ["region"], True),
        ({"kms_key_arn": KMS}, ["kms_key_arn"], True),
        ({"subnet_ids": ["subnet-9"], "security_group_ids": ["sg-9"]}, ["subnet_ids", "security_group_ids"], True),
        ({"instance_type": "ml.g6.48xlarge"}, [], False),
        ({"instance_count": 3}, [], False),
        ({"execution_role_arn": ROLE + "-v2"}, [], False),
        ({"tags": {"team": "platform"}}, [], False),
        ({"timeout_minutes": 120}, [], False),
    ],
)
def test_marketplace_diff_replaces_or_updates(change, replaces, delete_first):
    diff = MarketplaceEndpointProvider().diff(ENDPOINT_ARN, endpoint_outs(), endpoint_props(**change))

    assert diff.changes is True
    assert diff.replaces == replaces
    assert diff.delete_before_replace is delete_first


def test_marketplace_diff_sees_no_change_between_none_and_empty():
    news = {**endpoint_props(subnet_ids=[], tags={"team": "ml", "app": "bot"}), "endpoint_arn": None}
    diff = MarketplaceEndpointProvider().diff(ENDPOINT_ARN, endpoint_outs(), news)

    assert diff.changes is False and diff.replaces == []


def test_delete_waits_until_the_endpoint_is_gone(stubs, clock):
    stubs["bedrock"].add_response("delete_marketplace_model_endpoint", {}, {"endpointArn": ENDPOINT_ARN})
    expect_get(stubs, "Deleting")
    stubs["bedrock"].add_client_error(
        "get_marketplace_model_endpoint", service_error_code="ResourceNotFoundException", http_status_code=404
    )

    MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).delete(ENDPOINT_ARN, endpoint_outs())

    assert clock.sleeps == [30.0]


def test_delete_of_an_already_deleted_endpoint_succeeds(stubs, clock):
    stubs["bedrock"].add_client_error(
        "delete_marketplace_model_endpoint",
        service_error_code="ResourceNotFoundException",
        service_message="Endpoint not found",
        http_status_code=404,
        expected_params={"endpointArn": ENDPOINT_ARN},
    )

    MarketplaceEndpointProvider(sleep=clock.sleep, clock=clock.clock).delete(ENDPOINT_ARN, endpoint_outs())


def test_read_refreshes_size_and_status(stubs):
    expect_get(stubs, "Updating", count=3)

    result = MarketplaceEndpointProvider().read(ENDPOINT_ARN, endpoint_outs())

    assert result.id == ENDPOINT_ARN
    assert result.outs["instance_count"] == 3
    assert result.outs["endpoint_status"] == "Updating"
    assert result.outs["variant_name"] == "AllTraffic"


def test_read_of_a_deleted_endpoint_returns_an_empty_id(stubs):
    stubs["bedrock"].add_client_error(
        "get_marketplace_model_endpoint", service_error_code="ResourceNotFoundException", http_status_code=404
    )

    result = MarketplaceEndpointProvider().read(ENDPOINT_ARN, endpoint_outs())

    assert result.id == "" and result.outs == {}


def test_marketplace_check_rejects_long_names_and_half_a_vpc():
    news = endpoint_props(endpoint_name="x" * 31, subnet_ids=["subnet-1"])
    failures = MarketplaceEndpointProvider().check({}, news).failures

    assert [f.property for f in failures] == ["endpoint_name", "subnet_ids"]


def test_marketplace_check_skips_values_unknown_during_preview():
    from pulumi.runtime.rpc import UNKNOWN

    news = endpoint_props(endpoint_name=UNKNOWN, instance_count=UNKNOWN)
    assert MarketplaceEndpointProvider().check({}, news).failures == []


def planned_update(recorded_inputs: dict, news: dict):
    """What Pulumi does with new inputs: `check` them against the recorded ones, then `diff` the stored state."""
    provider = MarketplaceEndpointProvider()
    checked = provider.check(recorded_inputs, news).inputs
    stored = endpoint_outs(**recorded_inputs)
    return checked, provider.diff(ENDPOINT_ARN, stored, checked)


@pytest.mark.parametrize(
    "change",
    [
        {"model_source_identifier": HUB_ARN.replace("1.0.0", "1.1.0")},
        {"kms_key_arn": KMS},
        {"subnet_ids": ["subnet-9"], "security_group_ids": ["sg-9"]},
        {"region": "us-east-1"},
    ],
    ids=["model", "key", "network", "region"],
)
def test_a_change_update_cannot_apply_makes_a_new_endpoint_beside_the_serving_one(change):
    checked, diff = planned_update(endpoint_props(), endpoint_props(**change))
    name = checked["endpoint_name"]
    assert name != "bot-endpoint" and re.fullmatch(r"bot-endpoint-[0-9a-f]{6}", name) and len(name) <= 30
    assert set(change) < set(diff.replaces) and "endpoint_name" in diff.replaces
    # A name of its own: Pulumi creates the new endpoint (waiting until it is InService), points everything at it,
    # and only then deletes the old one.
    assert diff.delete_before_replace is False


def test_the_replacement_name_is_the_same_in_preview_and_up_and_differs_per_model():
    news = endpoint_props(model_source_identifier=HUB_ARN.replace("1.0.0", "1.1.0"))
    first, _ = planned_update(endpoint_props(), news)
    again, _ = planned_update(endpoint_props(), dict(news))
    other, _ = planned_update(endpoint_props(), endpoint_props(model_source_identifier=HUB_ARN.replace("8b", "70b")))
    assert first["endpoint_name"] == again["endpoint_name"] != other["endpoint_name"]


@pytest.mark.parametrize(
    "change", [{}, {"instance_count": 3}, {"instance_type": "ml.g6.48xlarge"}, {"tags": {"team": "platform"}}]
)
def test_an_endpoint_keeps_its_name_while_it_stays(change):
    # A stack deployed before replacements were named (the asked name) and one already replaced (a made name).
    for current in ("bot-endpoint", "bot-endpoint-0a1b2c"):
        checked, diff = planned_update(endpoint_props(endpoint_name=current), endpoint_props(**change))
        assert checked["endpoint_name"] == current and diff.replaces == []


def test_a_replaced_endpoint_is_replaced_again_beside_itself():
    recorded = endpoint_props(endpoint_name="bot-endpoint-0a1b2c")
    checked, diff = planned_update(recorded, endpoint_props(model_source_identifier=HUB_ARN.replace("8b", "70b")))
    assert checked["endpoint_name"] not in ("bot-endpoint", "bot-endpoint-0a1b2c")
    assert diff.delete_before_replace is False


def test_a_new_endpoint_takes_the_asked_name_and_a_long_one_still_fits():
    assert MarketplaceEndpointProvider().check({}, endpoint_props()).inputs["endpoint_name"] == "bot-endpoint"
    base = "a-deployment-name-of-30-chars-"[:30]
    checked, _ = planned_update(endpoint_props(endpoint_name=base), endpoint_props(endpoint_name=base, kms_key_arn=KMS))
    assert len(checked["endpoint_name"]) <= 30 and checked["endpoint_name"].startswith("a-deployment-name-of-30")


# --- Model import job -----------------------------------------------------------------------------


def import_props(**overrides):
    props = {
        "region": REGION,
        "job_name": "bot-import-1a2b3c",
        "imported_model_name": "bot-distill-llama-8b",
        "role_arn": ROLE,
        "s3_uri": "s3://bot-weights/distill-llama-8b/",
        "kms_key_arn": KMS,
        "subnet_ids": ["subnet-1"],
        "security_group_ids": ["sg-1"],
        "tags": {"team": "ml"},
        "timeout_minutes": 120,
    }
    props.update(overrides)
    return props


def import_outs(**overrides):
    return {**import_props(), "job_arn": JOB_ARN, "imported_model_arn": MODEL_ARN, **overrides}


def job_body(status: str, failure: str | None = None) -> dict:
    body = {"jobArn": JOB_ARN, "jobName": "bot-import-1a2b3c", "status": status}
    if status == "Completed":
        body["importedModelArn"] = MODEL_ARN
    if failure:
        body["failureMessage"] = failure
    return body


def expect_start_import(stubs) -> None:
    stubs["bedrock"].add_response(
        "create_model_import_job",
        {"jobArn": JOB_ARN},
        {
            "jobName": "bot-import-1a2b3c",
            "importedModelName": "bot-distill-llama-8b",
            "roleArn": ROLE,
            "modelDataSource": {"s3DataSource": {"s3Uri": "s3://bot-weights/distill-llama-8b/"}},
            "clientRequestToken": _aws.idempotency_token(
                "bot-import-1a2b3c", "s3://bot-weights/distill-llama-8b/", SEED
            ),
            "importedModelKmsKeyId": KMS,
            "vpcConfig": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
            "jobTags": [{"key": "team", "value": "ml"}],
            "importedModelTags": [{"key": "team", "value": "ml"}],
        },
    )


def expect_job(stubs, status: str, failure: str | None = None) -> None:
    stubs["bedrock"].add_response("get_model_import_job", job_body(status, failure), {"jobIdentifier": JOB_ARN})


def test_import_waits_for_completion_and_uses_the_model_arn_as_id(stubs, clock):
    expect_start_import(stubs)
    expect_job(stubs, "InProgress")
    expect_job(stubs, "Completed")

    result = ModelImportJobProvider(sleep=clock.sleep, clock=clock.clock).create(import_props())

    assert result.id == MODEL_ARN
    assert result.outs == import_outs()
    assert clock.sleeps == [60.0]


def test_failed_import_surfaces_failure_message_and_layout_hint(stubs, clock):
    expect_start_import(stubs)
    expect_job(stubs, "Failed", failure="Unable to find config.json in the S3 prefix")

    with pytest.raises(RuntimeError) as raised:
        ModelImportJobProvider(sleep=clock.sleep, clock=clock.clock).create(import_props())

    message = str(raised.value)
    assert "Unable to find config.json in the S3 prefix" in message
    assert "*.safetensors" in message and "tokenizer" in message and ROLE in message


def test_import_timeout_says_the_job_keeps_running(stubs, clock):
    expect_start_import(stubs)
    expect_job(stubs, "InProgress")
    expect_job(stubs, "InProgress")

    with pytest.raises(TimeoutError, match="keeps running") as raised:
        ModelImportJobProvider(sleep=clock.sleep, clock=clock.clock).create(import_props(timeout_minutes=1))
    assert "'InProgress'" in str(raised.value)


def test_import_delete_removes_the_imported_model(stubs):
    stubs["bedrock"].add_response("delete_imported_model", {}, {"modelIdentifier": MODEL_ARN})

    ModelImportJobProvider().delete(MODEL_ARN, import_outs())


def test_import_delete_tolerates_a_missing_model(stubs):
    stubs["bedrock"].add_client_error(
        "delete_imported_model",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"modelIdentifier": MODEL_ARN},
    )

    ModelImportJobProvider().delete(MODEL_ARN, import_outs())


def test_import_read_returns_job_outputs(stubs):
    expect_job(stubs, "Completed")

    result = ModelImportJobProvider().read(MODEL_ARN, import_outs())

    assert result.id == MODEL_ARN and result.outs == import_outs()


@pytest.mark.parametrize(
    "key, value",
    [
        ("region", "us-east-1"),
        ("s3_uri", "s3://bot-weights/other/"),
        ("imported_model_name", "bot-other"),
        ("role_arn", ROLE + "-v2"),
        ("kms_key_arn", None),
        ("subnet_ids", ["subnet-2"]),
    ],
)
def test_import_diff_replaces_on_any_import_change(key, value):
    diff = ModelImportJobProvider().diff(MODEL_ARN, import_outs(), import_props(**{key: value}))

    assert diff.changes is True and diff.replaces == [key]
    assert diff.delete_before_replace is (key != "imported_model_name")


def test_import_tags_change_is_in_place_without_api_call(stubs):
    news = {**import_props(tags={"team": "platform"}), "job_arn": None, "imported_model_arn": None}
    provider = ModelImportJobProvider()

    diff = provider.diff(MODEL_ARN, import_outs(), news)
    outs = provider.update(MODEL_ARN, import_outs(), news).outs

    assert diff.changes is True and diff.replaces == []
    assert outs["tags"] == {"team": "platform"} and outs["imported_model_arn"] == MODEL_ARN


def test_import_check_enforces_bedrock_name_patterns():
    news = import_props(job_name="-bad", imported_model_name="two__underscores")
    failures = ModelImportJobProvider().check({}, news).failures

    assert [f.property for f in failures] == ["job_name", "imported_model_name"]
    assert ModelImportJobProvider().check({}, import_props()).failures == []


# --- Shared helpers -------------------------------------------------------------------------------


def test_idempotency_token_is_deterministic_and_valid():
    token = _aws.idempotency_token("bot-endpoint", HUB_ARN, "ml.g6.12xlarge")

    assert token == _aws.idempotency_token("bot-endpoint", HUB_ARN, "ml.g6.12xlarge")
    assert token != _aws.idempotency_token("bot-endpoint", HUB_ARN, "ml.g6.48xlarge")
    assert _aws.idempotency_token("a", "bc") != _aws.idempotency_token("ab", "c")
    assert len(token) == 64 and TOKEN_PATTERN.fullmatch(token)


def test_retry_gives_up_after_the_last_attempt_with_capped_delays(clock):
    calls = []

    def always_fails():
        calls.append(1)
        raise ValueError(f"attempt {len(calls)}")

    with pytest.raises(ValueError, match="attempt 8"):
        _aws.retry(always_fails, is_retryable=lambda exc: True, sleep=clock.sleep)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_retry_does_not_retry_other_errors(clock):
    def fails():
        raise KeyError("nope")

    with pytest.raises(KeyError):
        _aws.retry(fails, is_retryable=lambda exc: False, sleep=clock.sleep)
    assert clock.sleeps == []


def test_wait_until_works_outside_a_pulumi_program(clock):
    states = iter([(False, "Creating"), (True, "InService")])
    describe = lambda state, elapsed: f"thing is {state}"  # noqa: E731

    state = _aws.wait_until(
        lambda: next(states), timeout_s=60, interval_s=10, describe=describe, sleep=clock.sleep, clock=clock.clock
    )

    assert state == "InService" and clock.sleeps == [10]


def test_friendly_error_falls_back_to_code_and_message():
    from botocore.exceptions import ClientError

    exc = ClientError({"Error": {"Code": "ConflictException", "Message": "busy"}}, "CreateThing")
    assert str(_aws.friendly_error(exc, "Creating thing")) == "Creating thing: ConflictException: busy"

    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate limit exceeded"}}, "X")
    assert "Service Quotas" not in str(_aws.friendly_error(throttled, "Creating thing"))


def test_client_is_configured_for_adaptive_retries(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    client = _aws.client("bedrock", REGION)  # building a client makes no request

    assert client.meta.region_name == REGION
    assert client.meta.config.retries["mode"] == "adaptive"
    assert client.meta.config.retries["total_max_attempts"] == 11  # botocore counts the first try too
    assert "deepseek-deploy" in client.meta.config.user_agent_extra


@pytest.mark.parametrize("provider_class", [MarketplaceEndpointProvider, ModelImportJobProvider])
def test_providers_pickle_the_way_pulumi_does(provider_class):
    provider = provider_class()

    assert pickle.loads(pickle.dumps(provider)).sleep_fn is not None
    assert serialize_provider(provider)  # dill, as pulumi.dynamic.Resource does


def test_each_create_draws_a_new_token_seed():
    # A later create (after destroy) must not reuse an earlier create's token.
    assert REAL_FRESH_SEED() != REAL_FRESH_SEED()
