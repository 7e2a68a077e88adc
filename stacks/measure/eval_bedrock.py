"""`deploy eval --bedrock-job`: Amazon Bedrock model evaluation jobs (CreateEvaluationJob) beside the local scoring.

API: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateEvaluationJob.html. One model per
automatic job, so each deployment gets its own job:
- a deployment Bedrock can call (an inference profile or foundation model, an imported model ARN, a
  SageMaker endpoint ARN) is evaluated by Bedrock itself: an automatic job on the question-and-answer
  task with the built-in accuracy, robustness and toxicity metrics;
- any other (self-hosted, an endpoint named by hand) is evaluated from its precomputed responses
  ("bring your own inference responses"): the answers `eval` already got go into the prompt dataset
  as `modelResponses`, and a Bedrock evaluator model grades them for correctness and completeness.

The prompt dataset is JSONL in S3: `prompt`, `referenceResponse` (the reference, when there is one),
`category` (the dataset's `match`), and with precomputed responses `modelResponses: [{response,
modelIdentifier}]`, where `modelIdentifier` equals the job's `inferenceSourceIdentifier`. Bedrock takes at
most 1,000 prompts per job. The role and the bucket belong to a stack of their own (not built here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Optional

from ..errors import BAD_INPUT, DeployError
from .dataset import Prompt

MAX_PROMPTS = 1000
AUTOMATIC_METRICS = ("Builtin.Accuracy", "Builtin.Robustness", "Builtin.Toxicity")
JUDGED_METRICS = ("Builtin.Correctness", "Builtin.Completeness")
TASK = "QuestionAndAnswer"
BEDROCK_IDENTIFIER = re.compile(
    r"^(arn:aws(-[^:]+)?:(bedrock|sagemaker):|[a-z]{2,4}\.[a-z0-9-]+\.|[a-z0-9-]+\.[a-z0-9-])"
)


def job_name(deployment: str, stamp: str) -> str:
    """A valid job name (`[a-z0-9](-*[a-z0-9]){0,62}`): the deployment and a time stamp, lower case."""
    base = re.sub(r"[^a-z0-9]+", "-", f"{deployment}-eval-{stamp}".lower()).strip("-")
    return base[:63].rstrip("-") or "eval"


def source_name(deployment: str) -> str:
    """A precomputed source identifier (`[a-zA-Z0-9][a-zA-Z0-9._-]{0,255}`)."""
    cleaned = re.sub(r"[^a-zA-Z0-9._-]+", "-", deployment).lstrip("._-")
    return (cleaned or "model")[:256]


def evaluable(model_identifier: Optional[str]) -> bool:
    """Whether Bedrock can call this model itself (else the job uses precomputed responses)."""
    return bool(model_identifier) and BEDROCK_IDENTIFIER.match(model_identifier or "") is not None


def dataset_lines(
    prompts: Sequence[Prompt], responses: Optional[Sequence[str]] = None, source: Optional[str] = None
) -> str:
    """The prompt dataset as JSONL; with `responses` (one per prompt) and `source`, the precomputed form."""
    if len(prompts) > MAX_PROMPTS:
        raise DeployError(f"--bedrock-job: Bedrock takes at most {MAX_PROMPTS} prompts per job, got {len(prompts)}")
    if responses is not None and (source is None or len(responses) != len(prompts)):
        raise DeployError(
            "--bedrock-job: precomputed responses need a source name and one answer per prompt", BAD_INPUT
        )
    lines = []
    for i, prompt in enumerate(prompts):
        row: dict[str, Any] = {"prompt": prompt.text, "category": prompt.match}
        if prompt.answer is not None and prompt.match != "regex":  # a pattern is not a reference answer
            row["referenceResponse"] = prompt.answer
        if responses is not None:
            row["modelResponses"] = [{"response": responses[i], "modelIdentifier": source}]
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _dataset(name: str, dataset_s3: str, metrics: Sequence[str]) -> dict[str, Any]:
    dataset_name = re.sub(r"[^0-9a-zA-Z._-]+", "-", name)[:63] or "dataset"
    return {
        "taskType": TASK,
        "dataset": {"name": dataset_name, "datasetLocation": {"s3Uri": dataset_s3}},
        "metricNames": list(metrics),
    }


def automatic_request(
    *,
    name: str,
    model_identifier: str,
    role_arn: str,
    dataset_name: str,
    dataset_s3: str,
    output_s3: str,
    max_tokens: int,
) -> dict[str, Any]:
    """CreateEvaluationJob for a model Bedrock calls itself: one model, built-in automatic metrics."""
    params = {"inferenceConfig": {"maxTokens": max_tokens, "temperature": 0}}
    return {
        "jobName": name,
        "roleArn": role_arn,
        "applicationType": "ModelEvaluation",
        "evaluationConfig": {
            "automated": {"datasetMetricConfigs": [_dataset(dataset_name, dataset_s3, AUTOMATIC_METRICS)]}
        },
        "inferenceConfig": {
            "models": [{"bedrockModel": {"modelIdentifier": model_identifier, "inferenceParams": json.dumps(params)}}]
        },
        "outputDataConfig": {"s3Uri": output_s3},
    }


def precomputed_request(
    *,
    name: str,
    source: str,
    evaluator_model: str,
    role_arn: str,
    dataset_name: str,
    dataset_s3: str,
    output_s3: str,
) -> dict[str, Any]:
    """CreateEvaluationJob for responses already gathered: an evaluator model grades them (model as a judge)."""
    return {
        "jobName": name,
        "roleArn": role_arn,
        "applicationType": "ModelEvaluation",
        "evaluationConfig": {
            "automated": {
                "datasetMetricConfigs": [_dataset(dataset_name, dataset_s3, JUDGED_METRICS)],
                "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": evaluator_model}]},
            }
        },
        "inferenceConfig": {"models": [{"precomputedInferenceSource": {"inferenceSourceIdentifier": source}}]},
        "outputDataConfig": {"s3Uri": output_s3},
    }


def start(client: Any, request: dict[str, Any]) -> str:
    """Start one job with a `bedrock` client; its ARN."""
    return str(client.create_evaluation_job(**request)["jobArn"])
