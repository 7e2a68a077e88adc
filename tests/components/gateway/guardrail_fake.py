"""A local stand-in for Bedrock's ApplyGuardrail (POST /guardrail/{id}/version/{v}/apply), for tests.

It intervenes when the text contains one of `blocked_words` and answers with `message`, as a guardrail
with a denied topic does; every call is kept in `received()` like the OpenAI fake's.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes._server import FakeServer, Handler


class _GuardrailHandler(Handler):
    def do_POST(self) -> None:
        body = self.read_body()
        self.record(body)
        if "/apply" not in self.path:
            self.send_json(404, {"message": f"no route {self.path}"})
            return
        text = " ".join(c.get("text", {}).get("text", "") for c in (body or {}).get("content", []))
        hit = any(word.lower() in text.lower() for word in self.fake.blocked_words)
        usage = {
            "topicPolicyUnits": 1,
            "contentPolicyUnits": 1,
            "wordPolicyUnits": 1,
            "sensitiveInformationPolicyUnits": 0,
            "sensitiveInformationPolicyFreeUnits": 0,
            "contextualGroundingPolicyUnits": 0,
        }
        self.send_json(
            200,
            {
                "usage": usage,
                "action": "GUARDRAIL_INTERVENED" if hit else "NONE",
                "outputs": [{"text": self.fake.message}] if hit else [],
                "assessments": [],
            },
        )


@dataclass
class FakeGuardrail(FakeServer):
    blocked_words: tuple[str, ...] = ("forbidden",)
    message: str = "Sorry, the guardrail blocked this."

    handler = _GuardrailHandler
