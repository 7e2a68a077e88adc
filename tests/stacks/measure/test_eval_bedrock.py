"""`--bedrock-job`: CreateEvaluationJob requests, one model per job, checked with botocore's Stubber against the
bedrock service model (a malformed request is refused before anything is sent), and the S3 prompt dataset."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from deepseek_deploy.stacks.measure.dataset import Prompt
from deepseek_deploy.stacks.measure.eval_bedrock import (
    automatic_request,
    dataset_lines,
    evaluable,
    job_name,
    precomputed_request,
    source_name,
    start,
)
from tests.fakes.stubbed import stubbed

ROLE = "arn:aws:iam::123456789012:role/deploy-eval"
JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/abcdefghijkl"
COMMON = {"role_arn": ROLE, "dataset_name": "builtin:routing", "output_s3": "s3://deploy-eval-bucket/results/"}


@pytest.fixture
def bedrock():
    with stubbed("bedrock") as pair:
        yield pair


def test_an_automatic_job_for_a_model_bedrock_calls(bedrock):
    client, stubber = bedrock
    request = automatic_request(
        name=job_name("R1 Serverless", "20261201T0300"),
        model_identifier="us.deepseek.r1-v1:0",
        dataset_s3="s3://deploy-eval-bucket/datasets/r1.jsonl",
        max_tokens=1024,
        **COMMON,
    )
    stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN}, request)
    assert start(client, request) == JOB_ARN
    assert request["jobName"] == "r1-serverless-eval-20261201t0300"
    assert [m["bedrockModel"]["modelIdentifier"] for m in request["inferenceConfig"]["models"]] == [
        "us.deepseek.r1-v1:0"
    ]
    config = request["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]
    assert config["dataset"]["name"] == "builtin-routing" and config["taskType"] == "QuestionAndAnswer"
    assert json.loads(request["inferenceConfig"]["models"][0]["bedrockModel"]["inferenceParams"]) == {
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0}
    }


def test_a_precomputed_job_for_a_self_hosted_model(bedrock):
    client, stubber = bedrock
    request = precomputed_request(
        name=job_name("qwen32-onprem", "20261201"),
        source=source_name("qwen32 onprem"),
        evaluator_model="us.anthropic.claude-3-5-haiku-20241022-v1:0",
        dataset_s3="s3://deploy-eval-bucket/datasets/qwen32.jsonl",
        **COMMON,
    )
    stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN}, request)
    assert start(client, request) == JOB_ARN
    assert request["inferenceConfig"]["models"] == [
        {"precomputedInferenceSource": {"inferenceSourceIdentifier": "qwen32-onprem"}}
    ]
    evaluator = request["evaluationConfig"]["automated"]["evaluatorModelConfig"]["bedrockEvaluatorModels"]
    assert len(evaluator) == 1


def test_the_service_model_refuses_a_malformed_request():
    client = boto3.client("bedrock", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN})  # would answer, were the request valid
    stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN})
    stubber.activate()
    request = automatic_request(
        name="x", model_identifier="us.deepseek.r1-v1:0", dataset_s3="s3://b/d.jsonl", max_tokens=8, **COMMON
    )
    del request["roleArn"]
    with pytest.raises(ParamValidationError, match="roleArn"):
        client.create_evaluation_job(**request)
    request = automatic_request(
        name="x", model_identifier="us.deepseek.r1-v1:0", dataset_s3="s3://b/d.jsonl", max_tokens=8, **COMMON
    )
    request["inferenceConfig"]["models"][0]["bedrockModel"]["inferenceParams"] = {"maxTokens": 8}  # must be a string
    with pytest.raises(ParamValidationError, match="inferenceParams"):
        client.create_evaluation_job(**request)


def test_which_models_bedrock_can_call():
    for identifier in (
        "us.deepseek.r1-v1:0",
        "deepseek.v3-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123def456",
        "arn:aws:sagemaker:us-west-2:123456789012:endpoint/bot",
    ):
        assert evaluable(identifier), identifier
    assert not evaluable(None) and not evaluable("http://127.0.0.1:8000/v1")


def test_the_s3_dataset_lines():
    prompts = [Prompt("2 + 2?", "4", "numeric"), Prompt("Sky?", "(?i)blue", "regex"), Prompt("Why?", None, "judge")]
    plain = [json.loads(line) for line in dataset_lines(prompts).splitlines()]
    assert plain == [
        {"prompt": "2 + 2?", "category": "numeric", "referenceResponse": "4"},
        {"prompt": "Sky?", "category": "regex"},
        {"prompt": "Why?", "category": "judge"},
    ]
    given = [json.loads(line) for line in dataset_lines(prompts, ["4", "blue", "because"], "qwen").splitlines()]
    assert given[2]["modelResponses"] == [{"response": "because", "modelIdentifier": "qwen"}]
    assert len(job_name("a" * 80, "x")) == 63
