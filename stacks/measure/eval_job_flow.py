"""`deploy eval --bedrock-job` end to end, after the local run: the eval stack's outputs, one job per deployment,
and (with `--wait`) their results; the CLI passes in the engine, the AWS clients and the run's rows.

AWS refusals (access denied, a model not enabled in the account, throttling) become exit 1 naming the step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Optional

from ..errors import FAILED, DeployError
from . import eval_job
from .dataset import Prompt
from .eval_run import Row

Notify = Callable[[str], None]


@contextmanager
def aws_errors(step: str) -> Iterator[None]:
    """A botocore error as a DeployError (exit 1) saying what was being done."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise DeployError(f"--bedrock-job: {step} failed: {error}", FAILED) from None


def subjects(deployments: Sequence[Any], rows: Mapping[str, Sequence[Row]], count: int) -> list[eval_job.Subject]:
    """Each deployment with what Bedrock would call and its answer per prompt (None where it failed)."""
    found = []
    for deployment in deployments:
        answered = {row.index: row.answer.answer for row in rows[deployment.name] if row.answer}
        answers = [answered.get(i) for i in range(count)]
        found.append(eval_job.Subject(deployment.name, deployment.target.model_id, answers))
    return found


def run(
    engine: Any,
    clients: Callable[[str], tuple[Any, Any]],
    jobs_of: Callable[[eval_job.Access], list[eval_job.Job]],
    *,
    first: str,
    wait: bool,
    duration: float,
    notify: Notify,
) -> list[dict[str, Any]]:
    """Bring the eval stack up (`engine.up()`), start the jobs `jobs_of` plans, and (with `wait`) read them."""
    notify(f"bedrock jobs: bringing up the eval stack {engine.settings.project}")
    access = eval_job.access_of(engine.up().outputs)
    jobs = jobs_of(access)
    bedrock, s3 = clients(engine.settings.config["aws:region"])
    with aws_errors("starting the Bedrock evaluation jobs"):
        started = eval_job.start(s3, bedrock, access.bucket, jobs)
    arns = [entry["arn"] for entry in started]
    if not wait:
        notify(f"bedrock jobs started; fetch their results when done: {eval_job.fetch_hint(first, arns)}")
        return started
    notify(f"bedrock jobs: waiting at most {duration:g} s for {len(arns)} job(s)")
    with aws_errors("reading the Bedrock evaluation jobs"):
        eval_job.wait(bedrock, arns, duration)
        return [{"deployment": e["deployment"], **eval_job.fetch(bedrock, s3, e["arn"])} for e in started]


def plan(
    prompts: Sequence[Prompt],
    found: Sequence[eval_job.Subject],
    *,
    dataset: str,
    stamp: str,
    max_tokens: int,
    evaluator: str,
) -> Callable[[eval_job.Access], list[eval_job.Job]]:
    """`jobs_of` for `run`: the jobs once the eval stack's bucket and role are known."""
    return lambda access: eval_job.plan_jobs(
        found, prompts, access, dataset=dataset, stamp=stamp, max_tokens=max_tokens, evaluator=evaluator
    )


def lines(jobs: Optional[Sequence[Mapping[str, Any]]]) -> list[str]:
    """The jobs under the table: name, status, metrics, ARN."""
    shown = []
    for job in jobs or []:
        metrics = ", ".join(f"{k} {v:g}" for k, v in (job.get("metrics") or {}).items())
        shown.append(f"bedrock job {job['name']}: {job['status']}{': ' + metrics if metrics else ''} ({job['arn']})")
    return shown
