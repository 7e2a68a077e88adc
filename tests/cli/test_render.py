"""`deploy render`: the project records exactly what `deploy plan` reports, deterministically."""

import runpy

import pytest

from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.run.recorder import record
from deepseek_deploy.stacks.sizing.deployment import resolve_file

from ..conftest import EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_rendered_project_records_exactly_the_planned_resources(cli, tmp_path, path):
    out = tmp_path / "project"
    assert cli("render", str(path), "-o", str(out)).code == 0
    deployment = resolve_file(str(path))
    spec = deployment.spec
    planned = run_program(deployment).resources
    rendered = record(
        lambda: runpy.run_path(str(out / "__main__.py")) and None, project=f"deepseek-{spec.name}", region=spec.region
    ).resources
    assert rendered == planned


def test_rendering_is_byte_identical_and_complete(cli, tmp_path):
    path = str(EXAMPLES[0])
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("render", path, "-o", str(first)).code == 0 and cli("render", path, "-o", str(second)).code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert {str(f) for f in files} >= {
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "__main__.py",
        "requirements.txt",
        "README.md",
        ".github/workflows/deploy.yml",
        "spec.yaml",
    }
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    requirements = (first / "requirements.txt").read_text()
    wheel = next(line for line in requirements.splitlines() if line.endswith(".whl"))
    assert (first / wheel).is_file() and "deepseek-deploy==" not in requirements  # no index has it
    assert len((first / "__main__.py").read_text().splitlines()) < 25


def test_user_edits_are_kept_unless_forced(cli, tmp_path):
    path, out = str(EXAMPLES[0]), tmp_path / "p"
    assert cli("render", path, "-o", str(out)).code == 0
    readme = out / "README.md"
    readme.write_text(readme.read_text() + "\nOur team's notes.\n")
    again = cli("render", path, "-o", str(out))
    assert again.code == 2 and "README.md" in again.err and "Our team's notes." in readme.read_text()
    assert cli("render", path, "-o", str(out), "--force").code == 0 and "Our team's notes." not in readme.read_text()
    assert cli("render", path, "-o", str(out)).code == 0  # untouched files re-render silently


def test_the_ci_workflow_uses_oidc_and_no_stored_keys(cli, tmp_path):
    out = tmp_path / "p"
    cli("render", str(EXAMPLES[0]), "-o", str(out))
    workflow = (out / ".github" / "workflows" / "deploy.yml").read_text()
    assert "id-token: write" in workflow and "role-to-assume" in workflow and "AWS_SECRET_ACCESS_KEY" not in workflow
    import yaml

    assert yaml.safe_load(workflow)["jobs"]["pulumi"]["steps"]


@pytest.mark.parametrize(
    "stack", ["../../etc", "dev/../../x", "dev\nenv: {EVIL: 1}", "${{ github.token }}", ".hidden", ""]
)
def test_stack_names_that_could_escape_the_project_or_the_workflow_are_refused(cli, tmp_path, stack):
    out = tmp_path / "p"
    result = cli("render", str(EXAMPLES[0]), "-o", str(out), "--stack", stack)
    assert result.code == 2 and "is not a stack name" in result.err
    assert not out.exists() and not (tmp_path / "etc").exists()


def test_the_platform_team_example_installs_this_repository():
    from ..conftest import REPO

    example = REPO / "examples" / "platform-team"
    lines = [line for line in (example / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    local = [line for line in lines if line.startswith(".")]
    assert local and (example / local[0] / "pyproject.toml").is_file()
    assert 'name = "deepseek-deploy"' in (example / local[0] / "pyproject.toml").read_text()
