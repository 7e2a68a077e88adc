"""A Bedrock Custom Model Import (weights in S3 -> an imported model) as a Pulumi dynamic resource.

The resource's id is the imported model's ARN: the job is only the way to make it. Any change to
what is imported makes a new import; a tags-only change updates Pulumi's state without an API call.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from . import _aws
from ._base import AwsResourceProvider

POLL_SECONDS = 60.0
DONE = "Completed"
FAILED = "Failed"
# Bedrock's JobName and ImportedModelName shapes (botocore service model).
JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*")
MODEL_NAME = re.compile(r"([0-9a-zA-Z][_-]?)+")
MAX_NAME_LENGTH = 63

# An import can't be changed after the fact: anything that shapes it means a new import.
REPLACE_KEYS = (
    "region",
    "job_name",
    "s3_uri",
    "imported_model_name",
    "role_arn",
    "kms_key_arn",
    "subnet_ids",
    "security_group_ids",
)
STATE_ONLY_KEYS = ("tags", "timeout_minutes")
OUTPUT_KEYS = ("job_arn", "imported_model_arn")


def _describe(props: dict[str, Any]) -> str:
    return f"model import job {props['job_name']!r} ({props['s3_uri']} -> {props['imported_model_name']!r})"


def _create_request(props: dict[str, Any], seed: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "jobName": props["job_name"],
        "importedModelName": props["imported_model_name"],
        "roleArn": props["role_arn"],
        "modelDataSource": {"s3DataSource": {"s3Uri": props["s3_uri"]}},
        "clientRequestToken": _aws.idempotency_token(props["job_name"], props["s3_uri"], seed),
    }
    if props.get("kms_key_arn"):
        request["importedModelKmsKeyId"] = props["kms_key_arn"]
    vpc = _aws.optional_vpc(props.get("subnet_ids"), props.get("security_group_ids"))
    if vpc:
        request["vpcConfig"] = vpc
    tags = _aws.tag_list(props.get("tags"))
    if tags:
        request["jobTags"] = tags
        request["importedModelTags"] = tags
    return request


def _failure(props: dict[str, Any], job: dict[str, Any]) -> RuntimeError:
    reason = job.get("failureMessage") or "AWS gave no reason"
    return RuntimeError(
        f"{_describe(props)} failed: {reason}. Check the weights layout under {props['s3_uri']}: "
        "config.json, the tokenizer files (tokenizer.json, tokenizer_config.json) and the *.safetensors "
        f"weights must sit directly at that prefix; and check that role {props['role_arn']} can "
        "s3:ListBucket and s3:GetObject there (plus kms:Decrypt if the bucket is KMS-encrypted)."
    )


def _name_failure(key: str, value: Any, pattern: re.Pattern[str]) -> Optional[pulumi.dynamic.CheckFailure]:
    if not _aws.is_known(value):
        return None
    text = str(value)
    if len(text) <= MAX_NAME_LENGTH and pattern.fullmatch(text):
        return None
    return pulumi.dynamic.CheckFailure(
        key, f"{text!r} must be 1-{MAX_NAME_LENGTH} characters matching {pattern.pattern}"
    )


class ModelImportJobProvider(AwsResourceProvider):
    """CRUD for a Bedrock imported model; the shared plumbing is in AwsResourceProvider."""

    SERVICE = "bedrock"
    KIND = "imported model"
    REPLACE_KEYS = REPLACE_KEYS
    STATE_ONLY_KEYS = STATE_ONLY_KEYS  # no UPDATE_KEYS: an import can't be changed in place
    OUTPUT_KEYS = OUTPUT_KEYS
    UNIQUE_NAME_KEY = "imported_model_name"  # imported model names are unique per account and region

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        bedrock = self.client(props)
        request = _create_request(props, _aws.fresh_seed())
        job_arn = self.call_while_role_propagates(  # a role created seconds ago
            lambda: bedrock.create_model_import_job(**request)["jobArn"], f"Starting {_describe(props)}"
        )
        job = self._wait_completed(bedrock, job_arn, props)
        model_arn = job["importedModelArn"]
        outs = {**props, "job_arn": job_arn, "imported_model_arn": model_arn}
        return pulumi.dynamic.CreateResult(id_=model_arn, outs=outs)

    # --- AwsResourceProvider hooks -------------------------------------------------------------

    def _input_failures(self, news: dict[str, Any]) -> list[Optional[pulumi.dynamic.CheckFailure]]:
        return [
            _name_failure("job_name", news.get("job_name"), JOB_NAME),
            _name_failure("imported_model_name", news.get("imported_model_name"), MODEL_NAME),
            _aws.half_vpc_failure(news),
        ]

    def _describe_live(self, client: Any, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        return client.get_model_import_job(jobIdentifier=props["job_arn"])

    def _live_outputs(self, id_: str, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        return {**props, "job_arn": live["jobArn"], "imported_model_arn": live.get("importedModelArn", id_)}

    def _read_label(self, id_: str, props: dict[str, Any]) -> str:
        return _describe(props)

    def _delete_live(self, client: Any, id_: str) -> None:
        client.delete_imported_model(modelIdentifier=id_)

    # --- helpers -------------------------------------------------------------------------------

    def _wait_completed(self, bedrock: Any, job_arn: str, props: dict[str, Any]) -> dict[str, Any]:
        what = _describe(props)
        last: dict[str, Any] = {}

        def check() -> tuple[bool, str]:
            try:
                job = bedrock.get_model_import_job(jobIdentifier=job_arn)
            except ClientError as exc:
                raise _aws.friendly_error(exc, f"Reading {what}") from exc
            last.update(job)
            status = job.get("status", "")
            if status == FAILED:
                raise _failure(props, job)
            return status == DONE, status

        try:
            self.wait(
                check,
                timeout_s=float(props.get("timeout_minutes") or 120) * 60,
                interval_s=POLL_SECONDS,
                describe=lambda state, elapsed: f"{what} is {state} after {elapsed / 60:.0f} min, waiting for {DONE}",
            )
        except TimeoutError as exc:
            # Import jobs can't be stopped; say what is left behind.
            raise TimeoutError(
                f"{exc} The job keeps running in AWS ({job_arn}); if it completes, delete the imported model "
                f"{props['imported_model_name']!r} in the Bedrock console, then raise timeout_minutes and re-run."
            ) from exc
        return last


class ModelImportJob(pulumi.dynamic.Resource, module="deepseek", name="ModelImportJob"):
    """A Bedrock imported model, made by a model import job that this resource waits on."""

    job_arn: pulumi.Output[str]
    imported_model_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        region: pulumi.Input[str],
        job_name: pulumi.Input[str],
        imported_model_name: pulumi.Input[str],
        role_arn: pulumi.Input[str],
        s3_uri: pulumi.Input[str],
        kms_key_arn: Optional[pulumi.Input[str]] = None,
        subnet_ids: Optional[pulumi.Input[list[str]]] = None,
        security_group_ids: Optional[pulumi.Input[list[str]]] = None,
        tags: Optional[pulumi.Input[dict[str, str]]] = None,
        timeout_minutes: int = 120,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props: dict[str, Any] = {
            "region": region,
            "job_name": job_name,
            "imported_model_name": imported_model_name,
            "role_arn": role_arn,
            "s3_uri": s3_uri,
            "kms_key_arn": kms_key_arn,
            "subnet_ids": subnet_ids,
            "security_group_ids": security_group_ids,
            "tags": tags or {},
            "timeout_minutes": timeout_minutes,
            # Declared as None so Pulumi exposes them as outputs filled in by the provider.
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(ModelImportJobProvider(), name, props, opts)
