import pytest

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


@pytest.fixture
def deploying_account(monkeypatch):
    """The account the mock runtime's GetCallerIdentity returns (`deploy plan` has none: `${account_id}`)."""
    from deepseek_deploy.stacks.run import recorder

    def set_account(account: str) -> None:
        monkeypatch.setattr(recorder, "ACCOUNT", account)

    return set_account


@pytest.mark.parametrize("account", [None, "123456789012"], ids=["plan-without-account", "same-account"])
def test_principals_of_the_deploying_account_get_the_policy_attached(run, deploying_account, account):
    if account:
        deploying_account(account)
    principals = ("arn:aws:iam::123456789012:role/team/app", "arn:aws:iam::123456789012:user/alice")
    recording = run(
        lambda: {
            "invoker": InvokeAccess("bot", InvokeAccessArgs(resource_arns=ARNS, principals=principals)).invoker_role_arn
        }
    )
    role = one(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    user = one(recording, "aws:iam/userPolicyAttachment:UserPolicyAttachment")
    assert (role["name"], role["inputs"]) == ("bot-role-0", {"role": "app", "policyArn": "${bot-invoke.arn}"})
    assert (user["name"], user["inputs"]) == ("bot-user-1", {"user": "alice", "policyArn": "${bot-invoke.arn}"})
    assert all(r["parent"] == "bot" for r in of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert of_type(recording, "aws:iam/role:Role") == [] and recording.value == {"invoker": None}


def test_principals_of_other_accounts_assume_an_invoker_role_instead(run, deploying_account):
    """The old component attached the policy to a role or user of the *deploying* account with the same name.

    That missed the caller, and granted invocation to whichever identity of that name the deploying account had.
    """
    deploying_account("111122223333")
    principals = (
        "arn:aws:iam::444455556666:role/partner/app",
        "arn:aws:iam::111122223333:role/local-app",
        "arn:aws:iam::777788889999:user/bob",
        "arn:aws:iam::444455556666:role/partner/app",
    )
    recording = run(
        lambda: {
            "invoker": InvokeAccess("bot", InvokeAccessArgs(resource_arns=ARNS, principals=principals)).invoker_role_arn
        }
    )
    attachments = of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [(r["name"], r["inputs"]) for r in attachments] == [
        ("bot-invoker-invoke", {"role": "bot-invoker", "policyArn": "${bot-invoke.arn}"}),
        ("bot-role-1", {"role": "local-app", "policyArn": "${bot-invoke.arn}"}),
    ]
    assert of_type(recording, "aws:iam/userPolicyAttachment:UserPolicyAttachment") == []
    role = one(recording, "aws:iam/role:Role")
    assert role["parent"] == "bot" and role["inputs"]["name"] == "bot-invoker"
    assert policy(role, "assumeRolePolicy") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeToInvokeThisDeployment",
                "Effect": "Allow",
                "Principal": {
                    "AWS": ["arn:aws:iam::444455556666:role/partner/app", "arn:aws:iam::777788889999:user/bob"]
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
    assert "inlinePolicies" not in role["inputs"] and "managedPolicyArns" not in role["inputs"]
    assert recording.value == {"invoker": "${bot-invoker.arn}"}


def test_the_invoker_role_name_fits_iam(run, deploying_account):
    deploying_account("111122223333")
    args = InvokeAccessArgs(
        resource_arns=ARNS, principals=("arn:aws:iam::444455556666:role/app",), invoker_role_name="n" * 70 + "-invoker"
    )
    name = one(run(lambda: InvokeAccess("bot", args)), "aws:iam/role:Role")["inputs"]["name"]
    assert len(name) == 64 and name.startswith("n" * 50)


def test_principal_accounts_are_read_from_the_arn():
    from deepseek_deploy.components.access import principal_account, split_principals

    assert principal_account("arn:aws:iam::123456789012:role/a/b") == "123456789012"
    principals = ["arn:aws:iam::111122223333:user/u", "arn:aws:iam::444455556666:role/r"]
    assert split_principals(principals, "111122223333") == ([0], ["arn:aws:iam::444455556666:role/r"])
    assert split_principals(principals, "${account_id}") == ([0, 1], [])


def test_enforcement_without_a_guardrail_is_refused():
    from deepseek_deploy.components.access import invoke_statements

    with pytest.raises(ValueError, match="guardrail"):
        invoke_statements(InvokeAccessArgs(resource_arns=ARNS, enforce_guardrail=True))
