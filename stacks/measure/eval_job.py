"""`deploy eval --bedrock-job`, the flow: the eval stack's program and outputs, one CreateEvaluationJob per
deployment (eval_bedrock builds the requests), the wait for the jobs, and their results read back from S3.

The bucket and the role live in a stack of their own, `deepseek-<first spec's name>-eval`
(`eval_stack_project`), so `deploy destroy` can remove them. The engine (stacks/run/engine.py) brings it up;
every AWS call goes through clients passed in, so tests stub them (botocore Stubber, moto).

Results layout (https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-report-s3.html): under
the job's output URI, `<job-name>/<job-uuid>/models/<model-id>/taskTypes/<task>/datasets/<dataset>/
<file-uuid>_output.jsonl`, one JSON object per prompt whose `automatedEvaluationResult.scores` lists
`{metricName, result}`. The reader takes every `.jsonl` under `<output>/<job-name>/` and averages each
metric's numeric results, ignoring lines it does not understand, so a changed layout yields fewer metrics
rather than a failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import FAILED, DeployError
from . import eval_bedrock
from .dataset import Prompt

DATASETS, RESULTS = "datasets", "results"  # the prefixes the role may read and write (components/eval_access.py)
TERMINAL = ("Completed", "Failed", "Stopped", "Deleting")
# An evaluator (judge) model for jobs over precomputed responses; one of those the Bedrock user guide lists
# (https://docs.aws.amazon.com/bedrock/latest/userguide/judge-service-roles.html). Not every region has it.
DEFAULT_EVALUATOR = "mistral.mistral-large-2402-v1:0"
OUTPUT_KEYS = ("bucket", "role_arn")


def eval_stack_project(spec_name: str) -> str:
    """The Pulumi project of the eval stack of a first SPEC named `spec_name` (`deploy destroy` removes it)."""
    return f"deepseek-{spec_name}-eval"


def eval_settings(settings: Any, spec_name: str) -> Any:
    """A deployment's engine settings (stacks/run/engine.resolve: same stack, backend, secrets, region) moved to
    its eval stack; `deploy destroy` can run Engine(eval_settings(...), lambda: None, command).destroy()."""
    from dataclasses import replace

    return replace(settings, project=eval_stack_project(spec_name))


@dataclass(frozen=True)
class Access:
    """The eval stack's outputs a job needs."""

    bucket: str
    role_arn: str


def access_of(outputs: Mapping[str, Any]) -> Access:
    missing = [key for key in OUTPUT_KEYS if not outputs.get(key)]
    if missing:
        raise DeployError(f"the eval stack has no {', '.join(missing)} output; run `deploy eval --bedrock-job` again")
    return Access(str(outputs["bucket"]), str(outputs["role_arn"]))


def program(
    name: str, region: str, models: Sequence[str], profile_regions: Mapping[str, Sequence[str]]
) -> Callable[[], None]:
    """The eval stack's Pulumi program: EvalAccess, and its bucket, role and key as outputs."""

    def run() -> None:
        import pulumi

        from deepseek_deploy.components.eval_access import EvalAccess, EvalAccessArgs

        access = EvalAccess(
            f"{name}-eval",
            EvalAccessArgs(
                region=region,
                models=list(models),
                profile_regions={k: list(v) for k, v in profile_regions.items()},
                tags={"deepseek-deploy:eval": name},
            ),
        )
        pulumi.export("bucket", access.bucket)
        pulumi.export("role_arn", access.role_arn)
        pulumi.export("key_arn", access.key_arn)

    return run


@dataclass(frozen=True)
class Job:
    """One job to start: the deployment it evaluates, its request, and the dataset object it reads."""

    deployment: str
    request: dict[str, Any]
    dataset_key: str
    body: str


@dataclass(frozen=True)
class Subject:
    """A deployment as a job sees it: its name, what Bedrock calls (None: not Bedrock-callable) and its answers."""

    name: str
    model_identifier: Optional[str]
    answers: Sequence[Optional[str]]  # one per prompt, None where it failed


def plan_jobs(
    subjects: Sequence[Subject],
    prompts: Sequence[Prompt],
    access: Access,
    *,
    dataset: str,
    stamp: str,
    max_tokens: int,
    evaluator: str = DEFAULT_EVALUATOR,
) -> list[Job]:
    """One job per deployment: automatic where Bedrock can call the model, else over its precomputed answers
    (the prompts it failed on are left out: a precomputed row needs a response)."""
    jobs = []
    output = f"s3://{access.bucket}/{RESULTS}/"
    for subject in subjects:
        name = eval_bedrock.job_name(subject.name, stamp)
        key = f"{DATASETS}/{name}.jsonl"
        common = {"name": name, "role_arn": access.role_arn, "dataset_name": dataset, "output_s3": output}
        location = f"s3://{access.bucket}/{key}"
        if eval_bedrock.evaluable(subject.model_identifier):
            body = eval_bedrock.dataset_lines(prompts)
            request = eval_bedrock.automatic_request(
                model_identifier=str(subject.model_identifier), dataset_s3=location, max_tokens=max_tokens, **common
            )
        else:
            answered = [(p, a) for p, a in zip(prompts, subject.answers, strict=False) if a is not None]
            if not answered:
                raise DeployError(f"--bedrock-job: {subject.name} answered no prompt; nothing to evaluate", FAILED)
            source = eval_bedrock.source_name(subject.name)
            body = eval_bedrock.dataset_lines([p for p, _ in answered], [a for _, a in answered], source)
            request = eval_bedrock.precomputed_request(
                source=source, evaluator_model=evaluator, dataset_s3=location, **common
            )
        jobs.append(Job(subject.name, request, key, body))
    return jobs


def start(s3: Any, bedrock: Any, bucket: str, jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """Upload each job's dataset, then start it; the report's `bedrock_jobs` entries (status InProgress)."""
    started = []
    for job in jobs:
        s3.put_object(Bucket=bucket, Key=job.dataset_key, Body=job.body.encode(), ContentType="application/jsonl")
        arn = eval_bedrock.start(bedrock, job.request)
        started.append(
            {"deployment": job.deployment, "name": job.request["jobName"], "arn": arn, "status": "InProgress"}
        )
    return started


def wait(
    bedrock: Any,
    arns: Sequence[str],
    duration: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first: float = 15.0,
    cap: float = 120.0,
) -> dict[str, str]:
    """Poll GetEvaluationJob until every job ends or `duration` seconds pass; the last status of each.
    The pause doubles from `first` up to `cap` (jobs take minutes to hours) and never overruns the deadline."""
    deadline = clock() + duration
    status = dict.fromkeys(arns, "InProgress")
    pause = first
    while True:
        for arn in [a for a, s in status.items() if s not in TERMINAL]:
            status[arn] = str(bedrock.get_evaluation_job(jobIdentifier=arn)["status"])
        left = deadline - clock()
        if all(s in TERMINAL for s in status.values()) or left <= 0:
            return status
        sleep(min(pause, left))
        pause = min(pause * 2, cap)


def _s3_location(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix


def metrics(s3: Any, output_uri: str, job_name: str) -> dict[str, float]:
    """Each metric's mean over the job's result files (the layout in the module docstring)."""
    bucket, prefix = _s3_location(output_uri)
    prefix = f"{prefix.rstrip('/')}/{job_name}/" if prefix.strip("/") else f"{job_name}/"
    sums: dict[str, list[float]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not str(item["Key"]).endswith(".jsonl"):
                continue
            text = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8", "replace")
            for name, value in scores(text):
                sums.setdefault(name, []).append(value)
    return {name: round(sum(values) / len(values), 4) for name, values in sorted(sums.items())}


def scores(text: str) -> list[tuple[str, float]]:
    """(metric, numeric result) pairs of a result file's lines; what is not understood is skipped."""
    found = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        result = record.get("automatedEvaluationResult") if isinstance(record, dict) else None
        listed = result.get("scores") if isinstance(result, dict) else None
        for score in listed if isinstance(listed, list) else []:
            value = score.get("result") if isinstance(score, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and score.get("metricName"):
                found.append((str(score["metricName"]), float(value)))
    return found


def fetch(bedrock: Any, s3: Any, arn: str) -> dict[str, Any]:
    """One `bedrock_jobs` entry from the job's state: its metrics when it has completed."""
    job = bedrock.get_evaluation_job(jobIdentifier=arn)
    entry: dict[str, Any] = {"name": job["jobName"], "arn": job["jobArn"], "status": job["status"]}
    if job["status"] == "Completed":
        entry["metrics"] = metrics(s3, job["outputDataConfig"]["s3Uri"], job["jobName"])
    elif job.get("failureMessages"):
        entry["failure"] = list(job["failureMessages"])
    return entry


def fetch_hint(spec: str, arns: Sequence[str]) -> str:
    """How to read the results later, when `--wait` did not."""
    flags = " ".join(f"--fetch {arn}" for arn in arns)
    return f"deploy eval {spec} {flags}"
