"""The model a stack records, read from a local backend, and the warning when a spec moves it."""

import gzip
import json

import pytest

from deepseek_deploy.stacks.run import state
from deepseek_deploy.stacks.run.dry_run import plan_document, recorded
from deepseek_deploy.stacks.sizing.deployment import model_change, resolve_text

from ...conftest import MINIMAL


def write_checkpoint(root, project, stack, outputs, *, scoped=True, compressed=False):
    folder = root / ".pulumi" / "stacks" / (project if scoped else "")
    folder.mkdir(parents=True, exist_ok=True)
    body = {
        "version": 3,
        "checkpoint": {
            "latest": {
                "resources": [
                    {
                        "urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}",
                        "type": "pulumi:pulumi:Stack",
                        "outputs": outputs,
                    },
                ]
            }
        },
    }
    path = folder / f"{stack}.json"
    if compressed:
        with gzip.open(str(path) + ".gz", "wt", encoding="utf-8") as handle:
            json.dump(body, handle)
    else:
        path.write_text(json.dumps(body))


@pytest.mark.parametrize("scoped, compressed", [(True, False), (False, False), (True, True)])
def test_outputs_are_read_from_each_layout(tmp_path, scoped, compressed):
    write_checkpoint(tmp_path, "deepseek-bot", "dev", {"model": "deepseek-r1"}, scoped=scoped, compressed=compressed)
    assert state.recorded_outputs(f"file://{tmp_path}", "deepseek-bot", "dev") == {"model": "deepseek-r1"}
    assert state.recorded_outputs(f"file://{tmp_path}", "deepseek-bot", "prod") == {}
    assert state.recorded_outputs("s3://bucket", "deepseek-bot", "dev") == {}


def test_plan_warns_when_the_stack_serves_other_weights(tmp_path):
    deployment = resolve_text(MINIMAL["serverless"])
    write_checkpoint(tmp_path, "deepseek-bot", "dev", {"model": "deepseek-other"})
    outputs = recorded(deployment, "dev", {"PULUMI_BACKEND_URL": f"file://{tmp_path}"})
    assert outputs == {"model": "deepseek-other"}
    warnings = plan_document(deployment, "dev", outputs)["warnings"]
    assert any("the stack serves deepseek-other" in w and "model: deepseek-other" in w for w in warnings)
    assert model_change(deployment, {"model": deployment.model.id}) is None and model_change(deployment, {}) is None


def test_an_alias_that_moved_but_serves_the_same_weights_says_so():
    """A 0.1.0 serverless stack of `deepseek-v3` served deepseek.v3.2, which `v3` still means."""
    deployment = resolve_text("name: bot\nmodel: v3\nmode: serverless\nregion: us-east-1\n")
    change = model_change(deployment, {"model": "deepseek-v3", "served_model": "deepseek.v3.2"})
    assert change is not None and "serves the same deepseek.v3.2" in change and "replace" not in change
