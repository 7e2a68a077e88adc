"""Where output goes (CLI.md): a command's result to stdout, progress, notes, warnings and prompts
to stderr; with `--json`, exactly one JSON document (or NDJSON lines) on stdout.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# Piped output is never cut to a terminal's width: tables and trees keep their whole lines.
PIPED_WIDTH = 100_000


def _console(stderr: bool) -> Console:
    from rich.console import Console

    # No `file=`: rich then looks sys.stdout/sys.stderr up at each write, as redirections expect.
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else PIPED_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


@cache
def console() -> Console:
    """Rich on stderr, for progress and notes; colour only when stderr is a terminal."""
    return _console(stderr=True)


@cache
def result_console() -> Console:
    """Rich on stdout, for a command's result (tables, the plan tree)."""
    return _console(stderr=False)


def say(message: str = "", **style: Any) -> None:
    console().print(message, **style)


def plain(line: str) -> None:
    """A line on stderr, verbatim (file paths, user text). No rich: it is the fast path."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def result(line: str) -> None:
    """A line of the command's result on stdout, verbatim."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def status(ok: bool, text: str) -> None:
    """A ✓/✗ result line on stdout: coloured on a terminal, plain (and without importing rich) elsewhere."""
    mark = "✓" if ok else "✗"
    if sys.stdout.isatty():
        from rich.markup import escape

        colour = "green" if ok else "red"
        result_console().print(f"[{colour}]{mark}[/{colour}] {escape(text)}")
    else:
        result(f"{mark} {text}")


def to_json(document: Any, indent: int | None = 2) -> str:
    """Keys sorted, so the same input always gives the same bytes (two plans diff to nothing)."""
    return json.dumps(document, indent=indent, sort_keys=True, default=str)


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(to_json(document) + "\n")
    sys.stdout.flush()


def emit_json_line(record: Any) -> None:
    """One NDJSON event on stdout."""
    sys.stdout.write(to_json(record, indent=None) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
