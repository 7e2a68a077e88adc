"""A Bedrock Marketplace model endpoint (a SageMaker endpoint Bedrock manages) as a Pulumi dynamic resource.

The AWS provider has no resource for `CreateMarketplaceModelEndpoint`, so this provider drives the
Bedrock API with boto3 and waits for the endpoint to be `InService` (a failed create deletes it).

Instance type, count and execution role change in place (UpdateMarketplaceModelEndpoint); a new
model, name, region, key or network replaces the endpoint. Tags are sent on create only: a tags-only
change updates Pulumi's state but makes no API call.

A replacement never stops serving. UpdateMarketplaceModelEndpoint takes only the endpoint's
configuration, no model and no deployment configuration
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateMarketplaceModelEndpoint.html), so a
new model needs a new endpoint; endpoint names are unique per account and region, so `check` gives the
replacement a name of its own (`replacement_name`). Pulumi then creates it beside the old one, which
keeps serving, waits until it is InService, updates what refers to it (the invoke policy, alarms,
autoscaling, the stack outputs) and deletes the old one last: its default create-before-delete
(https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Optional

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from . import _aws
from ._base import AwsResourceProvider

POLL_SECONDS = 30.0
DELETE_TIMEOUT_MINUTES = 30
MAX_NAME_LENGTH = 30  # Bedrock's EndpointName limit
READY = "InService"
FAILED = "Failed"

# A different model, name, place or network needs a new endpoint.
REPLACE_KEYS = (
    "region",
    "endpoint_name",
    "model_source_identifier",
    "kms_key_arn",
    "subnet_ids",
    "security_group_ids",
)
# What an endpoint serves and where: a change to any of these needs a new endpoint, under a new name.
GENERATION_KEYS = tuple(key for key in REPLACE_KEYS if key != "endpoint_name")
SUFFIX_LENGTH = 6  # hex digits of the hash a replacement's name ends with
# UpdateMarketplaceModelEndpoint can change these in place.
UPDATE_KEYS = ("instance_type", "instance_count", "execution_role_arn")
# Only recorded in state: tags and EULA acceptance matter at create, the timeout only to us.
STATE_ONLY_KEYS = ("tags", "timeout_minutes", "accept_eula")
OUTPUT_KEYS = ("endpoint_arn", "sagemaker_endpoint_name", "variant_name", "endpoint_status")
# What a read refreshes: our key and the key AWS reports it under (endpointConfig.sageMaker).
LIVE_UPDATE_KEYS = (
    ("instance_type", "instanceType"),
    ("instance_count", "initialInstanceCount"),
    ("execution_role_arn", "executionRole"),
)


def sagemaker_endpoint_name(endpoint_arn: str) -> str:
    """The SageMaker endpoint name: the part of the ARN after 'endpoint/'."""
    return endpoint_arn.split("endpoint/", 1)[-1]


def _generation(props: dict[str, Any]) -> str:
    """A short hash of what an endpoint serves and where (lists sorted, unset values alike)."""
    values = [_aws.normalized(props.get(key)) for key in GENERATION_KEYS]
    values = [sorted(value) if isinstance(value, list) else value for value in values]
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:SUFFIX_LENGTH]


def _name_prefix(base: str) -> str:
    return base[: MAX_NAME_LENGTH - SUFFIX_LENGTH - 1].rstrip("-")


def _is_generation_of(name: str, base: str) -> bool:
    """Whether `name` is the asked name `base` or one `replacement_name` made from it."""
    pattern = re.escape(_name_prefix(base)) + f"-[0-9a-f]{{{SUFFIX_LENGTH}}}"
    return name == base or re.fullmatch(pattern, name) is not None


def replacement_name(olds: dict[str, Any], news: dict[str, Any]) -> Any:
    """The endpoint's name: the asked one for a new endpoint, the current one while it stays, and for a
    replacement (a new model, key or network) the asked name with a hash of what it serves, so the new
    endpoint can run beside the old one until it is InService."""
    base, current = news.get("endpoint_name"), olds.get("endpoint_name")
    if not _aws.is_known(base) or not current or not _is_generation_of(str(current), str(base)):
        return base
    if not _aws.changed_keys(olds, news, GENERATION_KEYS):
        return current
    return f"{_name_prefix(str(base))}-{_generation(news)}"


def _describe(props: dict[str, Any]) -> str:
    return (
        f"marketplace endpoint {props['endpoint_name']!r} "
        f"({int(props['instance_count'])} x {props['instance_type']} in {props['region']})"
    )


def _endpoint_config(props: dict[str, Any]) -> dict[str, Any]:
    sagemaker: dict[str, Any] = {
        "initialInstanceCount": int(props["instance_count"]),
        "instanceType": props["instance_type"],
        "executionRole": props["execution_role_arn"],
    }
    if props.get("kms_key_arn"):
        sagemaker["kmsEncryptionKey"] = props["kms_key_arn"]
    vpc = _aws.optional_vpc(props.get("subnet_ids"), props.get("security_group_ids"))
    if vpc:
        sagemaker["vpc"] = vpc
    return {"sageMaker": sagemaker}


def _create_request(props: dict[str, Any], seed: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "modelSourceIdentifier": props["model_source_identifier"],
        "endpointName": props["endpoint_name"],
        "endpointConfig": _endpoint_config(props),
        "acceptEula": bool(props.get("accept_eula", False)),
        "clientRequestToken": _aws.idempotency_token(
            props["endpoint_name"], props["model_source_identifier"], props["instance_type"], seed
        ),
    }
    tags = _aws.tag_list(props.get("tags"))
    if tags:
        request["tags"] = tags
    return request


def _name_failure(name: Any) -> Optional[pulumi.dynamic.CheckFailure]:
    if not _aws.is_known(name) or 1 <= len(str(name)) <= MAX_NAME_LENGTH:
        return None
    return pulumi.dynamic.CheckFailure("endpoint_name", f"must be 1-{MAX_NAME_LENGTH} characters, got {name!r}")


def _count_failure(count: Any) -> Optional[pulumi.dynamic.CheckFailure]:
    if not _aws.is_known(count) or (isinstance(count, (int, float)) and count >= 1):
        return None
    return pulumi.dynamic.CheckFailure("instance_count", f"must be at least 1, got {count!r}")


def _endpoint(bedrock: Any, arn: str) -> dict[str, Any]:
    """The endpoint as Bedrock describes it; ClientErrors propagate so callers can spot not-found."""
    return bedrock.get_marketplace_model_endpoint(endpointArn=arn)["marketplaceModelEndpoint"]


def _get_endpoint(bedrock: Any, arn: str, what: str) -> dict[str, Any]:
    try:
        return _endpoint(bedrock, arn)
    except ClientError as exc:
        raise _aws.friendly_error(exc, f"Reading {what}") from exc


def _failure(props: dict[str, Any], endpoint: dict[str, Any]) -> RuntimeError:
    reason = endpoint.get("endpointStatusMessage") or "AWS gave no reason"
    fix = (
        _aws.QUOTA_FIX
        if _aws.is_quota_problem("", reason)
        else "Check that the instance type suits the model, that the execution role can be assumed by "
        "SageMaker, and the endpoint's CloudWatch logs (/aws/sagemaker/Endpoints/...)."
    )
    return RuntimeError(f"{_describe(props)} failed: {reason}. {fix}")


def _with_cleanup_note(exc: Exception, note: str) -> Exception:
    if type(exc) in (RuntimeError, TimeoutError):
        return type(exc)(f"{exc} {note}")
    return RuntimeError(f"{exc} {note}")


class MarketplaceEndpointProvider(AwsResourceProvider):
    """CRUD for a Bedrock Marketplace endpoint; the shared plumbing is in AwsResourceProvider."""

    SERVICE = "bedrock"
    KIND = "marketplace endpoint"
    REPLACE_KEYS = REPLACE_KEYS
    UPDATE_KEYS = UPDATE_KEYS
    STATE_ONLY_KEYS = STATE_ONLY_KEYS
    OUTPUT_KEYS = OUTPUT_KEYS
    UNIQUE_NAME_KEY = "endpoint_name"  # endpoint names are unique per account and region

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        # olds are the inputs Pulumi recorded, with the name an earlier check chose.
        return super().check(olds, {**news, "endpoint_name": replacement_name(olds, news)})

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        bedrock = self.client(props)
        request = _create_request(props, _aws.fresh_seed())
        response = self.call_while_role_propagates(
            lambda: bedrock.create_marketplace_model_endpoint(**request), f"Creating {_describe(props)}"
        )
        arn = response["marketplaceModelEndpoint"]["endpointArn"]
        try:
            outs = self._outputs(props, arn, self._wait_in_service(bedrock, arn, props))
        except Exception as exc:
            # Create must be all-or-nothing: Pulumi will not record this endpoint, so don't leave it billing.
            raise _with_cleanup_note(exc, self._cleanup(bedrock, arn)) from exc
        return pulumi.dynamic.CreateResult(id_=arn, outs=outs)

    # --- AwsResourceProvider hooks -------------------------------------------------------------

    def _input_failures(self, news: dict[str, Any]) -> list[Optional[pulumi.dynamic.CheckFailure]]:
        return [
            _name_failure(news.get("endpoint_name")),
            _count_failure(news.get("instance_count")),
            _aws.half_vpc_failure(news),
        ]

    def _describe_live(self, client: Any, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        return _endpoint(client, id_)

    def _live_outputs(self, id_: str, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        outs = {
            **props,
            "endpoint_arn": id_,
            "sagemaker_endpoint_name": sagemaker_endpoint_name(id_),
            "endpoint_status": live.get("endpointStatus", ""),
        }
        # Only the in-place-updatable settings are refreshed: AWS may echo others (KMS id vs ARN,
        # subnet order) in a different but equivalent form, which would force a needless replacement.
        sagemaker = live.get("endpointConfig", {}).get("sageMaker", {})
        outs.update({key: sagemaker[aws_key] for key, aws_key in LIVE_UPDATE_KEYS if aws_key in sagemaker})
        return outs

    def _update_live(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        bedrock = self.client(news)
        token = _aws.idempotency_token(
            id_, news["instance_type"], str(int(news["instance_count"])), news["execution_role_arn"]
        )
        self.call_while_role_propagates(  # the new role may be seconds old
            lambda: bedrock.update_marketplace_model_endpoint(
                endpointArn=id_, endpointConfig=_endpoint_config(news), clientRequestToken=token
            ),
            f"Updating {_describe(news)}",
        )
        return self._outputs(news, id_, self._wait_in_service(bedrock, id_, news))

    def _delete_live(self, client: Any, id_: str) -> None:
        client.delete_marketplace_model_endpoint(endpointArn=id_)

    def _after_delete(self, client: Any, id_: str) -> None:
        self._wait_gone(client, id_)

    # --- helpers -------------------------------------------------------------------------------

    def _wait_in_service(self, bedrock: Any, arn: str, props: dict[str, Any]) -> str:
        what = _describe(props)

        def check() -> tuple[bool, str]:
            endpoint = _get_endpoint(bedrock, arn, what)
            status = endpoint.get("endpointStatus", "")
            if status == FAILED:
                raise _failure(props, endpoint)
            return status == READY, status

        return self.wait(
            check,
            timeout_s=float(props.get("timeout_minutes") or 90) * 60,
            interval_s=POLL_SECONDS,
            describe=lambda state, elapsed: f"{what} is {state} after {elapsed / 60:.0f} min, waiting for {READY}",
        )

    def _wait_gone(self, bedrock: Any, arn: str) -> None:
        # Waiting matters for delete-before-replace: the same name can't be reused until this one is gone.
        def check() -> tuple[bool, str]:
            try:
                return False, _endpoint(bedrock, arn).get("endpointStatus", "")
            except ClientError as exc:
                if _aws.is_not_found(exc):
                    return True, "deleted"
                raise _aws.friendly_error(exc, f"Deleting marketplace endpoint {arn}") from exc

        self.wait(
            check,
            timeout_s=DELETE_TIMEOUT_MINUTES * 60,
            interval_s=POLL_SECONDS,
            describe=lambda state, elapsed: (
                f"marketplace endpoint {arn} is {state} after {elapsed / 60:.0f} min, waiting for it to be deleted"
            ),
        )

    def _cleanup(self, bedrock: Any, arn: str) -> str:
        """Best-effort delete after a failed create; returns a sentence for the error message."""
        try:
            self._delete_live(bedrock, arn)
        except ClientError as exc:
            if not _aws.is_not_found(exc):
                return f"Deleting the endpoint also failed ({_aws.error_message(exc)}): delete {arn} yourself."
        return "The endpoint was deleted so it does not keep running outside Pulumi's state; fix the cause and re-run."

    def _outputs(self, props: dict[str, Any], arn: str, status: str) -> dict[str, Any]:
        name = sagemaker_endpoint_name(arn)
        sagemaker = _aws.client("sagemaker", props["region"])
        try:
            variants = sagemaker.describe_endpoint(EndpointName=name).get("ProductionVariants") or []
        except ClientError as exc:
            raise _aws.friendly_error(exc, f"Describing SageMaker endpoint {name!r}") from exc
        return {
            **props,
            "endpoint_arn": arn,
            "sagemaker_endpoint_name": name,
            "variant_name": variants[0]["VariantName"] if variants else "",
            "endpoint_status": status,
        }


class MarketplaceEndpoint(pulumi.dynamic.Resource, module="deepseek", name="MarketplaceEndpoint"):
    """A Bedrock Marketplace model endpoint, created and waited on until it is InService."""

    endpoint_arn: pulumi.Output[str]
    sagemaker_endpoint_name: pulumi.Output[str]
    variant_name: pulumi.Output[str]
    endpoint_status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        region: pulumi.Input[str],
        endpoint_name: pulumi.Input[str],
        model_source_identifier: pulumi.Input[str],
        instance_type: pulumi.Input[str],
        instance_count: pulumi.Input[int],
        execution_role_arn: pulumi.Input[str],
        kms_key_arn: Optional[pulumi.Input[str]] = None,
        subnet_ids: Optional[pulumi.Input[list[str]]] = None,
        security_group_ids: Optional[pulumi.Input[list[str]]] = None,
        accept_eula: pulumi.Input[bool] = False,
        tags: Optional[pulumi.Input[dict[str, str]]] = None,
        timeout_minutes: int = 90,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props: dict[str, Any] = {
            "region": region,
            "endpoint_name": endpoint_name,
            "model_source_identifier": model_source_identifier,
            "instance_type": instance_type,
            "instance_count": instance_count,
            "execution_role_arn": execution_role_arn,
            "kms_key_arn": kms_key_arn,
            "subnet_ids": subnet_ids,
            "security_group_ids": security_group_ids,
            "accept_eula": accept_eula,
            "tags": tags or {},
            "timeout_minutes": timeout_minutes,
            # Declared as None so Pulumi exposes them as outputs filled in by the provider.
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(MarketplaceEndpointProvider(), name, props, opts)
