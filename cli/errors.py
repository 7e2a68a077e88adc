"""Exit codes (CLI.md) and the error every command may raise to end with one."""

from __future__ import annotations

OK = 0
FAILED = 1
BAD_INPUT = 2
MISSING_PREREQUISITE = 3
INTERRUPTED = 130


class CliError(Exception):
    """Ends the command with `message` on stderr and `code` as the exit status."""

    def __init__(self, message: str, code: int = BAD_INPUT):
        super().__init__(message)
        self.message = message
        self.code = code
