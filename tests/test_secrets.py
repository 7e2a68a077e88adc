"""Secrets stay secret: the Hugging Face token and the generated API key never appear in any
output of any command, nor in files the tool writes, nor in errors (with --debug too).

The mock runtime normally answers a RandomPassword with a placeholder; here it answers with a
canary, as the real provider answers with the key, and the token comes from the environment.
"""

from __future__ import annotations

import pytest

from deepseek_deploy.stacks.run import recorder

from .conftest import EXAMPLES

TOKEN = "hf_CANARYtokenNEVERprint1234567890"
API_KEY = "CANARY-api-key-NEVER-print-0987654321"
SELF_HOSTED = [p for p in EXAMPLES if "self-hosted" in p.name]


INJECTED: list[str] = []


@pytest.fixture
def secrets_everywhere(monkeypatch, write_spec):
    """A self-hosted spec whose deploy-time token and generated key are canaries."""
    monkeypatch.setenv("HF_TOKEN_FOR_TEST", TOKEN)
    real_state = recorder._state

    def canary_state(type_token, name, inputs, secret_outputs=()):
        if type_token == "random:index/randomPassword:RandomPassword":
            INJECTED.append(name)
            inputs = {**inputs, "result": API_KEY}  # what the real provider answers: the key itself
        return real_state(type_token, name, inputs, secret_outputs)

    monkeypatch.setattr(recorder, "_state", canary_state)
    INJECTED.clear()
    text = SELF_HOSTED[0].read_text() + "\n"
    text = text.replace("serving:\n", "serving:\n  hf_token_env: HF_TOKEN_FOR_TEST\n", 1)
    return write_spec(text, "secret.yaml")


def every_file_under(path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in path.rglob("*") if p.is_file())


def test_the_canaries_are_really_in_the_program(secrets_everywhere, cli):
    """Guards the test itself: the planned resources do carry the two secrets (masked)."""
    document = cli("plan", secrets_everywhere, "--json").json()
    secrets = [r for r in document["resources"] if r["type"] == "kubernetes:core/v1:Secret"]
    assert secrets and any("hf-token" in r["inputs"].get("stringData", {}) for r in secrets)
    assert document["outputs"]["api_key"] == "[secret]" and INJECTED  # the key was generated, and masked


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "{spec}", "--json"),
        ("plan", "{spec}"),
        ("plan", "{spec}", "--debug"),
        ("plan", "{spec}", "--manifests", "{tmp}/manifests"),
        ("render", "{spec}", "-o", "{tmp}/project"),
        ("validate", "{spec}", "--json"),
        ("outputs", "{spec}", "--json"),
        ("status", "{spec}", "--json"),
        ("up", "{spec}", "--json", "--yes"),
    ],
    ids=lambda a: " ".join(a[:1] + tuple(x for x in a[2:] if x.startswith("-"))),
)
def test_no_secret_appears_in_output_files_or_errors(secrets_everywhere, cli, tmp_path, no_pulumi, args):
    # no_pulumi: the lifecycle commands fail here (no Pulumi CLI), so their error paths are covered.
    result = cli(*(a.format(spec=secrets_everywhere, tmp=tmp_path) for a in args))
    written = every_file_under(tmp_path)
    for secret in (TOKEN, API_KEY):
        assert secret not in result.out and secret not in result.err
        assert secret not in written


@pytest.mark.parametrize(
    "where",
    [
        "tags: {{token: {token}}}\nbogus: {token}\n",  # an unknown key's value
        "serving:\n  hf_token_env: {token}\n",  # the token where its variable's name belongs
        "serving:\n  image: {token}\n",  # a value some check quotes back
    ],
)
def test_a_token_pasted_into_the_spec_is_not_echoed(cli, write_spec, where):
    head = "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\n"
    result = cli("validate", write_spec(head + where.format(token=TOKEN)))
    assert result.code == 2 and TOKEN not in result.out + result.err


GATEWAY_HEAD = (
    "kind: gateway\nname: assistant\nregion: us-west-2\n"
    "tiers: {fast: fast.yaml, reasoning: strong.yaml}\n"
    "routing: {strategy: classifier, default: fast, escalate_to: reasoning}\n"
    "host: {platform: kubernetes}\n"
)


@pytest.mark.parametrize(
    "where",
    [
        "access: {{api_keys: [backend, {token}]}}\n",  # a key pasted where its name belongs
        "tags: {{token: {token}}}\nbogus: {token}\n",  # an unknown key's value
        "access: {{api_keys: [{token}, {token}]}}\n",  # a rule that compares values (duplicates)
    ],
)
def test_a_secret_pasted_into_a_gateway_spec_is_not_echoed(cli, write_spec, where):
    """The gateway generates its keys; one written into the spec is refused without being printed."""
    for tier, model in (("fast.yaml", "deepseek-v3.2"), ("strong.yaml", "deepseek-r1")):
        write_spec(f"name: {tier.split('.')[0]}\nmodel: {model}\nmode: serverless\nregion: us-west-2\n", tier)
    assert cli("validate", write_spec(GATEWAY_HEAD, "gateway.yaml")).code == 0  # valid but for the secret
    key = "sk-ant-api03-" + TOKEN
    for args in (("validate",), ("validate", "--json")):
        result = cli(*args, write_spec(GATEWAY_HEAD + where.format(token=key), "gateway.yaml"))
        assert result.code == 2, result.err
        assert TOKEN not in result.out + result.err
