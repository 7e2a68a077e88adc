"""One request to a deployment, the same way for the four modes: `invoke(target, request) -> Answer`.

The mode picks the client (serverless: Converse; marketplace and custom-import: InvokeModel with the
container's or the architecture's body; self-hosted and `--endpoint`: OpenAI chat completions). Where
the endpoint cannot apply the spec's guardrail itself (marketplace, self-hosted), ApplyGuardrail checks
the prompt before the call and the answer after it; the answer is then handed to `on_delta` only once
it passed, so nothing the guardrail would stop is shown first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Optional

from ..errors import DeployError
from . import custom_import, guardrail, marketplace, openai_compat, serverless
from .answer import ANSWER, INTERVENED, NONE, REASONING, Answer, Notify, OnDelta, Outcome, Recorder
from .conversation import USER, Turn
from .failures import from_aws
from .request import Request
from .target import BEDROCK_MODES, Target

READ_TIMEOUT_S = 300  # a long reasoning reply, not streamed, arrives at the end


def bedrock_client(region: str, *, profile: Optional[str] = None, attempts: int = 3) -> Any:
    """A bedrock-runtime client. `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points it elsewhere (tests)."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    config = Config(
        read_timeout=READ_TIMEOUT_S, connect_timeout=10, retries={"mode": "standard", "total_max_attempts": attempts}
    )
    return session.client("bedrock-runtime", region_name=region, config=config)


def checks_guardrail(target: Target) -> bool:
    """Whether the caller applies the guardrail (ApplyGuardrail) because the endpoint cannot."""
    return target.guardrail is not None and not target.guardrail.applied_by_call


def invoke(
    target: Target,
    request: Request,
    *,
    on_delta: Optional[OnDelta] = None,
    bedrock: Any = None,
    profile: Optional[str] = None,
    notify: Optional[Notify] = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Call the target once. Failures raise `DeployError` (exit 1, or 3 for AWS credentials)."""
    checked = checks_guardrail(target)
    if bedrock is None and (target.mode in BEDROCK_MODES or checked):
        # Our own backoff handles a cold custom-import model, with a visible message.
        attempts = 1 if target.mode == "custom-import" else 3
        bedrock = bedrock_client(target.region, profile=profile, attempts=attempts)
    recorder = Recorder(None if checked else on_delta, clock)
    try:
        outcome = (_guarded if checked else _call)(bedrock, target, request, recorder, notify, sleep)
    except DeployError:
        raise
    except Exception as error:
        if type(error).__module__.startswith("botocore"):
            raise from_aws(error, target.endpoint) from error
        raise
    answer = recorder.answer(outcome, mode=target.mode, model=target.model)
    if checked and on_delta is not None and not answer.blocked:
        for kind, text in ((REASONING, answer.reasoning), (ANSWER, answer.answer)):
            if text:
                on_delta(kind, text)
    return answer


def _call(
    client: Any,
    target: Target,
    request: Request,
    recorder: Recorder,
    notify: Optional[Notify],
    sleep: Callable[[float], None],
) -> Outcome:
    if target.mode == "serverless":
        return serverless.call(client, target, request, recorder)
    if target.mode == "marketplace":
        return marketplace.call(client, target, request, recorder)
    if target.mode == "custom-import":
        return custom_import.call(client, target, request, recorder, notify=notify, sleep=sleep)
    return openai_compat.call(target, request, recorder)


def _guarded(
    client: Any,
    target: Target,
    request: Request,
    recorder: Recorder,
    notify: Optional[Notify],
    sleep: Callable[[float], None],
) -> Outcome:
    """ApplyGuardrail on the prompt, the call, ApplyGuardrail on the answer."""
    assert target.guardrail is not None
    verdict = guardrail.apply(client, target.guardrail, "INPUT", request.prompt)
    if verdict.blocked:
        recorder.finish()
        return Outcome(guardrail=verdict)
    if verdict.action == INTERVENED and verdict.message:  # masked: the model gets the masked prompt
        request = replace(request, turns=_with_prompt(request.turns, verdict.message))
    outcome = _call(client, target, request, recorder, notify, sleep)
    answer = recorder.text(ANSWER)
    if not answer:
        return outcome
    checked = guardrail.apply(client, target.guardrail, "OUTPUT", answer)
    if checked.action == NONE:
        return replace(outcome, guardrail=verdict)
    masked = checked.message if checked.action == INTERVENED else None
    return replace(outcome, guardrail=checked, replaced_answer=masked)


def _with_prompt(turns: tuple[Turn, ...], prompt: str) -> tuple[Turn, ...]:
    last = max(i for i, turn in enumerate(turns) if turn.role == USER)
    return (*turns[:last], Turn(USER, prompt), *turns[last + 1 :])
