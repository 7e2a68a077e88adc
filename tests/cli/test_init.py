"""`deploy init`: starter specs that validate as written."""

import pytest

from deepseek_deploy.stacks.spec.loader import load_spec


def test_the_issue_example_writes_a_spec_that_validates(cli, tmp_path):
    out = str(tmp_path / "x.yaml")
    result = cli("init", "--model", "distill-qwen-7b", "--mode", "self-hosted", "-o", out)
    assert result.code == 0 and f"Wrote {out}" in result.err
    spec = load_spec(out).spec
    assert spec.model == "deepseek-r1-distill-qwen-7b" and spec.mode == "self-hosted"
    assert cli("validate", out).code == 0


@pytest.mark.parametrize(
    "model, mode",
    [
        (m, mode)
        for m in ("r1", "v3", "distill-qwen-1.5b", "distill-llama-8b", "distill-llama-70b")
        for mode in ("serverless", "marketplace", "custom-import", "self-hosted")
    ],
)
def test_every_combination_the_catalog_offers_renders_a_valid_spec(cli, tmp_path, model, mode):
    from deepseek_deploy.stacks import catalog

    out = str(tmp_path / "s.yaml")
    result = cli("init", "--model", model, "--mode", mode, "-o", out)
    if catalog.model(model).offer(mode).available:
        assert result.code == 0, result.err
        assert load_spec(out).spec.mode == mode
    else:
        assert result.code == 2 and "is not available with" in result.err


def test_without_output_the_spec_goes_to_stdout(cli):
    result = cli("init")
    assert result.code == 0 and result.out.startswith("# deepseek-deploy spec")
    assert "model: deepseek-r1  #" in result.out and "mode: serverless" in result.out


def test_comments_come_from_the_schema_descriptions(cli):
    from deepseek_deploy.stacks.spec.models import ServerlessSpec

    out = cli("init").out
    assert ServerlessSpec.model_fields["region"].description in out


def test_defaults_pick_a_mode_and_region_that_serve_the_model(cli, tmp_path):
    out = str(tmp_path / "s.yaml")
    assert cli("init", "--model", "distill-llama-8b", "-o", out).code == 0
    spec = load_spec(out).spec
    assert spec.mode == "custom-import" and spec.region == "us-west-2"


def test_it_refuses_to_overwrite_without_force(cli, tmp_path):
    out = tmp_path / "s.yaml"
    out.write_text("keep me")
    result = cli("init", "-o", str(out))
    assert result.code == 2 and "--force" in result.err and out.read_text() == "keep me"
    assert cli("init", "-o", str(out), "--force").code == 0 and out.read_text() != "keep me"


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--model", "deepseek-r2"), "did you mean 'deepseek-r1'?"),
        (("--mode", "serverles"), "did you mean 'serverless'?"),
        (("--model", "r1", "--region", "eu-west-1"), "regions that offer it"),
        (("--region", "mars-1"), "is not an AWS region"),
        (("--name", "Bad_Name"), "--name"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(cli, args, expected):
    result = cli("init", *args)
    assert result.code == 2 and expected in result.err and result.out == ""
