from deepseek_deploy.components import DeniedTopicArgs, Guardrail, GuardrailArgs
from deepseek_deploy.components.guardrail import policy_digest

from .conftest import one

ARGS = GuardrailArgs(
    content_filters={
        "hate": "high",
        "insults": "medium",
        "sexual": "high",
        "violence": "none",
        "misconduct": "low",
        "prompt_attack": "high",
    },
    denied_topics=(
        DeniedTopicArgs("politics", "Political parties, elections or candidates.", ("Who should I vote for?",)),
    ),
    blocked_words=("politics",),
    managed_word_lists=("profanity",),
    pii={"EMAIL": "anonymize", "US_SOCIAL_SECURITY_NUMBER": "block"},
    blocked_input_message="no in",
    blocked_output_message="no out",
    kms_key_arn="arn:aws:kms:us-west-2:123456789012:key/k",
    tags={"team": "a"},
)


def test_the_guardrail_carries_every_policy_of_the_spec(run):
    recording = run(lambda: Guardrail("bot", ARGS))
    inputs = one(recording, "aws:bedrock/guardrail:Guardrail")["inputs"]
    filters = {
        f["type"]: (f["inputStrength"], f["outputStrength"]) for f in inputs["contentPolicyConfig"]["filtersConfigs"]
    }
    # `none` filters are left out; prompt attacks are filtered on input only, as Bedrock requires.
    assert filters == {
        "HATE": ("HIGH", "HIGH"),
        "INSULTS": ("MEDIUM", "MEDIUM"),
        "SEXUAL": ("HIGH", "HIGH"),
        "MISCONDUCT": ("LOW", "LOW"),
        "PROMPT_ATTACK": ("HIGH", "NONE"),
    }
    assert inputs["topicPolicyConfig"]["topicsConfigs"] == [
        {
            "name": "politics",
            "definition": "Political parties, elections or candidates.",
            "examples": ["Who should I vote for?"],
            "type": "DENY",
        }
    ]
    assert inputs["wordPolicyConfig"] == {
        "wordsConfigs": [{"text": "politics"}],
        "managedWordListsConfigs": [{"type": "PROFANITY"}],
    }
    assert inputs["sensitiveInformationPolicyConfig"]["piiEntitiesConfigs"] == [
        {"type": "EMAIL", "action": "ANONYMIZE"},
        {"type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCK"},
    ]
    assert (inputs["blockedInputMessaging"], inputs["blockedOutputsMessaging"]) == ("no in", "no out")
    assert inputs["kmsKeyArn"] == ARGS.kms_key_arn and inputs["tags"] == {"team": "a"}


def test_a_version_is_published_from_the_guardrail(run):
    recording = run(lambda: Guardrail("bot", ARGS))
    version = one(recording, "aws:bedrock/guardrailVersion:GuardrailVersion")
    assert version["inputs"]["guardrailArn"] == "${bot-guardrail.guardrailArn}"
    assert version["parent"] == "bot" and policy_digest(ARGS) in version["inputs"]["description"]


def test_a_policy_change_publishes_a_new_version():
    changed = GuardrailArgs(**{**ARGS.__dict__, "blocked_words": ("politics", "elections")})
    assert policy_digest(changed) != policy_digest(ARGS)
    assert policy_digest(GuardrailArgs(**ARGS.__dict__)) == policy_digest(ARGS)


def test_empty_policies_are_left_out(run):
    recording = run(lambda: Guardrail("bot", GuardrailArgs(content_filters={"hate": "low"})))
    inputs = one(recording, "aws:bedrock/guardrail:Guardrail")["inputs"]
    assert (
        "topicPolicyConfig" not in inputs
        and "wordPolicyConfig" not in inputs
        and "sensitiveInformationPolicyConfig" not in inputs
    )
