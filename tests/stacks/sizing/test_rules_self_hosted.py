"""Issue 10 item 3: a self-hosted spec never accepts a shared section key and ignores it.

What self-hosted cannot make work is refused at `validate`, at the key's line and column, with the
reason and what to do. Defaults are never refused: only keys the user wrote.
"""

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_text
from deepseek_deploy.stacks.spec.loader import SpecError

from ...conftest import EXAMPLES, MINIMAL

SELF_HOSTED = MINIMAL["self-hosted"]  # an existing cluster (kubeconfig)
CREATED = SELF_HOSTED + "cluster:\n  create: eks\n"
ROLE = "arn:aws:iam::123456789012:role/app"


def errors(text: str) -> list[str]:
    try:
        resolve_text(text, "s.yaml")
    except SpecError as error:
        return [f"{d.line}:{d.column}:{d.message}" for d in error.diagnostics if d.severity == "error"]
    return []


def test_invocation_logs_true_on_an_existing_cluster_is_refused_at_the_key():
    (found,) = errors(SELF_HOSTED + "observability:\n  invocation_logs: true\n")
    assert found.startswith("6:20:") and "only on a cluster it creates (cluster.create: eks)" in found
    assert "namespace deepseek" in found and "invocation_logs: false" in found


def test_shared_invocation_logs_is_a_bedrock_setting():
    for text in (SELF_HOSTED, CREATED):
        (found,) = errors(text + "observability:\n  invocation_logs: shared\n")
        assert "`shared` is for Bedrock invocation logging" in found


def test_invocation_logs_that_take_effect_are_accepted():
    assert errors(CREATED + "observability:\n  invocation_logs: true\n  log_retention_days: 90\n") == []
    assert errors(SELF_HOSTED + "observability:\n  invocation_logs: false\n") == []


def test_a_retention_for_logs_that_are_not_shipped_is_refused():
    (found,) = errors(SELF_HOSTED + "observability:\n  log_retention_days: 90\n")
    assert found.startswith("6:23:") and "ships none" in found
    (found,) = errors(CREATED + "observability:\n  invocation_logs: false\n  log_retention_days: 90\n")
    assert "log_retention_days" in found


def test_alarms_need_the_prometheus_operator():
    (found,) = errors(SELF_HOSTED + "observability:\n  alarms: {p99_latency_ms: 30000}\n")
    assert found.startswith("6:3:") and "serving.service_monitor: true" in found and "PrometheusRule" in found
    assert len(errors(SELF_HOSTED + "observability:\n  alarms: {}\n")) == 1  # asked for, with default thresholds
    text = SELF_HOSTED + "serving:\n  service_monitor: true\nobservability:\n  alarms: {p99_latency_ms: 30000}\n"
    assert errors(text) == []


def test_an_alarm_email_is_refused_for_alertmanager_routing():
    text = SELF_HOSTED + "serving:\n  service_monitor: true\nobservability:\n  alarms:\n    email: ops@example.com\n"
    (found,) = errors(text)
    assert found.startswith("9:12:") and "Alertmanager" in found and "deepseek_deploy_stack=bot" in found


def test_a_dashboard_is_refused_unless_turned_off():
    (found,) = errors(SELF_HOSTED + "observability:\n  dashboard: true\n")
    assert "no CloudWatch dashboard for a vLLM endpoint" in found
    assert errors(SELF_HOSTED + "observability:\n  dashboard: false\n") == []


def test_invoke_principals_need_an_api_key():
    (found,) = errors(SELF_HOSTED + f"access:\n  invoke_principals: [{ROLE}]\nserving:\n  api_key: false\n")
    assert found.startswith("6:3:") and "serving.api_key: true" in found
    assert errors(SELF_HOSTED + f"access:\n  invoke_principals: [{ROLE}]\n") == []


# `alarms:` with every key commented out is null: the defaults, as for any section.
@pytest.mark.parametrize("section", ["", "observability: {}\n", "observability:\n  alarms:\n"])
def test_defaults_are_never_refused(section):
    assert errors(SELF_HOSTED + section) == []
    assert errors(CREATED + section) == []


def test_bedrock_modes_keep_every_setting():
    text = MINIMAL["serverless"] + "observability:\n  invocation_logs: shared\n  dashboard: true\n  alarms:\n"
    assert errors(text + "    email: ops@example.com\n") == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_still_validates(path):
    assert errors(path.read_text()) == []
