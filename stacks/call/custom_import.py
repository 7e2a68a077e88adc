"""Bedrock Custom Model Import: InvokeModel with the imported architecture's completion body.

Converse is not supported for imported Qwen2/2.5 models (the Qwen distills), so every import is
called with InvokeModel and the prompt in DeepSeek's chat template (template.py), the same for the
Llama and the Qwen distills. Imported models take the parameters of their base architecture; the
Bedrock completion form (`max_gen_len` selects it) is
  {"prompt", "max_gen_len", "temperature"} -> {"generation", "prompt_token_count",
  "generation_token_count", "stop_reason"}
(https://docs.aws.amazon.com/bedrock/latest/userguide/invoke-imported-model.html; AWS's DeepSeek
distill notebook reads `generation`: https://github.com/aws-samples/amazon-bedrock-samples/blob/main/
custom-models/import_models/llama-3/DeepSeek-R1-Distill-Llama-Noteb.ipynb). Replies in the OpenAI
completion form (`choices[0].text`, `usage`) are read too. A streamed reply ends with
`amazon-bedrock-invocationMetrics`. A guardrail goes on the call (guardrailIdentifier,
guardrailVersion, trace) and a reply it stopped carries `amazon-bedrock-guardrailAction: INTERVENED`.

An idle import scales to zero; the first call then fails with ModelNotReadyException while a copy
loads. `warm` retries it with exponential backoff, saying so, for a bounded time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Optional, TypeVar

from .answer import Notify, Outcome, Recorder
from .failures import error_code
from .guardrail import from_trace
from .request import Request
from .target import Target
from .template import ThinkSplitter, drain, pour, r1_prompt

T = TypeVar("T")
FIRST_DELAY_S = 5.0
MAX_DELAY_S = 60.0
GUARDRAIL_ACTION = "amazon-bedrock-guardrailAction"


def body(request: Request) -> dict[str, Any]:
    document: dict[str, Any] = {"prompt": r1_prompt(request.turns, request.system), "max_gen_len": request.max_tokens}
    if request.temperature is not None:
        document["temperature"] = request.temperature
    return document


def invoke_params(target: Target, request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {
        "modelId": target.model_id,
        "body": json.dumps(body(request)),
        "contentType": "application/json",
        "accept": "application/json",
    }
    if target.guardrail is not None and target.guardrail.applied_by_call:
        params.update(
            guardrailIdentifier=target.guardrail.identifier, guardrailVersion=target.guardrail.version, trace="ENABLED"
        )
    return params


def warm(call: Callable[[], T], *, budget_s: float, notify: Optional[Notify], sleep: Callable[[float], None]) -> T:
    """`call()`, retried on ModelNotReadyException with exponential backoff for at most `budget_s`."""
    waited, delay = 0.0, FIRST_DELAY_S
    while True:
        try:
            return call()
        except Exception as error:
            if error_code(error) != "ModelNotReadyException" or waited >= budget_s:
                raise
            if notify is not None:
                notify(
                    f"warming up (scales from zero): the imported model is loading; retrying for up to {budget_s:.0f} s"
                    if waited == 0
                    else f"still warming up ({waited:.0f} s so far)"
                )
            pause = min(delay, budget_s - waited)
            sleep(pause)
            waited += pause
            delay = min(delay * 2, MAX_DELAY_S)


def call(
    client: Any,
    target: Target,
    request: Request,
    recorder: Recorder,
    *,
    notify: Optional[Notify] = None,
    sleep: Callable[[float], None],
) -> Outcome:
    params = invoke_params(target, request)
    splitter = ThinkSplitter(in_think=True)
    if request.stream:
        response = warm(
            lambda: client.invoke_model_with_response_stream(**params),
            budget_s=request.warmup_s,
            notify=notify,
            sleep=sleep,
        )
        return _read_stream(response["body"], splitter, recorder)
    response = warm(lambda: client.invoke_model(**params), budget_s=request.warmup_s, notify=notify, sleep=sleep)
    reply = json.loads(response["body"].read())
    with recorder.at_once():
        return _read_reply([reply], splitter, recorder)


def _read_stream(events: Iterable[dict[str, Any]], splitter: ThinkSplitter, recorder: Recorder) -> Outcome:
    records = (json.loads(event["chunk"]["bytes"]) for event in events if event.get("chunk", {}).get("bytes"))
    return _read_reply(records, splitter, recorder)


def _read_reply(records: Iterable[dict[str, Any]], splitter: ThinkSplitter, recorder: Recorder) -> Outcome:
    """One reply, whole or in chunks; a chunk the guardrail wrote is its message, not model text."""
    counts: dict[str, Any] = {}
    stop: Optional[str] = None
    guardrail_text: list[str] = []
    intervened, trace = False, None
    for record in records:
        if record.get(GUARDRAIL_ACTION) == "INTERVENED":
            intervened, trace = True, record.get("amazon-bedrock-trace", {}).get("guardrail") or trace
            guardrail_text.append(_text(record))
        else:
            pour(splitter, recorder, _text(record))
        stop = _stop(record) or stop
        counts.update(_counts(record))
    drain(splitter, recorder)
    guardrail = from_trace(intervened, trace, "".join(guardrail_text))
    return Outcome(
        input_tokens=counts.get("input"),
        output_tokens=counts.get("output"),
        stop_reason=stop,
        guardrail=guardrail,
        replaced_answer=guardrail.message if intervened and not guardrail.blocked else None,
    )


def _text(record: dict[str, Any]) -> str:
    if "generation" in record:
        return str(record["generation"] or "")
    choices = record.get("choices") or [{}]
    return str(choices[0].get("text") or record.get("text") or "")


def _stop(record: dict[str, Any]) -> Optional[str]:
    choices = record.get("choices") or [{}]
    return record.get("stop_reason") or choices[0].get("finish_reason") or choices[0].get("stop_reason")


def _counts(record: dict[str, Any]) -> dict[str, Any]:
    """Token counts, from whichever field the reply has; the invocation metrics win when present."""
    found: dict[str, Any] = {}
    usage = record.get("usage") or {}
    metrics = record.get("amazon-bedrock-invocationMetrics") or {}
    for key, names in (
        ("input", (metrics.get("inputTokenCount"), usage.get("prompt_tokens"), record.get("prompt_token_count"))),
        (
            "output",
            (metrics.get("outputTokenCount"), usage.get("completion_tokens"), record.get("generation_token_count")),
        ),
    ):
        value = next((v for v in names if v is not None), None)
        if value is not None:
            found[key] = value
    return found
