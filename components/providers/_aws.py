"""Shared boto3 helpers for the dynamic providers: clients, injectable time, idempotency tokens,
retries, polling, logging, friendly errors, Bedrock's VPC and tag shapes, and input comparison."""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any, Optional, TypeVar

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

T = TypeVar("T")

_QUOTA_CODES = frozenset({"ServiceQuotaExceededException", "ResourceLimitExceeded"})
_QUOTA_WORDS = ("quota", "limit", "capacity")  # also matches InsufficientInstanceCapacity
# Throttling messages say "rate limit"; botocore already retried those, they are not quota problems.
_THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})

QUOTA_FIX = (
    "Fix: request a quota increase for that instance type in the Service Quotas console "
    "(https://console.aws.amazon.com/servicequotas/, service 'Amazon SageMaker', "
    "'<instance type> for endpoint usage'), or choose another instance type or region."
)


class InjectableTime:
    """Mixin for providers: sleep and clock that tests can replace; None means real time.

    Resolved at call time so the pickled provider carries no functions.
    """

    def __init__(
        self,
        sleep: Optional[Callable[[float], None]] = None,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        super().__init__()
        self._sleep = sleep
        self._clock = clock

    @property
    def sleep_fn(self) -> Callable[[float], None]:
        return self._sleep or time.sleep

    @property
    def clock_fn(self) -> Callable[[], float]:
        return self._clock or time.monotonic


def client(service: str, region: str) -> Any:
    """The one place boto3 clients are made (tests patch this)."""
    import boto3  # here, not at import: `deploy plan` loads this module but never calls AWS
    import botocore.config

    config = botocore.config.Config(
        retries={"mode": "adaptive", "max_attempts": 10},
        user_agent_extra="deepseek-deploy",
    )
    return boto3.session.Session().client(service, region_name=region, config=config)


def fresh_seed() -> str:
    """A new seed per create call: retries inside one create share a token, but a later create
    (after a destroy, or a failed create that was cleaned up) never reuses an old one."""
    return uuid.uuid4().hex


def idempotency_token(*parts: str) -> str:
    """A deterministic client request token, so a retried create does not make a second resource."""
    # NUL separator: ("a", "bc") and ("ab", "c") must not collide.
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:64]


def retry(
    call: Callable[[], T],
    *,
    is_retryable: Callable[[Exception], bool],
    attempts: int = 8,
    base_delay: float = 2.0,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`, retrying retryable errors with doubling delays (no jitter, so tests can assert them)."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if attempt == attempts - 1 or not is_retryable(exc):
                raise
            sleep(min(max_delay, base_delay * 2**attempt))
    raise AssertionError("unreachable")  # the loop always returns or raises


def log_info(message: str) -> None:
    """Log to the Pulumi CLI when inside Pulumi; never fail the operation because logging failed."""
    with contextlib.suppress(Exception):  # e.g. outside a Pulumi program (tests, scripts)
        pulumi.log.info(message)


def wait_until(
    check: Callable[[], tuple[bool, str]],
    *,
    timeout_s: float,
    interval_s: float,
    describe: Callable[[str, float], str],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Poll `check()` -> (done, state) until done; returns the final state or raises TimeoutError."""
    start = clock()
    while True:
        done, state = check()
        elapsed = clock() - start
        if done:
            return state
        log_info(describe(state, elapsed))
        if elapsed >= timeout_s:
            raise TimeoutError(
                f"Gave up after {timeout_s / 60:g} min: {describe(state, elapsed)}. Last state: {state!r}."
            )
        sleep(min(interval_s, timeout_s - elapsed))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or '' for anything else."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) == "ResourceNotFoundException"


def is_role_propagation_error(exc: BaseException) -> bool:
    """True when AWS cannot (yet) use an IAM role: typical for a role created seconds ago."""
    if error_code(exc) not in ("ValidationException", "AccessDeniedException"):
        return False
    message = error_message(exc).lower()
    if "role" not in message or "not authorized to perform" in message:
        # "not authorized to perform" is a missing permission of the caller: waiting won't fix it.
        return False
    return any(hint in message for hint in ("assume", "invalid", "not valid", "does not exist", "trust"))


def is_quota_problem(code: str, message: str) -> bool:
    """True for quota and capacity refusals, which only a quota increase or another instance type fixes."""
    if code in _QUOTA_CODES:
        return True
    lowered = message.lower()
    return code not in _THROTTLE_CODES and any(word in lowered for word in _QUOTA_WORDS)


def friendly_error(exc: BaseException, what: str) -> Exception:
    """A RuntimeError that says what failed, what AWS said, and how to fix it."""
    code, message = error_code(exc), error_message(exc)
    if is_quota_problem(code, message):
        return RuntimeError(f"{what} failed: not enough quota or capacity ({code}: {message}). {QUOTA_FIX}")
    if code == "AccessDeniedException":
        return RuntimeError(
            f"{what} failed: access denied: {message}. "
            "Fix: grant the permission AWS names above to the identity running the deployment "
            "(or to the role it names), then re-run."
        )
    return RuntimeError(f"{what}: {code or type(exc).__name__}: {message}")


def optional_vpc(subnet_ids: Optional[list[str]], security_group_ids: Optional[list[str]]) -> Optional[dict]:
    """Bedrock's VpcConfig shape, or None when no VPC was asked for."""
    if not subnet_ids and not security_group_ids:
        return None
    return {"subnetIds": list(subnet_ids or []), "securityGroupIds": list(security_group_ids or [])}


def half_vpc_failure(news: dict[str, Any]) -> Optional[pulumi.dynamic.CheckFailure]:
    """A check failure when only one of subnet_ids / security_group_ids is set (AWS needs both)."""
    subnets, groups = news.get("subnet_ids"), news.get("security_group_ids")
    if pulumi.runtime.rpc.UNKNOWN in (subnets, groups) or bool(subnets) == bool(groups):
        return None
    return pulumi.dynamic.CheckFailure("subnet_ids", "give both subnet_ids and security_group_ids, or neither")


def tag_list(tags: Optional[dict[str, str]]) -> list[dict[str, str]]:
    """Bedrock's TagList shape: [{"key": ..., "value": ...}] (lower-case member names)."""
    return [{"key": k, "value": v} for k, v in sorted((tags or {}).items())]


def is_known(value: Any) -> bool:
    """False for values Pulumi has not computed yet (during preview)."""
    return value is not None and value != pulumi.runtime.rpc.UNKNOWN


def normalized(value: Any) -> Any:
    # None, {} and [] all mean "not set"; inputs and stored outputs may use either.
    return None if value in (None, {}, []) else value


def changed_keys(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The keys among `keys` whose value differs between stored outputs and new inputs."""
    return [k for k in keys if normalized(olds.get(k)) != normalized(news.get(k))]
