"""Secrets never echo: a value that looks like a token is shown as its kind and a redacted form.

A spec holds names of secrets (`hf_token_env: HF_TOKEN`), never secrets. When someone pastes one
anyway, the error message must not copy it to a terminal, a CI log or a `--json` document.
"""

from __future__ import annotations

import re

_AWS_KEY_PREFIXES = "A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)"
# (kind, pattern); the group `keep` is the part that may be shown: the token's well-known prefix.
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("a Hugging Face token", r"(?P<keep>hf_)[A-Za-z0-9]{20,}"),
        ("an AWS access key id", rf"(?<![A-Z0-9])(?P<keep>{_AWS_KEY_PREFIXES})[A-Z0-9]{{16}}(?![A-Z0-9])"),
        ("a GitHub token", r"(?P<keep>gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}"),
        ("an API key", r"(?P<keep>sk-)[A-Za-z0-9_-]{20,}"),
        ("a Slack token", r"(?P<keep>xox[abposr]-)[A-Za-z0-9-]{10,}"),
        ("a JSON Web Token", r"(?P<keep>eyJ)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        (
            "a private key",
            r"(?P<keep>-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        ),
        # 40 characters of base64 standing alone, with upper, lower and digits: an AWS secret access key.
        ("an AWS secret access key", r"(?<![A-Za-z0-9/+=])(?P<keep>)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),
    )
)
NOTE = " (a secret in the spec is not shown; a spec names secrets, it never holds them: revoke this one)"


def _is_secret(kind: str, match: re.Match[str]) -> bool:
    if kind != "an AWS secret access key":
        return True
    text = match.group(0)
    return any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)


def secret_kind(text: str) -> str | None:
    """What kind of secret `text` holds, if any."""
    for kind, pattern in SECRET_PATTERNS:
        if any(_is_secret(kind, match) for match in pattern.finditer(text)):
            return kind
    return None


def redact(text: str) -> str:
    """`text` with every secret replaced by its prefix and `…[redacted]`, plus a note when one was found."""
    found = False
    for kind, pattern in SECRET_PATTERNS:

        def hide(match: re.Match[str], kind: str = kind) -> str:
            nonlocal found
            if not _is_secret(kind, match):
                return match.group(0)
            found = True
            return f"{match.group('keep')}…[redacted]"

        text = pattern.sub(hide, text)
    return text + NOTE if found and NOTE not in text else text
