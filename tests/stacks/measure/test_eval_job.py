"""`--bedrock-job`'s flow: the eval stack's name, one job per deployment (automatic where Bedrock calls the
model, else over the answers `eval` got), the datasets uploaded (moto) before each CreateEvaluationJob
(Stubber, which checks every request against the bedrock service model), the bounded wait with backoff, and
the results read back from the documented S3 layout."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from moto import mock_aws

from deepseek_deploy.stacks.errors import DeployError
from deepseek_deploy.stacks.measure.dataset import Prompt
from deepseek_deploy.stacks.measure.eval_job import (
    Access,
    Subject,
    access_of,
    eval_settings,
    eval_stack_project,
    fetch,
    fetch_hint,
    metrics,
    plan_jobs,
    scores,
    start,
    wait,
)
from tests.fakes.stubbed import stubbed

ACCESS = Access("deploy-eval-data", "arn:aws:iam::123456789012:role/bot-eval-role")
PROMPTS = [Prompt("What is 2 + 2?", "4", "numeric"), Prompt("Name a colour.", None, "judge")]
ARN = "arn:aws:bedrock:us-west-2:123456789012:evaluation-job/{}"
SUBJECTS = [
    Subject("r1", "us.deepseek.r1-v1:0", ["4", "red"]),
    Subject("distill", None, ["4", None]),  # self-hosted: Bedrock cannot call it; it failed the second prompt
]


@pytest.fixture
def bedrock():
    with stubbed("bedrock", "us-west-2") as pair:
        yield pair


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-west-2")
        client.create_bucket(Bucket=ACCESS.bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield client


def job(name: str, status: str, **extra) -> dict:
    """A GetEvaluationJob response with the members the service model requires."""
    return {
        "jobName": name,
        "status": status,
        "jobArn": ARN.format(name),
        "roleArn": ACCESS.role_arn,
        "jobType": "Automated",
        "evaluationConfig": {
            "automated": {
                "datasetMetricConfigs": [
                    {
                        "taskType": "QuestionAndAnswer",
                        "dataset": {
                            "name": "d",
                            "datasetLocation": {"s3Uri": f"s3://{ACCESS.bucket}/datasets/d.jsonl"},
                        },
                        "metricNames": ["Builtin.Accuracy"],
                    }
                ]
            }
        },
        "inferenceConfig": {"models": [{"bedrockModel": {"modelIdentifier": "us.deepseek.r1-v1:0"}}]},
        "outputDataConfig": {"s3Uri": f"s3://{ACCESS.bucket}/results/"},
        "creationTime": datetime.datetime(2026, 12, 1),
        **extra,
    }


def test_the_eval_stack_is_named_after_the_first_spec():
    from deepseek_deploy.stacks.run.engine import EngineSettings

    assert eval_stack_project("bot") == "deepseek-bot-eval"
    base = EngineSettings("deepseek-bot", "prod", "file:///s", None, {"aws:region": "us-west-2"}, {})
    moved = eval_settings(base, "bot")
    assert (moved.project, moved.stack, moved.backend_url, moved.config) == (
        "deepseek-bot-eval",
        "prod",
        "file:///s",
        base.config,
    )
    assert access_of({"bucket": "b", "role_arn": "r", "key_arn": "k"}) == Access("b", "r")
    with pytest.raises(DeployError, match="no role_arn output"):
        access_of({"bucket": "b"})


def test_one_job_per_deployment_uploaded_then_started(bedrock, s3):
    client, stubber = bedrock
    jobs = plan_jobs(SUBJECTS, PROMPTS, ACCESS, dataset="builtin:arithmetic", stamp="20261201t0400", max_tokens=512)
    automatic, precomputed = jobs
    assert automatic.request["inferenceConfig"]["models"][0]["bedrockModel"]["modelIdentifier"] == "us.deepseek.r1-v1:0"
    assert precomputed.request["inferenceConfig"]["models"][0]["precomputedInferenceSource"] == {
        "inferenceSourceIdentifier": "distill"
    }
    for planned in jobs:
        assert planned.request["roleArn"] == ACCESS.role_arn
        assert planned.request["outputDataConfig"] == {"s3Uri": "s3://deploy-eval-data/results/"}
        location = planned.request["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["dataset"]
        assert location["datasetLocation"]["s3Uri"] == f"s3://deploy-eval-data/{planned.dataset_key}"
        assert planned.dataset_key.startswith("datasets/")
        stubber.add_response(
            "create_evaluation_job", {"jobArn": ARN.format(planned.request["jobName"])}, planned.request
        )
    started = start(s3, client, ACCESS.bucket, jobs)
    assert [(e["deployment"], e["status"]) for e in started] == [("r1", "InProgress"), ("distill", "InProgress")]
    assert started[0]["arn"] == ARN.format("r1-eval-20261201t0400")
    rows = s3.get_object(Bucket=ACCESS.bucket, Key=precomputed.dataset_key)["Body"].read().decode().splitlines()
    # Only the prompt the self-hosted model answered, with its answer as the precomputed response.
    assert [json.loads(r) for r in rows] == [
        {
            "prompt": "What is 2 + 2?",
            "category": "numeric",
            "referenceResponse": "4",
            "modelResponses": [{"response": "4", "modelIdentifier": "distill"}],
        }
    ]
    assert len(s3.get_object(Bucket=ACCESS.bucket, Key=automatic.dataset_key)["Body"].read().splitlines()) == 2


def test_a_deployment_with_no_answer_cannot_be_evaluated_from_its_responses():
    with pytest.raises(DeployError, match="answered no prompt"):
        plan_jobs([Subject("x", None, [None, None])], PROMPTS, ACCESS, dataset="d", stamp="s", max_tokens=1)


def test_the_wait_backs_off_and_stops_at_the_deadline(bedrock):
    client, stubber = bedrock
    now = [0.0]
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        now[0] += seconds

    for status in ("InProgress", "InProgress", "InProgress", "Completed"):
        stubber.add_response("get_evaluation_job", job("a", status), {"jobIdentifier": ARN.format("a")})
    assert wait(client, [ARN.format("a")], 600, sleep=sleep, clock=lambda: now[0]) == {ARN.format("a"): "Completed"}
    assert pauses == [15, 30, 60]
    pauses.clear()
    now[0] = 0.0
    for _ in range(4):  # at 0, 15, 45 and at the deadline (50)
        stubber.add_response("get_evaluation_job", job("b", "InProgress"), {"jobIdentifier": ARN.format("b")})
    # --duration 50: 15 + 30, then only the 5 s left; the job is still running when the time is up.
    assert wait(client, [ARN.format("b")], 50, sleep=sleep, clock=lambda: now[0]) == {ARN.format("b"): "InProgress"}
    assert pauses == [15, 30, 5]


# One line of an automatic job's result file, as the Bedrock user guide shows it (model-evaluation-report-s3.html):
# automatedEvaluationResult.scores, then inputRecord and modelResponses.
RESULT_LINE = {
    "automatedEvaluationResult": {"scores": [{"metricName": "Accuracy", "result": 1}]},
    "inputRecord": {"prompt": "What is 2 + 2?", "referenceResponse": "4"},
    "modelResponses": [{"response": "4", "modelIdentifier": "us.deepseek.r1-v1:0"}],
}


def test_results_are_read_from_the_documented_layout(bedrock, s3):
    client, stubber = bedrock
    name = "r1-eval-20261201t0400"
    key = f"results/{name}/0f1e/models/us.deepseek.r1-v1:0/taskTypes/QuestionAndAnswer/datasets/d/9a_output.jsonl"
    second = {"automatedEvaluationResult": {"scores": [{"metricName": "Accuracy", "result": 0}]}}
    third = {"automatedEvaluationResult": {"scores": [{"metricName": "Robustness", "result": 0.25}]}}
    body = "\n".join([json.dumps(RESULT_LINE), "not json", json.dumps(second), json.dumps(third)])
    s3.put_object(Bucket=ACCESS.bucket, Key=key, Body=body.encode())
    s3.put_object(Bucket=ACCESS.bucket, Key=f"results/other-job/x/{name}.jsonl", Body=json.dumps(RESULT_LINE).encode())
    assert metrics(s3, f"s3://{ACCESS.bucket}/results/", name) == {"Accuracy": 0.5, "Robustness": 0.25}
    stubber.add_response("get_evaluation_job", job(name, "Completed"), {"jobIdentifier": ARN.format(name)})
    assert fetch(client, s3, ARN.format(name)) == {
        "name": name,
        "arn": ARN.format(name),
        "status": "Completed",
        "metrics": {"Accuracy": 0.5, "Robustness": 0.25},
    }
    stubber.add_response(
        "get_evaluation_job", job("f", "Failed", failureMessages=["AccessDenied"]), {"jobIdentifier": ARN.format("f")}
    )
    assert fetch(client, s3, ARN.format("f"))["failure"] == ["AccessDenied"]


def test_the_score_reader_skips_what_it_does_not_understand():
    lines = ['{"automatedEvaluationResult": {"scores": [{"metricName": "A", "result": true}, {"result": 1}]}}', "[]"]
    assert scores("\n".join(lines)) == []
    assert fetch_hint("bot.yaml", ["a1", "a2"]) == "deploy eval bot.yaml --fetch a1 --fetch a2"
