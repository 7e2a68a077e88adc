"""Checks before the engine starts: missing credentials or kubeconfig get their own message (exit 3)."""

from __future__ import annotations

import os
from typing import Any, Optional

from ..errors import MISSING_PREREQUISITE
from .engine import EngineError


def aws_credentials(profile: Optional[str]) -> None:
    import boto3
    import botocore.exceptions

    try:
        credentials = boto3.session.Session(profile_name=profile).get_credentials()
    except botocore.exceptions.ProfileNotFound:
        raise EngineError(
            f"AWS profile '{profile}' is not configured (~/.aws/config); check --aws-profile / AWS_PROFILE",
            MISSING_PREREQUISITE,
        ) from None
    if credentials is None:
        raise EngineError(
            "no AWS credentials found: set AWS_PROFILE, run `aws sso login` or `aws configure`, or export "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            MISSING_PREREQUISITE,
        )


def kubeconfig(spec: Any) -> None:
    """An existing cluster needs a readable kubeconfig (a created EKS cluster brings its own)."""
    if getattr(spec, "mode", None) != "self-hosted" or spec.cluster.create:
        return
    from ..build.kubernetes import kubeconfig_path

    path = kubeconfig_path(spec)
    if not os.path.isfile(path):
        raise EngineError(
            f"kubeconfig {path} not found: set cluster.kubeconfig (or KUBECONFIG), or use cluster.create: eks",
            MISSING_PREREQUISITE,
        )


def check(spec: Any, aws_profile: Optional[str]) -> None:
    aws_credentials(aws_profile)
    kubeconfig(spec)
