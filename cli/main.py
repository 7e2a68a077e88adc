"""Entry point of `deploy` / `deepseek-deploy`: the Typer app and the one error boundary.

Command modules import only Typer at import time; the spec, catalog, Pulumi and AWS code
load inside the command that needs them, so `deploy --help` and `deploy validate` stay fast.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any, Optional

# The CLI loads no pydantic plugins; not scanning every installed package for them saves ~20 ms per run.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer

from deepseek_deploy.stacks import errors

from . import bench, chat, check, cost, init, invoke, lifecycle, models, plan, render, schema, validate
from . import eval as eval_cmd  # not `eval`: that would shadow the built-in

state = {"debug": False, "json": False}

app = typer.Typer(
    name="deploy",
    help="Deploy DeepSeek models (R1, V3, R1-Distill) on your own AWS account or Kubernetes cluster from a short YAML "
    "spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"deepseek-deploy {version('deepseek-deploy')}\n")
        raise typer.Exit()


@app.callback()
def _global(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for unexpected errors."),
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    state["debug"] = debug


app.command("models", help="List the model catalog: ids, aliases, sizes, modes, default hardware, prices.")(
    models.command
)
app.command("init", help="Write a commented, valid starter spec.")(init.command)
app.command("validate", help="Check specs against the schema and what the cloud can serve; nothing is created.")(
    validate.command
)
app.command("schema", help="Print the JSON Schema of the spec, for editors.")(schema.command)
app.command(
    "plan",
    help="Offline dry run: every resource `up` would create, the planner's choices and the cost. No credentials "
    "needed.",
)(plan.command)
app.command(
    "render",
    help="Write a standalone Pulumi project (Pulumi.yaml, __main__.py, CI workflow) that `pulumi up` deploys by "
    "itself.",
)(render.command)
app.command("check", help="Security and reliability rules over the planned resources; exit 1 on errors.")(check.command)
app.command("invoke", help="One request to the deployed model; reasoning and answer apart.")(invoke.command)
app.command("chat", help="An interactive session with the deployed model.")(chat.command)
app.command(
    "bench", help="Load-test the deployed endpoint: TTFT, inter-token latency, throughput, goodput; report + plot."
)(bench.command)
app.command(
    "cost",
    help="Monthly cost of this spec, of every other mode that can serve the model, and of the distills; for a "
    "gateway, each tier and the blend.",
)(cost.command)
app.command(
    "eval",
    help="Quality, latency and cost of deployments (or a gateway) on a dataset, side by side; report + plot.",
)(eval_cmd.command)
for _name in ("preview", "up", "destroy", "refresh", "outputs", "status"):
    app.command(_name)(getattr(lifecycle, _name))


def error_document(message: str, code: int, error: BaseException | None = None) -> dict[str, Any]:
    """`{"error": {...}}` (CLI.md): the code and message, and the spec position where there is one."""
    body: dict[str, Any] = {"code": code, "message": message}
    diagnostics = [d for d in getattr(error, "diagnostics", ()) if d.severity == "error"]
    if diagnostics:
        first = diagnostics[0]
        body.update(message=first.message, file=first.file, line=first.line, column=first.column)
        body["diagnostics"] = [d.as_json() for d in getattr(error, "diagnostics", ())]
    return {"error": body}


def _fail(message: str, code: int, error: BaseException | None = None) -> int:
    """The message on stderr; with --json, also the error document on stdout (scripts read that)."""
    from .output import emit_json, plain

    plain(message if code == errors.OK else f"error: {message}")
    if state["json"] and code != errors.OK:
        emit_json(error_document(message, code, error))
    return code


def main(argv: list[str] | None = None) -> int:
    """The entry point. Console scripts call it with no arguments and exit with its result."""
    code = _main(argv)
    if argv is None:
        # The process ends when this returns: freeze what is alive, so the interpreter's shutdown
        # does not walk every object a plan left (0.3-0.6 s after `plan`).
        gc.freeze()
    return code


def _main(argv: list[str] | None) -> int:
    """Run the CLI; map every failure to a message and an exit code (CLI.md)."""
    args = argv if argv is not None else sys.argv[1:]
    state["debug"] = "--debug" in args
    state["json"] = "--json" in args
    try:
        result = app(args=argv, prog_name="deploy", standalone_mode=False)
        if result == errors.INTERRUPTED:  # Typer turns Ctrl-C into a silent Exit(130)
            return _fail("interrupted", errors.INTERRUPTED)
        return result if isinstance(result, int) else errors.OK
    except typer.Exit as exit_:
        return exit_.exit_code
    except typer.TyperException as error:  # usage errors: unknown option, missing argument
        if state["json"]:
            return _fail(error.format_message(), error.exit_code, error)
        error.show()  # type: ignore[attr-defined]
        return error.exit_code
    except errors.DeployError as error:  # every expected failure, caught once
        return _fail(error.message, error.code, error)
    except (KeyboardInterrupt, typer.Abort):
        return _fail("interrupted", errors.INTERRUPTED)
    except BrokenPipeError:
        return errors.OK  # `deploy models --json | head` closed the pipe; not an error
    except Exception as error:  # the boundary: never show a traceback unless asked
        if state["debug"]:
            raise
        return _fail(
            f"unexpected {type(error).__name__}: {error}. Re-run with --debug for the traceback, and please report it.",
            errors.FAILED,
        )
