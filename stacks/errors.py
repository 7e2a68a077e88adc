"""The one error root and the exit codes of CLI.md.

Every failure the tool expects (a bad spec, a spec the planner cannot serve, an engine failure,
a missing prerequisite) is a `DeployError` carrying its exit code. The CLI catches this class
once; nothing converts one error into another on the way up.
"""

from __future__ import annotations

OK = 0
FAILED = 1  # the operation ran and failed
BAD_INPUT = 2  # the spec or the arguments
MISSING_PREREQUISITE = 3  # the Pulumi CLI, credentials, a kubeconfig
INTERRUPTED = 130


class DeployError(Exception):
    """An expected failure: `message` for the user, `code` for the exit status."""

    code: int = FAILED

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
