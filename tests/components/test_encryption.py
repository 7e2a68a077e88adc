from deepseek_deploy.components import EncryptionKey, EncryptionKeyArgs

from .conftest import one, policy


def test_the_key_rotates_and_lets_only_the_named_services_use_it(run):
    args = EncryptionKeyArgs(
        region="us-west-2",
        description="d",
        service_principals=("logs.us-west-2.amazonaws.com", "bedrock.amazonaws.com"),
        tags={"a": "b"},
        protect=True,
    )
    recording = run(lambda: EncryptionKey("bot", args))
    key = one(recording, "aws:kms/key:Key")
    assert key["inputs"]["enableKeyRotation"] is True and key["inputs"]["deletionWindowInDays"] == 30
    statements = {s["Sid"]: s for s in policy(key)["Statement"]}
    assert statements["AccountAdministersTheKey"]["Principal"] == {"AWS": "arn:aws:iam::${account_id}:root"}
    logs = statements["ServiceUseLogs"]
    assert logs["Principal"] == {"Service": "logs.us-west-2.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-west-2:${account_id}:log-group:*"}
    }
    assert statements["ServiceUseBedrock"]["Condition"] == {"StringEquals": {"aws:SourceAccount": "${account_id}"}}
    assert one(recording, "aws:kms/alias:Alias")["inputs"]["name"] == "alias/deepseek-deploy/bot"
