from deepseek_deploy.components import ServerlessModel, ServerlessModelArgs

from .conftest import of_type, one


def test_a_cross_region_profile_allows_every_destination_region(run):
    args = ServerlessModelArgs(
        region="us-west-2",
        model_id="deepseek.r1-v1:0",
        profile_id="us.deepseek.r1-v1:0",
        destination_regions=("us-east-1", "us-east-2", "us-west-2"),
        tags={"t": "v"},
    )
    recording = run(lambda: ServerlessModel("bot", args).resource_arns)
    profile = one(recording, "aws:bedrock/inferenceProfile:InferenceProfile")
    assert profile["inputs"]["modelSource"] == {
        "copyFrom": "arn:aws:bedrock:us-west-2:${account_id}:inference-profile/us.deepseek.r1-v1:0"
    }
    assert profile["inputs"]["tags"] == {"t": "v"} and profile["parent"] == "bot"
    assert recording.value == [
        "${bot-profile.arn}",
        "arn:aws:bedrock:us-west-2:${account_id}:inference-profile/us.deepseek.r1-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0",
        "arn:aws:bedrock:us-east-2::foundation-model/deepseek.r1-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/deepseek.r1-v1:0",
    ]


def test_an_in_region_model_without_a_cost_profile(run):
    args = ServerlessModelArgs(region="us-east-1", model_id="deepseek.v3.2", cost_profile=False)
    recording = run(lambda: [ServerlessModel("bot", args).invoke_model_id])
    assert of_type(recording, "aws:bedrock/inferenceProfile:InferenceProfile") == []
    assert recording.value == ["deepseek.v3.2"]
