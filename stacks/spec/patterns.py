"""The text patterns of the spec, written once for the loader and the published JSON Schema.

Every pattern is anchored with `anchored()`: `^(?:...)$(?!\\n)`. In Python's `re` (which both the
loader and the `jsonschema` package use) a bare `$` also matches before a trailing newline, so
`name: "bot\\n"` would pass `^[a-z]+$`; the look-ahead refuses it. In ECMAScript (editors) `$` only
matches at the end, and the look-ahead changes nothing. Character classes are ASCII (`[0-9]`, not
`\\d`, which in Python also matches other scripts' digits).
"""

from __future__ import annotations

import re

END = "$(?!\\n)"


def anchored(body: str) -> str:
    """A pattern that matches the whole value, and nothing with a trailing newline."""
    return f"^(?:{body}){END}"


def any_case(word: str) -> str:
    """`[lL][aA]...`: JSON Schema patterns have no case-insensitive flag."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def matches(pattern: str, value: str) -> bool:
    """What JSON Schema's `pattern` means (a search; the patterns here are anchored)."""
    return re.search(pattern, value) is not None


PARTITION = "arn:aws(?:-[a-z]+)*"
ACCOUNT = "[0-9]{12}"

NAME = anchored("[a-z][a-z0-9-]{1,38}")
TOPIC_NAME = anchored("[0-9a-zA-Z_ !?.-]+")
_EMAIL_PART = "[^@.\\s\\x00-\\x1f\\x7f]+"
EMAIL = anchored(f"[^@\\s\\x00-\\x1f\\x7f]+@{_EMAIL_PART}(?:\\.{_EMAIL_PART})+")
IAM_PRINCIPAL = anchored(f"{PARTITION}:iam::{ACCOUNT}:(?:role|user)/[A-Za-z0-9_+=,.@/-]+")
KMS_KEY_ARN = anchored(f"{PARTITION}:kms:[a-z0-9-]+:{ACCOUNT}:(?:key|alias)/[A-Za-z0-9_/-]+")
ACM_CERTIFICATE_ARN = anchored(f"{PARTITION}:acm:[a-z0-9-]+:{ACCOUNT}:certificate/[A-Za-z0-9_-]+")
SUBNET_ID = anchored("subnet-[0-9a-f]{8,17}")
SECURITY_GROUP_ID = anchored("sg-[0-9a-f]{8,17}")
S3_URI = anchored("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/.*)?")
HF_REPO = anchored("hf://[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
HAS_SCHEME = "://"
KUBERNETES_VERSION = anchored("1\\.[0-9]{2}")
DNS_LABEL = anchored("[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
STORAGE_CLASS = anchored("[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")
ENV_NAME = anchored("[A-Z_][A-Z0-9_]*")
HTTP_URL = anchored("https?://[!-~]+")
RESERVED_TAG_PREFIX = "^" + any_case("aws:")

# Namespaces Kubernetes or this tool own: the tool creates (and on destroy deletes) the namespace it serves in.
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease", "keda", "deepseek-deploy-logs")
KUBE_PREFIX = "^kube-"

# ---------------------------------------------------------------- IPv4 CIDR blocks

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_ADDRESS = f"{_OCTET}(?:\\.{_OCTET}){{3}}"
IPV4_CIDR = anchored(f"{_ADDRESS}/(?:3[0-2]|[12]?[0-9])")
# AWS allows VPCs from /16 to /28.
VPC_CIDR = anchored(f"{_ADDRESS}/(?:1[6-9]|2[0-8])")

# ---------------------------------------------------------------- container images
# The distribution reference grammar (github.com/distribution/reference): [host[:port]/]path[:tag][@digest].

_HOST_PART = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
DIGEST = "@sha256:[a-f0-9]{64}"
# The first component is a registry host only with a dot, a port, or as localhost; else it is a (lowercase) path.
_REGISTRY = f"(?:{_HOST_PART}(?:\\.{_HOST_PART})+(?::[0-9]+)?|{_HOST_PART}:[0-9]+|localhost)"
IMAGE = anchored(f"(?:{_REGISTRY}/)?{_PATH_PART}(?:/{_PATH_PART})*(?::{_TAG})?(?:{DIGEST})?")
# Tags that move to new builds; a pinned image names a digest or a version tag (one with a digit).
FLOATING_WORDS = ("latest", "nightly", "edge", "main", "master", "head", "stable", "dev", "develop", "current")
_FLOATING = "|".join(any_case(word) for word in FLOATING_WORDS)
PINNED = f"(?:{DIGEST}|:[A-Za-z0-9_.-]*[0-9][A-Za-z0-9_.-]*){END}"
FLOATING_TAG = f":(?:[A-Za-z0-9_.-]*[._-])?(?:{_FLOATING})(?:[._-][A-Za-z0-9_.-]*)?{END}"
