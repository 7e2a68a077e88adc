import json

from deepseek_deploy.components import CustomModelImport, CustomModelImportArgs

from .conftest import of_type, one


def test_weights_already_in_s3_are_imported_from_there(run):
    args = CustomModelImportArgs(
        region="us-east-1",
        weights_source="s3://models/llama-8b/",
        kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
    )
    recording = run(lambda: CustomModelImport("bot", args), region="us-east-1")
    assert of_type(recording, "aws:s3/bucket:Bucket") == []
    job = one(recording, "pulumi-python:dynamic/deepseek:ModelImportJob")["inputs"]
    assert (
        job["s3_uri"] == "s3://models/llama-8b/"
        and job["imported_model_name"] == "bot"
        and job["kms_key_arn"].endswith("key/k")
    )
    role = one(recording, "aws:iam/role:Role")["inputs"]
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:bedrock:us-east-1:${account_id}:model-import-job/*"
    }
    reads = {s["Sid"]: s for s in json.loads(role["inlinePolicies"][0]["policy"])["Statement"]}
    assert reads["ReadWeights"]["Resource"] == "arn:aws:s3:::models/llama-8b/*"
    assert reads["ListWeights"]["Condition"] == {"StringLike": {"s3:prefix": ["llama-8b/*"]}}


def test_hugging_face_weights_go_through_a_private_bucket_and_an_upload(run):
    args = CustomModelImportArgs(
        region="us-east-1",
        weights_source="hf://deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
        protect=True,
        tags={"a": "b"},
    )
    recording = run(lambda: CustomModelImport("bot", args), region="us-east-1")
    bucket = one(recording, "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["forceDestroy"] is False and bucket["inputs"]["tags"] == {"a": "b"}
    assert (
        one(recording, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")["inputs"]["blockPublicPolicy"] is True
    )
    upload = one(recording, "pulumi-python:dynamic/deepseek:WeightsUpload")["inputs"]
    assert upload["source"] == "hf://deepseek-ai/DeepSeek-R1-Distill-Llama-8B" and upload["prefix"] == "weights"
    assert one(recording, "pulumi-python:dynamic/deepseek:ModelImportJob")["inputs"]["s3_uri"] == "${bot-upload.s3_uri}"


def test_model_names_without_repeated_dashes(run):
    recording = run(
        lambda: CustomModelImport("my--bot", CustomModelImportArgs(region="us-east-1", weights_source="s3://m/x/")),
        region="us-east-1",
    )
    assert one(recording, "pulumi-python:dynamic/deepseek:ModelImportJob")["inputs"]["imported_model_name"] == "my-bot"
