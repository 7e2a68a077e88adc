"""Shared for the calling tests: a Stubber'd bedrock-runtime client, the four kinds of target, a fake clock."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from deepseek_deploy.stacks.call.target import Guardrail, Target

PROFILE = "us.deepseek.r1-v1:0"
MARKETPLACE_ARN = "arn:aws:sagemaker:us-west-2:123456789012:endpoint/bot"
IMPORTED_ARN = "arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123"
GUARDRAIL = {"guardrailIdentifier": "gr-123", "guardrailVersion": "1"}
UNITS = (
    "topicPolicyUnits",
    "contentPolicyUnits",
    "wordPolicyUnits",
    "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits",
    "contextualGroundingPolicyUnits",
)
USAGE = dict.fromkeys(UNITS, 1)  # ApplyGuardrail's `usage`, which the Stubber checks against the model


def target(mode: str, *, guardrail: bool = False, **extra: Any) -> Target:
    model_ids = {"serverless": PROFILE, "marketplace": MARKETPLACE_ARN, "custom-import": IMPORTED_ARN}
    fields: dict[str, Any] = {"mode": mode, "model": "deepseek-r1", "region": "us-east-1"}
    if mode in model_ids:
        fields["model_id"] = model_ids[mode]
    else:
        fields.update(base_url="http://127.0.0.1:9/v1", served_model="distill-qwen-7b", api_key="test-key")
    if guardrail:
        fields["guardrail"] = Guardrail("gr-123", "1", applied_by_call=mode in ("serverless", "custom-import"))
    return Target(**{**fields, **extra})


def streaming_body(document: Any) -> Any:
    from botocore.response import StreamingBody

    data = json.dumps(document).encode()
    return StreamingBody(io.BytesIO(data), len(data))


class Clock:
    """A clock that moves only when told: each reading advances it by `step` seconds."""

    def __init__(self, step: float = 0.1) -> None:
        self.now, self.step = 100.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def bedrock():
    """(client, stubber): a real bedrock-runtime client whose calls the Stubber answers and checks."""
    from tests.fakes.stubbed import stubbed

    with stubbed("bedrock-runtime") as pair:
        yield pair


def blocked_assessment() -> list[dict[str, Any]]:
    return [{"topicPolicy": {"topics": [{"name": "Investing", "type": "DENY", "action": "BLOCKED"}]}}]


def masked_assessment() -> list[dict[str, Any]]:
    found = [{"match": "a@b.c", "type": "EMAIL", "action": "ANONYMIZED"}]
    return [{"sensitiveInformationPolicy": {"piiEntities": found, "regexes": []}}]


def single_attempt_client(fake: Any) -> Any:
    """A client of the fake that never retries by itself (the fake's own client lets botocore retry once)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime",
        endpoint_url=fake.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
