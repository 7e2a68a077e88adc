"""Named keys, routing decisions, the cascade's check and ApplyGuardrail, without LiteLLM."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from deepseek_deploy.components.gateway import auth, guardrail, routing

from .guardrail_fake import FakeGuardrail

SETTINGS: dict[str, Any] = {
    "api_keys": {"backend": "K_BACKEND", "batch": "K_BATCH", "files": "K_FILE"},
    "routing": {
        "strategy": "classifier",
        "default": "fast",
        "escalate_to": "reasoning",
        "threshold": 0.5,
        "header_override": True,
    },
    "tier_header": "x-deepseek-tier",
    "tiers": {"fast": {}, "reasoning": {}},
}


def test_named_keys_from_values_digests_and_files(tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text("sha256:" + auth.digest("from-a-file") + "\n")
    environ = {
        "K_BACKEND": "plain-key",
        "K_BATCH": "sha256:" + auth.digest("hashed-key"),
        "K_FILE": f"file:{secret_file}",
        "K_REMOVED": "old-key",
    }
    digests = auth.expected_digests(SETTINGS, environ)
    assert auth.key_name("plain-key", digests) == "backend"
    assert auth.key_name("hashed-key", digests) == "batch"
    assert auth.key_name("from-a-file", digests) == "files"
    assert auth.key_name("old-key", digests) is None  # not named in the settings: revoked
    assert auth.key_name("", digests) is None
    assert auth.key_name("plain-key ", digests) is None
    assert "plain-key" not in repr(digests)


def test_an_unset_variable_names_no_key():
    assert auth.expected_digests(SETTINGS, {"K_BACKEND": "  "}) == {}


def test_routing_by_score_header_and_strategy():
    score = {"easy": 0.1, "hard": 0.9}.get
    assert routing.choose(SETTINGS, "easy", {}, lambda p: score(p)) == routing.Decision("fast", "score", 0.1)
    assert routing.choose(SETTINGS, "hard", {}, lambda p: score(p)).tier == "reasoning"
    pinned = routing.choose(SETTINGS, "hard", {"X-DeepSeek-Tier": "fast"}, lambda p: score(p))
    assert pinned == routing.Decision("fast", "header")
    assert routing.choose(SETTINGS, "hard", {"x-deepseek-tier": "nope"}, lambda p: score(p)).tier == "reasoning"
    fixed = {**SETTINGS, "routing": {**SETTINGS["routing"], "strategy": "fixed", "header_override": False}}
    assert routing.choose(fixed, "hard", {"x-deepseek-tier": "reasoning"}, lambda p: 1.0).tier == "fast"


@pytest.mark.parametrize(
    ("text", "finish", "kwargs", "why"),
    [
        ("", "stop", {}, "empty"),
        ("half an ans", "length", {}, "truncated"),
        ("I'm sorry, but I can't help", "stop", {}, "refused"),
        ("no number", "stop", {"pattern": r"\d+"}, "pattern"),
        ("{not json", "stop", {"response_format": {"type": "json_object"}}, "not json"),
        ('{"a": 1}', "stop", {"response_format": {"type": "json_object"}}, None),
        ("42", "stop", {"pattern": r"\d+"}, None),
    ],
)
def test_cascade_failure(text, finish, kwargs, why):
    assert routing.cascade_failure(text, finish, **kwargs) == why


def test_apply_guardrail_against_a_local_fake():
    with FakeGuardrail(blocked_words=("forbidden",), message="Blocked by policy.") as fake:
        client = boto3.client(
            "bedrock-runtime",
            region_name="us-west-2",
            endpoint_url=fake.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        guardrail.set_client(client)
        try:
            settings = {"identifier": "gr-1", "version": "3"}
            assert guardrail.apply(settings, "INPUT", "a forbidden question") == guardrail.Verdict(
                True, "Blocked by policy."
            )
            assert guardrail.apply(settings, "OUTPUT", "fine") == guardrail.Verdict(False, "")
        finally:
            guardrail.set_client(None)
        assert [r.path for r in fake.received()] == ["/guardrail/gr-1/version/3/apply"] * 2
        assert fake.received()[1].body["source"] == "OUTPUT"


def test_prompt_text_joins_messages_and_parts():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "two"}]},
    ]
    assert guardrail.prompt_text(messages) == "be brief\npart one two"
