"""Why a call failed, as a `DeployError` with the CLI's exit code (CLI.md): missing or rejected AWS
credentials are a missing prerequisite (3); an endpoint that does not answer, or answers with an error,
is a failed operation (1)."""

from __future__ import annotations

from typing import Any

from ..errors import FAILED, MISSING_PREREQUISITE, DeployError

# Error codes that mean "who you are" rather than "what you asked": the fix is credentials.
CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "MissingAuthenticationTokenException",
}
CREDENTIALS_FIX = (
    "configure AWS credentials (aws configure, AWS_PROFILE or --aws-profile, or `aws sso login`) and try again"
)


def error_code(error: BaseException) -> str:
    response: Any = getattr(error, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def from_aws(error: BaseException, endpoint: str) -> DeployError:
    """A botocore exception from bedrock-runtime, explained."""
    from botocore import exceptions as boto

    if isinstance(error, (boto.NoCredentialsError, boto.PartialCredentialsError, boto.ProfileNotFound)):
        return DeployError(f"no usable AWS credentials ({error}): {CREDENTIALS_FIX}", MISSING_PREREQUISITE)
    if isinstance(error, (boto.TokenRetrievalError, boto.SSOTokenLoadError, boto.UnauthorizedSSOTokenError)):
        return DeployError(f"the AWS login has expired ({error}): {CREDENTIALS_FIX}", MISSING_PREREQUISITE)
    if isinstance(error, boto.NoRegionError):
        return DeployError("no AWS region: set it in the spec (`region:`) or AWS_REGION", MISSING_PREREQUISITE)
    if isinstance(error, (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ReadTimeoutError)):
        return DeployError(f"{endpoint} is not answering: {error}", FAILED)
    code = error_code(error)
    if code in CREDENTIAL_CODES:
        return DeployError(f"AWS rejected the credentials ({code}): {CREDENTIALS_FIX}", MISSING_PREREQUISITE)
    message = _message(error)
    hints = {
        "AccessDeniedException": "the caller may not invoke it: attach the stack's invoke policy "
        "(`deploy outputs` shows invoke_policy_arn) or assume invoker_role_arn",
        "ResourceNotFoundException": "is it deployed in this region? `deploy status` checks",
        "ThrottlingException": "the endpoint is throttling requests: try again later, or raise the quota",
        "ServiceQuotaExceededException": "a Bedrock quota is exhausted: raise it in Service Quotas",
        "ModelNotReadyException": "the imported model is still warming up (it scales from zero): try again in a minute",
    }
    hint = f"; {hints[code]}" if code in hints else ""
    return DeployError(f"{endpoint} did not answer: {code or type(error).__name__}: {message}{hint}", FAILED)


def _message(error: BaseException) -> str:
    response: Any = getattr(error, "response", None) or {}
    return str((response.get("Error") or {}).get("Message") or error)


def from_http(status: int, body: str, endpoint: str) -> DeployError:
    """An OpenAI-compatible server's error reply, explained (the API key is never part of it)."""
    detail = _http_detail(body)
    if status in (401, 403):
        return DeployError(
            f"{endpoint} refused the API key (HTTP {status}: {detail}): pass --api-key or set DEPLOY_API_KEY, or "
            "read it with `deploy outputs SPEC --show-secrets`",
            FAILED,
        )
    if status == 404:
        return DeployError(
            f"{endpoint} answered HTTP 404 ({detail}): is it the server's OpenAI base URL (usually ending in /v1)?",
            FAILED,
        )
    return DeployError(f"{endpoint} answered HTTP {status}: {detail}", FAILED)


def _http_detail(body: str) -> str:
    import json

    try:
        document = json.loads(body)
    except ValueError:
        return body.strip()[:300] or "no details"
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error or document.get("message") or document)[:300]


def unreachable(endpoint: str, error: BaseException) -> DeployError:
    return DeployError(f"{endpoint} is not answering: {error}", FAILED)
