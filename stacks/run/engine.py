"""The engine wrapper: the one module that talks to the Pulumi Automation API.

Settings (project, stack, backend, secrets, provider config, plugin versions) are resolved by
pure functions; `Engine` runs preview/up/destroy/refresh on an inline program; every engine
failure is translated into an EngineError with a message and an exit code (CLI.md).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Optional

from ..errors import BAD_INPUT, FAILED, MISSING_PREREQUISITE, DeployError

PULUMI_CLOUD = ("https://api.pulumi.com", "https://app.pulumi.com")
PENDING = re.compile(r"pending operation", re.I)
PLUGIN_PACKAGES = {"aws": "pulumi-aws", "kubernetes": "pulumi-kubernetes", "random": "pulumi-random"}


class EngineError(DeployError):
    """A failure of the engine or of what it needs (the CLI, credentials, a passphrase)."""


@dataclass(frozen=True)
class EngineSettings:
    project: str
    stack: str
    backend_url: str
    secrets_provider: Optional[str]  # None: the passphrase provider (from the environment)
    config: Mapping[str, str]
    plugins: Mapping[str, str]
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold a passphrase: never printed

    def describe(self) -> dict[str, Any]:
        """What is safe to show: no environment values."""
        return {
            "project": self.project,
            "stack": self.stack,
            "backend": self.backend_url,
            "secrets_provider": self.secrets_provider or "passphrase",
            "config": dict(self.config),
            "plugins": dict(self.plugins),
        }


def state_dir(env: Mapping[str, str]) -> str:
    """Where the default local backend keeps state: per user, outside any project."""
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "deepseek-deploy", "pulumi")


def backend_url(flag: Optional[str], env: Mapping[str, str]) -> str:
    url = flag or env.get("PULUMI_BACKEND_URL")
    if url:
        if not re.match(r"^(file://|s3://|gs://|azblob://|https://)", url):
            raise EngineError(
                f"--backend '{url}' is not a Pulumi backend URL (file://DIR, s3://BUCKET, https://api.pulumi.com)",
                BAD_INPUT,
            )
        return url
    return "file://" + state_dir(env)


def secrets_provider(flag: Optional[str], backend: str, env: Mapping[str, str]) -> Optional[str]:
    """The secrets provider; a passphrase must be given and non-empty, never defaulted."""
    if flag:
        return flag
    if "PULUMI_CONFIG_PASSPHRASE" in env and env["PULUMI_CONFIG_PASSPHRASE"] == "":
        raise EngineError(
            "PULUMI_CONFIG_PASSPHRASE is empty; an empty passphrase would leave secrets unprotected. Set a real one",
            MISSING_PREREQUISITE,
        )
    if env.get("PULUMI_CONFIG_PASSPHRASE") or env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        return None
    if backend.startswith(PULUMI_CLOUD):
        return "default"  # Pulumi Cloud encrypts secrets itself
    raise EngineError(
        "no secrets provider: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), "
        "or pass --secrets-provider awskms://alias/NAME (a KMS key you control)",
        MISSING_PREREQUISITE,
    )


def plugin_versions() -> dict[str, str]:
    """Provider plugins at exactly the versions of the installed SDK packages."""
    versions = {}
    for plugin, package in PLUGIN_PACKAGES.items():
        try:
            versions[plugin] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def project_name(spec_name: str) -> str:
    """The Pulumi project of a spec's stack (a deployment's or a gateway's): a gateway's stack references name it."""
    return f"deepseek-{spec_name}"


def resolve(
    spec: Any,
    *,
    stack: Optional[str] = None,
    backend: Optional[str] = None,
    secrets: Optional[str] = None,
    aws_profile: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> EngineSettings:
    env = dict(os.environ if env is None else env)
    url = backend_url(backend, env)
    provider = secrets_provider(secrets, url, env)
    config = {"aws:region": spec.region}
    profile = aws_profile or env.get("AWS_PROFILE")
    if profile:
        config["aws:profile"] = profile
    passthrough = {
        k: v
        for k, v in env.items()
        if k.startswith(("PULUMI_CONFIG_PASSPHRASE", "AWS_", "KUBECONFIG", "PULUMI_ACCESS_TOKEN"))
    }
    return EngineSettings(
        project=project_name(spec.name),
        stack=stack or "dev",
        backend_url=url,
        secrets_provider=provider,
        config=config,
        plugins=plugin_versions(),
        env=passthrough,
    )


def find_pulumi(install: bool, automation: Any = None) -> Any:
    """The Pulumi CLI: on PATH, or installed by `--install-pulumi` at the SDK's version."""
    auto = automation or _automation()
    try:
        return auto.PulumiCommand()
    except FileNotFoundError:
        pass
    version = metadata.version("pulumi")
    if install:
        try:
            return auto.PulumiCommand.install()
        except Exception as error:
            raise EngineError(f"installing the Pulumi CLI {version} failed: {error}", MISSING_PREREQUISITE) from None
    try:  # a CLI installed earlier by --install-pulumi
        return auto.PulumiCommand(root=os.path.join(os.path.expanduser("~"), ".pulumi", "versions", version))
    except (FileNotFoundError, OSError):
        raise EngineError(
            "the Pulumi CLI is not installed. Install it with:\n  curl -fsSL https://get.pulumi.com | sh -s -- "
            f"--version {version}\n"
            "or re-run with --install-pulumi",
            MISSING_PREREQUISITE,
        ) from None


def _automation() -> Any:
    import pulumi.automation as auto

    return auto


def translate(error: Exception, settings: EngineSettings) -> EngineError:
    """An Automation API failure as a message a user can act on, with its exit code."""
    auto = _automation()
    text = f"{getattr(error, 'stderr', '')}\n{getattr(error, 'stdout', '')}\n{error}"
    stack = f"--stack {settings.stack}"
    if isinstance(error, auto.errors.ConcurrentUpdateError):
        return EngineError(
            f"stack {settings.stack} is locked by another update. Wait for it to finish; if none is running "
            f"(an earlier run was killed), clear the lock with `pulumi cancel {settings.stack}` and run again",
            FAILED,
        )
    if re.search(r"incorrect passphrase|failed to decrypt|passphrase must be set", text, re.I):
        return EngineError(
            "the secrets passphrase is missing or wrong for this stack (PULUMI_CONFIG_PASSPHRASE)", MISSING_PREREQUISITE
        )
    if re.search(
        r"no valid credential sources|NoCredentialProviders|could not find default credentials|unable to locate "
        r"credentials",
        text,
        re.I,
    ):
        return EngineError(
            "no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            MISSING_PREREQUISITE,
        )
    if (
        re.search(r"invalid configuration: no configuration has been provided|kubeconfig", text, re.I)
        and "not found" in text.lower()
    ):
        return EngineError(
            "the kubeconfig for the cluster was not found: check cluster.kubeconfig or KUBECONFIG", MISSING_PREREQUISITE
        )
    lines = [line for line in text.strip().splitlines() if line.strip()]
    tail = "\n".join(lines[-12:])
    return EngineError(
        f"the deployment failed ({stack}):\n{tail}\nFix the cause and run the same command again: finished resources "
        "are kept.",
        FAILED,
    )


@dataclass
class Result:
    summary: dict[str, int] = field(default_factory=dict)  # operation -> resource count
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Kept:
    """What the stack's state says a destroy leaves: each resource as `type name`."""

    protected: list[str] = field(default_factory=list)  # Pulumi refuses to delete these
    retained: list[str] = field(default_factory=list)  # deleting these only drops them from the state


def kept_resources(deployment: Any) -> Kept:
    """Protected and retained resources in an exported deployment (`pulumi stack export`'s document).

    The state, not the spec, decides: it is what the engine enforces, whatever the spec says now.
    """
    resources = (getattr(deployment, "deployment", None) or {}).get("resources") or []
    live = [r for r in resources if isinstance(r, dict) and not r.get("delete")]  # not old halves of replacements

    def label(resource: dict[str, Any]) -> str:
        return f"{resource.get('type', '?')} {str(resource.get('urn', '')).rsplit('::', 1)[-1]}"

    return Kept(
        protected=[label(r) for r in live if r.get("protect")],
        retained=[label(r) for r in live if r.get("retainOnDelete") and not r.get("protect")],
    )


class Engine:
    """preview / up / destroy / refresh / outputs for one stack, on an inline program."""

    def __init__(
        self, settings: EngineSettings, program: Callable[[], object], pulumi_command: Any, automation: Any = None
    ):
        self.settings = settings
        self.program = program
        self.command = pulumi_command
        self.auto = automation or _automation()
        self._stack: Any = None
        self.resumed = False  # set when `up` cleared an interrupted run's pending operations

    def _options(self) -> Any:
        auto, s = self.auto, self.settings
        return auto.LocalWorkspaceOptions(
            project_settings=auto.ProjectSettings(
                name=s.project, runtime="python", backend=auto.ProjectBackend(url=s.backend_url)
            ),
            secrets_provider=s.secrets_provider,
            env_vars=dict(s.env),
            pulumi_command=self.command,
        )

    def stack(self, create: bool = True) -> Any:
        """The stack: created when `create` (preview, up), else selected; a missing one is an error."""
        if self._stack is not None:
            return self._stack
        auto, s = self.auto, self.settings
        local_state = s.backend_url[len("file://") :] if s.backend_url.startswith("file://") else None
        if local_state is not None and not create and not os.path.isdir(local_state):
            raise self._no_stack()  # nothing was ever deployed to this backend: do not create its folder
        if local_state is not None:
            os.makedirs(local_state, exist_ok=True)
        try:
            if create:
                stack = auto.create_or_select_stack(
                    stack_name=s.stack, project_name=s.project, program=self.program, opts=self._options()
                )
            else:
                stack = auto.select_stack(
                    stack_name=s.stack, project_name=s.project, program=self.program, opts=self._options()
                )
            for plugin, version in s.plugins.items():
                stack.workspace.install_plugin(plugin, f"v{version}")
            stack.set_all_config({key: auto.ConfigValue(value=value) for key, value in s.config.items()})
        except auto.errors.StackNotFoundError:
            raise self._no_stack() from None
        except Exception as error:
            raise translate(error, s) from error
        self._stack = stack
        return stack

    def _no_stack(self) -> EngineError:
        s = self.settings
        return EngineError(
            f"stack {s.stack} of {s.project} does not exist in {s.backend_url}; nothing was changed. "
            "Run `deploy up` first, or pass the --stack/--backend it was deployed with",
            FAILED,
        )

    def _run(self, operation: str, on_event: Optional[Callable[[Any], None]], **options: Any) -> Any:
        stack = self.stack(create=operation in ("preview", "up"))
        try:
            try:
                return getattr(stack, operation)(on_event=on_event, **options)
            except self.auto.errors.CommandError as error:
                if operation != "up" or not PENDING.search(f"{getattr(error, 'stderr', '')}{error}"):
                    raise
                # A killed `up` left operations pending: re-read what exists, clear them, resume.
                self.resumed = True
                stack.refresh(on_event=on_event, clear_pending_creates=True)
                return stack.up(on_event=on_event)
        except KeyboardInterrupt:
            self._cancel(stack)
            raise
        except Exception as error:
            raise translate(error, self.settings) from error

    @staticmethod
    def _cancel(stack: Any) -> None:
        with contextlib.suppress(Exception):  # cancelling is best effort; the interrupt is what matters
            stack.cancel()

    def preview(self, on_event: Optional[Callable[[Any], None]] = None) -> Result:
        result = self._run("preview", on_event)
        return Result(summary=dict(result.change_summary or {}))

    def up(self, on_event: Optional[Callable[[Any], None]] = None, replace: tuple[str, ...] = ()) -> Result:
        """`replace`: URNs of resources to replace even if unchanged (a gateway key to rotate)."""
        result = self._run("up", on_event, **({"replace": list(replace)} if replace else {}))
        return Result(
            summary=dict(result.summary.resource_changes or {}),
            outputs={k: v.value for k, v in result.outputs.items()},
            secret_outputs={k for k, v in result.outputs.items() if v.secret},
        )

    def kept(self) -> Kept:
        """What a destroy would leave, read from the stack's state (`stack.export_stack()`)."""
        stack = self.stack(create=False)
        try:
            return kept_resources(stack.export_stack())
        except Exception as error:
            raise translate(error, self.settings) from error

    def destroy(self, on_event: Optional[Callable[[Any], None]] = None, keep_protected: bool = False) -> Result:
        """Delete the stack's resources. Pulumi refuses to delete a protected one
        (https://www.pulumi.com/docs/iac/concepts/options/protect/); `keep_protected` deletes the rest and keeps
        those and what they depend on (`pulumi destroy --exclude-protected`,
        https://www.pulumi.com/docs/iac/cli/commands/pulumi_destroy/)."""
        options = {"exclude_protected": True} if keep_protected else {}
        result = self._run("destroy", on_event, **options)
        return Result(summary=dict(result.summary.resource_changes or {}))

    def refresh(self, on_event: Optional[Callable[[Any], None]] = None) -> Result:
        stack = self.stack(create=False)
        try:  # also clears what an interrupted run left pending
            result = stack.refresh(on_event=on_event, clear_pending_creates=True)
        except KeyboardInterrupt:
            self._cancel(stack)
            raise
        except Exception as error:
            raise translate(error, self.settings) from error
        return Result(summary=dict(result.summary.resource_changes or {}))

    def outputs(self) -> Result:
        stack = self.stack(create=False)
        try:
            values = stack.outputs()
        except Exception as error:
            raise translate(error, self.settings) from error
        return Result(
            outputs={k: v.value for k, v in values.items()}, secret_outputs={k for k, v in values.items() if v.secret}
        )
