from deepseek_deploy.components import InvokeAccess, InvokeAccessArgs

from .conftest import actions_of, of_type, one, policy, resources_of

ARNS = ["arn:aws:bedrock:us-west-2::foundation-model/deepseek.r1-v1:0"]


def test_without_enforcement_the_policy_allows_exactly_the_deployment(run):
    recording = run(
        lambda: InvokeAccess("bot", InvokeAccessArgs(resource_arns=ARNS, guardrail_arn="arn:g", guardrail_version="1"))
    )
    statements = policy(one(recording, "aws:iam/policy:Policy"))["Statement"]
    assert statements == [
        {
            "Sid": "InvokeThisDeployment",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": ARNS,
        },
        {"Sid": "ApplyThisGuardrail", "Effect": "Allow", "Action": ["bedrock:ApplyGuardrail"], "Resource": ["arn:g"]},
    ]


def test_enforcement_conditions_the_allow_and_adds_an_explicit_deny(run):
    args = InvokeAccessArgs(resource_arns=ARNS, guardrail_arn="arn:g", guardrail_version="3", enforce_guardrail=True)
    statements = policy(one(run(lambda: InvokeAccess("bot", args)), "aws:iam/policy:Policy"))["Statement"]
    allow, deny = statements[0], statements[-1]
    assert allow["Condition"] == {"StringEquals": {"bedrock:GuardrailIdentifier": "arn:g:3"}}
    assert deny == {
        "Sid": "DenyInvokeWithoutThisGuardrail",
        "Effect": "Deny",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        "Resource": ARNS,
        "Condition": {"StringNotEquals": {"bedrock:GuardrailIdentifier": "arn:g:3"}},
    }


def test_no_wildcards_anywhere(run):
    args = InvokeAccessArgs(resource_arns=ARNS, guardrail_arn="arn:g", guardrail_version="3", enforce_guardrail=True)
    for statement in policy(one(run(lambda: InvokeAccess("bot", args)), "aws:iam/policy:Policy"))["Statement"]:
        assert all(action != "*" and not action.endswith(":*") for action in actions_of(statement))
        assert "*" not in resources_of(statement)


def test_principals_get_the_policy_attached(run):
    principals = ("arn:aws:iam::123456789012:role/team/app", "arn:aws:iam::123456789012:user/alice")
    recording = run(lambda: InvokeAccess("bot", InvokeAccessArgs(resource_arns=ARNS, principals=principals)))
    role = one(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")["inputs"]
    user = one(recording, "aws:iam/userPolicyAttachment:UserPolicyAttachment")["inputs"]
    assert role == {"role": "app", "policyArn": "${bot-invoke.arn}"}
    assert user == {"user": "alice", "policyArn": "${bot-invoke.arn}"}
    assert all(r["parent"] == "bot" for r in of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"))


def test_enforcement_without_a_guardrail_is_refused():
    import pytest

    from deepseek_deploy.components.access import invoke_statements

    with pytest.raises(ValueError, match="guardrail"):
        invoke_statements(InvokeAccessArgs(resource_arns=ARNS, enforce_guardrail=True))
