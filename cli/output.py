"""Where output goes: human text to stderr (rich), machine output (JSON, YAML) to stdout."""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def console() -> Console:
    """A rich console on stderr; colour only when stderr is a terminal."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str = "", **style: Any) -> None:
    console().print(message, **style)


def plain(line: str) -> None:
    """A line on stderr, verbatim (file paths, user text). No rich: it is the fast path."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def status(ok: bool, text: str) -> None:
    """A ✓/✗ line: coloured on a terminal, plain (and without importing rich) elsewhere."""
    mark = "✓" if ok else "✗"
    if sys.stderr.isatty():
        from rich.markup import escape

        colour = "green" if ok else "red"
        console().print(f"[{colour}]{mark}[/{colour}] {escape(text)}")
    else:
        plain(f"{mark} {text}")


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
