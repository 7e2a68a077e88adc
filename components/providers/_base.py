"""AwsResourceProvider: the CRUD plumbing the dynamic providers share.

A provider declares which inputs force a replacement, which it can change in place and which are only
recorded in state; this base turns that into `diff` and `update`, and gives `read` and `delete` their
not-found handling. Subclasses keep only their own AWS calls and fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Optional, TypeVar

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from . import _aws

T = TypeVar("T")


class AwsResourceProvider(_aws.InjectableTime, pulumi.dynamic.ResourceProvider):
    """Shared plumbing for a dynamic provider that drives one AWS resource through boto3.

    Holds no clients, so Pulumi can pickle it; `Provider(sleep=..., clock=...)` lets tests run without waiting.
    """

    SERVICE: ClassVar[str] = ""  # the boto3 service, e.g. "bedrock"
    KIND: ClassVar[str] = "resource"  # how error messages name one of these, e.g. "marketplace endpoint"
    REPLACE_KEYS: ClassVar[tuple[str, ...]] = ()  # a change needs a new resource
    UPDATE_KEYS: ClassVar[tuple[str, ...]] = ()  # a change is an in-place API call
    STATE_ONLY_KEYS: ClassVar[tuple[str, ...]] = ()  # a change is only recorded in Pulumi's state
    OUTPUT_KEYS: ClassVar[tuple[str, ...]] = ()  # computed by the provider
    # The input AWS requires to be unique: a replacement that keeps it must delete the old resource first.
    UNIQUE_NAME_KEY: ClassVar[Optional[str]] = None

    # --- Pulumi entry points -------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        return pulumi.dynamic.CheckResult(news, [failure for failure in self._input_failures(news) if failure])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _aws.changed_keys(olds, news, self.REPLACE_KEYS)
        in_place = _aws.changed_keys(olds, news, self.UPDATE_KEYS + self.STATE_ONLY_KEYS)
        return pulumi.dynamic.DiffResult(
            changes=bool(replaces or in_place),
            replaces=replaces,
            delete_before_replace=bool(replaces) and self._keeps_unique_name(olds, news),
        )

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        client = self.client(props)
        try:
            live = self._describe_live(client, id_, props)
        except ClientError as exc:
            if _aws.is_not_found(exc):
                return pulumi.dynamic.ReadResult(id_="", outs={})  # an empty id tells Pulumi it is gone
            raise _aws.friendly_error(exc, f"Reading {self._read_label(id_, props)}") from exc
        return pulumi.dynamic.ReadResult(id_=id_, outs=self._live_outputs(id_, props, live))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        if not _aws.changed_keys(olds, news, self.UPDATE_KEYS):
            # Only state-only keys changed (diff sends the rest to replacement): nothing to tell AWS.
            return pulumi.dynamic.UpdateResult(outs=self.kept_outputs(olds, news))
        return pulumi.dynamic.UpdateResult(outs=self._update_live(id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.client(props)
        try:
            self._delete_live(client, id_)
        except ClientError as exc:
            if _aws.is_not_found(exc):
                return  # already gone: that is what we wanted
            raise _aws.friendly_error(exc, f"Deleting {self.KIND} {id_}") from exc
        self._after_delete(client, id_)

    # --- what subclasses provide ---------------------------------------------------------------

    def _input_failures(self, news: dict[str, Any]) -> list[Optional[pulumi.dynamic.CheckFailure]]:
        """Problems with the new inputs; None entries are skipped."""
        return []

    def _describe_live(self, client: Any, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        """The resource as AWS describes it; a not-found ClientError means it is gone."""
        raise NotImplementedError(f"{type(self).__name__} does not read its resource back")

    def _live_outputs(self, id_: str, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        """The state to record after a read, from the stored state and AWS's description."""
        return props

    def _update_live(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Apply an in-place change (an UPDATE_KEYS key changed); returns the new outputs."""
        raise NotImplementedError(f"{type(self).__name__} has no in-place update")

    def _delete_live(self, client: Any, id_: str) -> None:
        """Ask AWS to delete the resource; a not-found ClientError counts as done."""
        raise NotImplementedError(f"{type(self).__name__} does not delete its resource")

    def _after_delete(self, client: Any, id_: str) -> None:
        """Runs after a delete AWS accepted (e.g. to wait until the resource is gone)."""

    def _read_label(self, id_: str, props: dict[str, Any]) -> str:
        """How a read error names the resource."""
        return f"{self.KIND} {id_}"

    # --- helpers for subclasses ----------------------------------------------------------------

    def client(self, props: dict[str, Any]) -> Any:
        """A client for SERVICE in the resource's region (through `_aws.client`, which tests patch)."""
        return _aws.client(self.SERVICE, props["region"])

    def kept_outputs(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """The new inputs with the computed outputs carried over (news holds None placeholders for them)."""
        return {**news, **{key: olds.get(key) for key in self.OUTPUT_KEYS}}

    def call_while_role_propagates(self, call: Callable[[], T], action: str) -> T:
        """Run an AWS call, retrying while a freshly made IAM role propagates; `action` names it in errors."""
        try:
            return _aws.retry(call, is_retryable=_aws.is_role_propagation_error, sleep=self.sleep_fn)
        except ClientError as exc:
            raise _aws.friendly_error(exc, action) from exc

    def wait(
        self,
        check: Callable[[], tuple[bool, str]],
        *,
        timeout_s: float,
        interval_s: float,
        describe: Callable[[str, float], str],
    ) -> str:
        """`_aws.wait_until` on this provider's (injectable) sleep and clock."""
        return _aws.wait_until(
            check,
            timeout_s=timeout_s,
            interval_s=interval_s,
            describe=describe,
            sleep=self.sleep_fn,
            clock=self.clock_fn,
        )

    @staticmethod
    def log(message: str) -> None:
        """Progress for the Pulumi CLI. Messages name resources and counts, never secret values."""
        _aws.log_info(message)

    def _keeps_unique_name(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        key = self.UNIQUE_NAME_KEY
        return key is not None and olds.get(key) == news.get(key)
