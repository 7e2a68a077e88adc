"""The error boundary: exit codes of CLI.md and no traceback unless --debug."""

import json
import subprocess
import sys

import pytest

from deepseek_deploy.cli import main as main_module


def test_version(cli):
    from importlib.metadata import version

    result = cli("--version")
    assert result.code == 0 and result.out.strip() == f"deepseek-deploy {version('deepseek-deploy')}"


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert result.code == 0
    for command in ("models", "init", "validate", "schema"):
        assert command in result.out


def test_an_unknown_command_is_a_usage_error(cli):
    result = cli("bogus")
    assert result.code == 2 and "bogus" in result.err


def test_an_unexpected_error_is_one_line_without_traceback(cli, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("deepseek_deploy.cli.validate.validate_files", boom)
    result = cli("validate", "x.yaml")
    assert result.code == 1
    assert "unexpected RuntimeError: disk on fire" in result.err and "--debug" in result.err
    assert "Traceback" not in result.err


def test_debug_shows_the_traceback(cli, monkeypatch):
    monkeypatch.setattr("deepseek_deploy.cli.validate.validate_files", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli("--debug", "validate", "x.yaml")


def test_ctrl_c_exits_130(cli, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("deepseek_deploy.cli.validate.validate_files", interrupted)
    result = cli("validate", "x.yaml")
    assert result.code == 130 and "interrupted" in result.err


@pytest.mark.parametrize("script", ["deploy", "deepseek-deploy"])
def test_the_installed_console_scripts_work(script, tmp_path):
    from deepseek_deploy.stacks import catalog

    scripts = __import__("sysconfig").get_path("scripts")
    result = subprocess.run([f"{scripts}/{script}", "models", "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(catalog.load().models)


def test_the_help_path_does_not_import_pulumi_or_boto3():
    code = (
        "import sys; from deepseek_deploy.cli.main import main; main(['--help']); print(sorted(m for m in ('pulumi', "
        "'boto3', 'pydantic', 'pulumi_aws') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_main_module_keeps_command_modules_light():
    assert main_module.state["debug"] in (True, False)
