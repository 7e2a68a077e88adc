"""`deploy chat SPEC` (CLI.md): an interactive session with the deployed model.

Reads one prompt per line from stdin, so it works in a terminal and through a pipe. Each answer is
streamed (answer on stdout, reasoning dimmed on stderr) and followed by a usage line on stderr. The
history keeps prompts and answers, never the reasoning. `/reset` clears it, `/exit` or end of input
ends with 0, Ctrl-C with 130. In a terminal a failed turn is reported and the session goes on; through
a pipe it ends the session with the error's exit code, so scripts see it.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from .invoke import MaxTokensOpt, SystemOpt, TemperatureOpt
from .lifecycle import BackendOpt, InstallOpt, ProfileOpt, SecretsOpt, StackOpt
from .targets import ApiKeyOpt, EndpointOpt, ModelIdOpt

Spec = typer.Argument(..., metavar="SPEC", help="The spec file.")
HELP = "/reset clears the history · /exit (or Ctrl-D) ends · /help shows this"
PROMPT = "you> "


def command(
    spec: str = Spec,
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
    """An interactive session with the deployed model."""
    from deepseek_deploy.stacks.call.portforward import reach
    from deepseek_deploy.stacks.errors import INTERRUPTED

    from .invoke import held_note
    from .output import plain
    from .targets import find

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
    plain(f"chatting with {target.model} ({target.mode}) at {target.endpoint}; {HELP}")
    note = held_note(target)
    if note:
        plain(note)
    session = Session(system, max_tokens, temperature, aws_profile, interactive=sys.stdin.isatty())
    try:
        with reach(target) as reachable:
            session.run(reachable)
    except KeyboardInterrupt:
        plain("")
        raise typer.Exit(INTERRUPTED) from None


class Session:
    """The loop: read a line, run a command or a turn, until /exit or the end of input."""

    def __init__(
        self,
        system: Optional[str],
        max_tokens: int,
        temperature: Optional[float],
        profile: Optional[str],
        *,
        interactive: bool,
    ) -> None:
        from deepseek_deploy.stacks.call.conversation import Conversation

        self.system, self.max_tokens, self.temperature, self.profile = system, max_tokens, temperature, profile
        self.interactive = interactive
        self.conversation = Conversation()

    def run(self, target: Any) -> None:
        from .output import plain

        while True:
            line = self._read()
            if line is None:
                return
            text = line.strip()
            if not text:
                continue
            if text in ("/exit", "/quit"):
                return
            if text == "/reset":
                self.conversation.reset()
                plain("(history cleared)")
            elif text == "/help":
                plain(HELP)
            elif text.startswith("/"):
                plain(f"unknown command {text}; {HELP}")
            else:
                self.turn(target, text)

    def _read(self) -> Optional[str]:
        """One line of input, or None at the end of it."""
        if self.interactive:
            sys.stderr.write(PROMPT)
            sys.stderr.flush()
        line = sys.stdin.readline()
        if not line and self.interactive:
            sys.stderr.write("\n")  # Ctrl-D left the cursor after the prompt
        return line if line else None

    def turn(self, target: Any, text: str) -> None:
        from deepseek_deploy.stacks.call.invoke import invoke
        from deepseek_deploy.stacks.call.request import Request
        from deepseek_deploy.stacks.errors import FAILED, DeployError

        from .invoke import Printer, blocked_message, usage_line
        from .output import plain

        request = Request(
            self.conversation.ask(text),
            system=self.system,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stream=True,
        )
        printer = Printer()
        try:
            answer = invoke(target, request, on_delta=printer, profile=self.profile, notify=plain)
        except DeployError as error:
            printer.end()
            if not self.interactive or error.code != FAILED:
                raise
            plain(f"error: {error.message}")
            return
        printer.end()
        if answer.blocked:
            plain(blocked_message(answer) + " (not kept in the history)")
            return
        self.conversation.record(text, answer)
        plain(f"{usage_line(answer)} turn {len(self.conversation)}")
