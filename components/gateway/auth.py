"""Named API keys, checked without a database: LiteLLM's `custom_auth` hook (`general_settings.custom_auth`).

The gateway settings (`gateway.json`) map each key name to an environment variable; the variable holds
the key, its digest `sha256:<hex>`, or `file:<path>` of a file holding either (a mounted secret). A
presented key is hashed and compared in constant time with every name's digest; the matching name goes
into the request's metadata and logs, the key itself never does. Removing a name from the settings
revokes it even while its variable is still set.

Imports only the standard library at import time (LiteLLM's types are imported when the hook runs), so
the module loads as a plain file in the official LiteLLM image and in tests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SETTINGS_ENV = "DEEPSEEK_GATEWAY_SETTINGS"
_DIGEST_PREFIX = "sha256:"
_FILE_PREFIX = "file:"


def settings_path() -> Path:
    return Path(os.environ.get(SETTINGS_ENV) or Path(__file__).with_name("gateway.json"))


def load_settings(path: Path | None = None) -> dict[str, Any]:
    document = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError("the gateway settings are not a JSON object")
    return document


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _stored_digest(value: str) -> str | None:
    value = value.strip()
    if value.startswith(_FILE_PREFIX):
        try:
            value = Path(value[len(_FILE_PREFIX) :]).read_text(encoding="utf-8").strip()
        except OSError:
            return None
    if not value:
        return None
    if value.startswith(_DIGEST_PREFIX):
        return value[len(_DIGEST_PREFIX) :].lower()
    return digest(value)


def expected_digests(settings: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """name -> sha256 hex digest of its key, for the names the settings list and whose variable is set."""
    found = {}
    for name, variable in (settings.get("api_keys") or {}).items():
        stored = _stored_digest(environ.get(str(variable), ""))
        if stored:
            found[str(name)] = stored
    return found


def key_name(presented: str, digests: Mapping[str, str]) -> str | None:
    """The name whose key was presented, or None; compares with every name (no early exit)."""
    if not presented:
        return None
    seen = digest(presented)
    match = None
    for name, expected in digests.items():
        if hmac.compare_digest(seen, expected):
            match = name
    return match


_digests: dict[str, str] | None = None


def _current_digests() -> dict[str, str]:
    global _digests
    if _digests is None:  # read once per process: rotation restarts the gateway with new variables
        _digests = expected_digests(load_settings(), os.environ)
    return _digests


def _bearer(api_key: str) -> str:
    token = (api_key or "").strip()
    return token[7:].strip() if token.lower().startswith("bearer ") else token


async def user_api_key_auth(request: Any, api_key: str) -> Any:
    """LiteLLM's custom auth signature: return a UserAPIKeyAuth, or raise to answer 401."""
    from fastapi import HTTPException  # the LiteLLM image has both; importing this module needs neither
    from litellm.proxy._types import UserAPIKeyAuth

    name = key_name(_bearer(api_key), _current_digests())
    if name is None:  # LiteLLM turns an HTTPException into its error body with this status; no key echoed
        raise HTTPException(status_code=401, detail="invalid or revoked API key")
    return UserAPIKeyAuth(
        api_key=_bearer(api_key),  # LiteLLM stores only its hash
        key_alias=name,
        key_name=name,
        user_id=f"key:{name}",
        metadata={"deepseek_key_name": name},
    )
