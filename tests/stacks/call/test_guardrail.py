"""Reading what a guardrail did: a refusal is BLOCKED, a mask is INTERVENED, an unexplained intervention BLOCKED."""

from __future__ import annotations

from deepseek_deploy.stacks.call.guardrail import classify, from_trace

from .conftest import blocked_assessment, masked_assessment


def test_classify():
    assert classify(blocked_assessment()) == "BLOCKED"
    assert classify(masked_assessment()) == "INTERVENED"
    assert classify(masked_assessment() + blocked_assessment()) == "BLOCKED"
    assert classify([]) == "BLOCKED"  # intervened without saying how: never passed on silently


def test_from_trace():
    assert from_trace(False, None, "text").action == "NONE"
    assert from_trace(True, None, " No. ").as_json() == {"action": "BLOCKED", "message": "No.", "stage": None}
    output = {"outputAssessments": {"gr": masked_assessment()}}
    assert from_trace(True, output, "{EMAIL}").as_json() == {
        "action": "INTERVENED",
        "message": "{EMAIL}",
        "stage": "output",
    }
