"""`deploy invoke SPEC PROMPT` (CLI.md): one request to the deployed model, reasoning and answer apart.

Where the text goes: the answer is the command's result, on stdout; the reasoning is shown apart, on
stderr (dimmed on a terminal), so `deploy invoke ... > answer.txt` keeps just the answer; a usage line
(tokens, latency, time to first token and to first answer token) follows on stderr. `--json` prints
exactly one document on stdout (CLI.md) and exits 1 when the guardrail blocked the prompt or answer.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

import typer

from .lifecycle import BackendOpt, InstallOpt, ProfileOpt, SecretsOpt, StackOpt
from .targets import ApiKeyOpt, EndpointOpt, ModelIdOpt, find

Spec = typer.Argument(..., metavar="SPEC", help="The spec file.")
Prompt = typer.Argument(..., metavar="PROMPT", help="The prompt; `-` reads it from stdin.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document: reasoning, answer, usage, timings, guardrail.")
StreamOpt = typer.Option(
    False, "--stream", help="Print tokens as they arrive (with --json: time the first token on the stream)."
)
SystemOpt = typer.Option(None, "--system", help="A system prompt.")
MaxTokensOpt = typer.Option(2048, "--max-tokens", min=1, help="Most tokens to generate, reasoning included.")
TemperatureOpt = typer.Option(None, "--temperature", min=0.0, max=2.0, help="Sampling temperature (model default).")
DIM, RESET = "\x1b[2m", "\x1b[0m"


class Printer:
    """Shows a reply as it arrives: the answer on stdout, the reasoning on stderr (dim on a terminal)."""

    def __init__(self) -> None:
        self.dim = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
        self.last: Optional[str] = None

    def __call__(self, kind: str, text: str) -> None:
        if kind == "reasoning":
            sys.stderr.write(f"{DIM}{text}{RESET}" if self.dim else text)
            sys.stderr.flush()
        else:
            if self.last == "reasoning":
                sys.stderr.write("\n\n")
                sys.stderr.flush()
            sys.stdout.write(text)
            sys.stdout.flush()
        self.last = kind

    def end(self) -> None:
        stream = sys.stdout if self.last == "answer" else sys.stderr
        if self.last is not None:
            stream.write("\n")
            stream.flush()
        self.last = None


def usage_line(answer: Any) -> str:
    def ms(value: Optional[float]) -> str:
        return "-" if value is None else f"{value:.0f} ms"

    def count(value: Optional[int]) -> str:
        return "?" if value is None else str(value)

    served = f" · answered by tier {answer.served_by}" if getattr(answer, "served_by", None) else ""
    return (
        f"[{count(answer.input_tokens)} in / {count(answer.output_tokens)} out tokens · {ms(answer.latency_ms)} · "
        f"first token {ms(answer.ttft_ms)} · first answer token {ms(answer.ttfa_ms)}{served}]"
    )


def blocked_message(answer: Any) -> str:
    what = {"input": "prompt", "output": "answer"}.get(answer.guardrail.stage, "request")
    return f"the guardrail blocked the {what}: {answer.guardrail.message or '(no message)'}"


def held_note(target: Any) -> Optional[str]:
    """Why a streamed answer appears only when complete (ApplyGuardrail checks it first)."""
    from deepseek_deploy.stacks.call.invoke import checks_guardrail

    if checks_guardrail(target):
        return "note: the guardrail checks each answer before it is shown, so it appears when complete"
    return None


def command(
    spec: str = Spec,
    prompt: str = Prompt,
    json_output: bool = JsonOpt,
    stream: bool = StreamOpt,
    system: Optional[str] = SystemOpt,
    max_tokens: int = MaxTokensOpt,
    temperature: Optional[float] = TemperatureOpt,
    endpoint: Optional[str] = EndpointOpt,
    model_id: Optional[str] = ModelIdOpt,
    api_key: Optional[str] = ApiKeyOpt,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    install_pulumi: bool = InstallOpt,
) -> None:
    """One request to the deployed model; reasoning and answer apart."""
    from deepseek_deploy.stacks.call.conversation import ask
    from deepseek_deploy.stacks.call.invoke import invoke
    from deepseek_deploy.stacks.call.portforward import reach
    from deepseek_deploy.stacks.call.request import Request

    from .output import plain

    text = sys.stdin.read() if prompt == "-" else prompt
    _, target = find(
        spec,
        endpoint=endpoint,
        model_id=model_id,
        api_key=api_key,
        stack=stack,
        backend=backend,
        secrets=secrets_provider,
        install_pulumi=install_pulumi,
    )
    printer = Printer() if stream and not json_output else None
    note = held_note(target) if printer else None
    if note:
        plain(note)
    request = Request(ask(text), system=system, max_tokens=max_tokens, temperature=temperature, stream=stream)
    with reach(target) as reachable:
        answer = invoke(reachable, request, on_delta=printer, profile=aws_profile, notify=plain)
    if printer is not None:
        printer.end()
    _report(answer, json_output, streamed=printer is not None)


def _report(answer: Any, json_output: bool, *, streamed: bool) -> None:
    from deepseek_deploy.stacks.errors import FAILED, DeployError

    from .output import emit_json, plain

    if json_output:
        emit_json(answer.as_json())
        if answer.blocked:
            raise typer.Exit(FAILED)  # the document says why; no second JSON document
        return
    if answer.blocked:
        raise DeployError(blocked_message(answer), FAILED)
    if not streamed:
        printer = Printer()
        for kind in ("reasoning", "answer"):
            if getattr(answer, kind):
                printer(kind, getattr(answer, kind))
        printer.end()
    plain(usage_line(answer))
    if answer.guardrail.action == "INTERVENED":
        what = {"input": "prompt", "output": "answer"}.get(answer.guardrail.stage, "request")
        plain(f"note: the guardrail masked part of the {what}")
