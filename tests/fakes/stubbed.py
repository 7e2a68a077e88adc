"""A real boto3 client whose calls botocore's Stubber answers and checks against the service model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def stubbed(service: str, region: str = "us-east-1") -> Iterator[tuple[Any, Any]]:
    """(client, stubber); every queued response must have been used when the block ends."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()
