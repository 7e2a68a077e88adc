"""A gateway names the tier that answered in the `x-deepseek-tier` response header; `Answer.served_by` carries it
(streamed or not), and an endpoint that does not say leaves it None."""

from __future__ import annotations

from dataclasses import dataclass

from deepseek_deploy.stacks.call.conversation import ask
from deepseek_deploy.stacks.call.invoke import invoke
from deepseek_deploy.stacks.call.request import Request
from tests.fakes.openai_server import FakeOpenAIServer, _OpenAIHandler

from .conftest import target


class _TierHandler(_OpenAIHandler):
    def end_headers(self) -> None:
        if self.fake.tier:
            self.send_header("x-deepseek-tier", self.fake.tier)
        super().end_headers()


@dataclass
class TierServer(FakeOpenAIServer):
    tier: str | None = None

    handler = _TierHandler


def test_the_tier_header_becomes_served_by_streamed_or_not():
    with TierServer(answer="42", tier="fast") as fake:
        aimed = target("self-hosted", base_url=fake.base_url, api_key="test-key")
        whole = invoke(aimed, Request(ask("?")))
        streamed = invoke(aimed, Request(ask("?"), stream=True))
    assert whole.served_by == streamed.served_by == "fast"
    assert whole.answer == streamed.answer == "42"


def test_no_header_no_tier():
    with FakeOpenAIServer(answer="42") as fake:
        answer = invoke(target("self-hosted", base_url=fake.base_url, api_key="test-key"), Request(ask("?")))
    assert answer.served_by is None
