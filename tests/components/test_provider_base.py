"""AwsResourceProvider, the plumbing the dynamic providers share, through a minimal provider of its own."""

from __future__ import annotations

import pickle
from typing import Any, Optional

import pulumi.dynamic
import pytest
from botocore.exceptions import ClientError
from pulumi.dynamic.dynamic import serialize_provider

from deepseek_deploy.components.providers import _aws
from deepseek_deploy.components.providers._base import AwsResourceProvider
from deepseek_deploy.components.providers.marketplace_endpoint import MarketplaceEndpointProvider
from deepseek_deploy.components.providers.model_import_job import ModelImportJobProvider
from deepseek_deploy.components.providers.weights_upload import WeightsUploadProvider

NOT_FOUND = ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "Op")
CONFLICT = ClientError({"Error": {"Code": "ConflictException", "Message": "busy"}}, "Op")
ROLE_NOT_READY = ClientError({"Error": {"Code": "ValidationException", "Message": "Could not assume role r"}}, "Op")


class FakeClient:
    """Answers describe/delete from a script: a dict to return, or an exception to raise."""

    def __init__(self, describe: Any = None, delete: Optional[Exception] = None) -> None:
        self.describe, self.delete_error = describe, delete
        self.calls: list[str] = []

    def get_widget(self, **_: Any) -> dict[str, Any]:
        self.calls.append("get")
        if isinstance(self.describe, Exception):
            raise self.describe
        return self.describe

    def delete_widget(self, **_: Any) -> None:
        self.calls.append("delete")
        if self.delete_error:
            raise self.delete_error


class WidgetProvider(AwsResourceProvider):
    SERVICE = "widgets"
    KIND = "widget"
    REPLACE_KEYS = ("region", "name")
    UPDATE_KEYS = ("size",)
    STATE_ONLY_KEYS = ("tags",)
    OUTPUT_KEYS = ("arn", "status")
    UNIQUE_NAME_KEY = "name"

    def __init__(self, **time: Any) -> None:
        super().__init__(**time)
        self.updated: list[dict[str, Any]] = []
        self.waited_for_deletion = False

    def _input_failures(self, news: dict[str, Any]) -> list[Optional[pulumi.dynamic.CheckFailure]]:
        too_big = news.get("size", 0) > 10
        return [pulumi.dynamic.CheckFailure("size", "at most 10") if too_big else None]

    def _describe_live(self, client: Any, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        return client.get_widget(id=id_)

    def _live_outputs(self, id_: str, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        return {**props, "status": live["status"]}

    def _update_live(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        self.updated.append(news)
        return {**self.kept_outputs(olds, news), "status": "resized"}

    def _delete_live(self, client: Any, id_: str) -> None:
        client.delete_widget(id=id_)

    def _after_delete(self, client: Any, id_: str) -> None:
        self.waited_for_deletion = True


OLDS = {"region": "us-west-2", "name": "w", "size": 1, "tags": {"a": "b"}, "arn": "arn:w", "status": "ok"}


def news(**changes: Any) -> dict[str, Any]:
    return {**OLDS, "arn": None, "status": None, **changes}


@pytest.fixture
def client(monkeypatch):
    """The FakeClient `_aws.client` hands out; set its script per test."""
    fake = FakeClient()

    def fake_client(service: str, region: str) -> FakeClient:
        assert (service, region) == ("widgets", "us-west-2")
        return fake

    monkeypatch.setattr(_aws, "client", fake_client)
    return fake


@pytest.mark.parametrize(
    ("change", "replaces", "delete_first"),
    [
        ({"region": "us-east-1"}, ["region"], True),  # same name in the new place: the old one goes first
        ({"name": "w2"}, ["name"], False),  # a new name can exist beside the old one
        ({"size": 2}, [], False),
        ({"tags": {"a": "c"}}, [], False),
    ],
)
def test_diff_sorts_changes_into_replacements_and_in_place(change, replaces, delete_first):
    diff = WidgetProvider().diff("w", OLDS, news(**change))

    assert diff.changes is True and diff.replaces == replaces and diff.delete_before_replace is delete_first


def test_diff_treats_none_and_empty_as_unset_and_ignores_outputs():
    olds = {**OLDS, "tags": None}
    diff = WidgetProvider().diff("w", olds, news(tags={}))

    assert diff.changes is False and diff.replaces == []


def test_check_keeps_only_real_failures():
    provider = WidgetProvider()

    assert provider.check({}, news()).failures == []
    assert [f.property for f in provider.check({}, news(size=11)).failures] == ["size"]


def test_update_of_state_only_keys_makes_no_call_and_keeps_outputs():
    provider = WidgetProvider()
    outs = provider.update("w", OLDS, news(tags={"a": "c"})).outs

    assert provider.updated == []
    assert outs["tags"] == {"a": "c"} and (outs["arn"], outs["status"]) == ("arn:w", "ok")


def test_update_of_an_update_key_goes_to_the_provider():
    provider = WidgetProvider()
    outs = provider.update("w", OLDS, news(size=2)).outs

    assert [n["size"] for n in provider.updated] == [2]
    assert outs["size"] == 2 and outs["arn"] == "arn:w" and outs["status"] == "resized"


def test_read_returns_the_live_state(client):
    client.describe = {"status": "busy"}

    result = WidgetProvider().read("w", OLDS)

    assert result.id == "w" and result.outs == {**OLDS, "status": "busy"}


def test_read_of_a_vanished_resource_drops_it(client):
    client.describe = NOT_FOUND

    result = WidgetProvider().read("w", OLDS)

    assert result.id == "" and result.outs == {}


def test_read_errors_name_the_resource(client):
    client.describe = CONFLICT

    with pytest.raises(RuntimeError, match="Reading widget w: ConflictException: busy"):
        WidgetProvider().read("w", OLDS)


def test_delete_deletes_then_runs_the_after_delete_hook(client):
    provider = WidgetProvider()
    provider.delete("w", OLDS)

    assert client.calls == ["delete"] and provider.waited_for_deletion


def test_delete_of_a_missing_resource_succeeds_without_waiting(client):
    client.delete_error = NOT_FOUND
    provider = WidgetProvider()
    provider.delete("w", OLDS)

    assert client.calls == ["delete"] and not provider.waited_for_deletion


def test_delete_errors_name_the_resource(client):
    client.delete_error = CONFLICT

    with pytest.raises(RuntimeError, match="Deleting widget w: ConflictException"):
        WidgetProvider().delete("w", OLDS)


def test_calls_are_retried_while_a_new_role_propagates():
    sleeps: list[float] = []
    answers = iter([ROLE_NOT_READY, ROLE_NOT_READY, "done"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    provider = WidgetProvider(sleep=sleeps.append)

    assert provider.call_while_role_propagates(call, "Creating widget") == "done"
    assert sleeps == [2.0, 4.0]


def test_a_call_that_fails_otherwise_raises_a_friendly_error():
    def call() -> None:
        raise CONFLICT

    with pytest.raises(RuntimeError, match="Creating widget: ConflictException: busy"):
        WidgetProvider(sleep=lambda _: None).call_while_role_propagates(call, "Creating widget")


def test_wait_uses_the_injected_clock():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    states = iter([(False, "Creating"), (True, "Ready")])
    provider = WidgetProvider(sleep=sleep, clock=lambda: now[0])

    state = provider.wait(lambda: next(states), timeout_s=60, interval_s=10, describe=lambda s, e: s)

    assert state == "Ready" and now[0] == 10


def test_log_works_outside_a_pulumi_program():
    AwsResourceProvider.log("nothing listens here, and nothing fails")


@pytest.mark.parametrize(
    "provider_class", [WidgetProvider, MarketplaceEndpointProvider, ModelImportJobProvider, WeightsUploadProvider]
)
def test_every_provider_pickles_the_way_pulumi_does(provider_class):
    provider = provider_class()

    assert isinstance(pickle.loads(pickle.dumps(provider)), AwsResourceProvider)
    assert serialize_provider(provider)


def test_weights_upload_keeps_its_state_on_read_and_its_objects_on_delete(monkeypatch):
    def no_client(service: str, region: str) -> None:
        raise AssertionError("no AWS call expected")

    monkeypatch.setattr(_aws, "client", no_client)
    props = {"region": "us-west-2", "s3_uri": "s3://b/weights/", "files": 3}
    provider = WeightsUploadProvider()

    assert provider.read("s3://b/weights/", props).outs == props
    assert provider.delete("s3://b/weights/", props) is None
