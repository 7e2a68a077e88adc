"""examples/platform-team: a team's own Pulumi program composing our components, run under mocks."""

import json
import runpy

from deepseek_deploy.stacks.run.recorder import record

from ..conftest import REPO
from .conftest import one

PROGRAM = REPO / "examples" / "platform-team" / "__main__.py"


def test_the_platform_team_program_composes_three_components():
    recording = record(lambda: runpy.run_path(str(PROGRAM)) and None, region="us-west-2")
    components = sorted(r["type"] for r in recording.resources if r["parent"] is None)
    assert components == [
        "deepseek-deploy:access:InvokeAccess",
        "deepseek-deploy:guardrails:Guardrail",
        "deepseek-deploy:serverless:ServerlessModel",
    ]
    policy = json.loads(one(recording, "aws:iam/policy:Policy")["inputs"]["policy"])
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert (
        deny
        and deny[0]["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"]
        == "${search-assistant-guardrail.guardrailArn}:${search-assistant-version.version}"
    )
    assert one(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")["inputs"]["role"] == "search-service"
    assert one(recording, "aws:bedrock/guardrail:Guardrail")["inputs"]["tags"] == {
        "team": "search",
        "cost-center": "4711",
    }


def test_every_public_component_name_resolves():
    import deepseek_deploy.components as components

    for name in components.__all__:
        assert getattr(components, name) is not None, name
    assert set(components.__all__) == set(components._MODULES)
