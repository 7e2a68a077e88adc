"""A cluster-internal Service is reached through `kubectl port-forward`, started for the call and stopped after;
a stand-in kubectl forwards to the local OpenAI server."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys

import pytest

from deepseek_deploy.stacks.call.conversation import ask
from deepseek_deploy.stacks.call.health import check
from deepseek_deploy.stacks.call.invoke import invoke
from deepseek_deploy.stacks.call.portforward import reach
from deepseek_deploy.stacks.call.request import Request
from deepseek_deploy.stacks.errors import DeployError
from tests.fakes.openai_server import FakeOpenAIServer

from .conftest import target

KUBECTL = """#!{python}
import json, os, socket, sys, threading
args = sys.argv[1:]
kubeconfig = args[args.index("--kubeconfig") + 1] if "--kubeconfig" in args else None
seen = open(kubeconfig).read() if kubeconfig and os.path.exists(kubeconfig) else None
with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "kubeconfig": seen}}) + "\\n")
if os.environ.get("FAKE_KUBECTL_FAIL"):
    sys.stderr.write('error: services "bot" not found\\n')
    sys.exit(1)
local = int(next(a for a in args if a.split(":")[0].isdigit()).split(":")[0])
upstream = int(os.environ["FAKE_KUBECTL_TARGET"])
server = socket.create_server(("127.0.0.1", local))

def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def serve(conn):
    up = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pipe, args=(conn, up), daemon=True).start()
    pipe(up, conn)

while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


@pytest.fixture
def kubectl(tmp_path, monkeypatch):
    """A kubectl on PATH that forwards to FAKE_KUBECTL_TARGET and logs how it was called."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "kubectl"
    script.write_text(KUBECTL.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "kubectl.log"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()]


def in_cluster(**extra):
    return target(
        "self-hosted", in_cluster=True, namespace="ai", service="bot", base_url="http://bot.ai.svc:8000/v1", **extra
    )


def test_a_call_goes_through_a_port_forward_that_stops_after(kubectl, monkeypatch):
    with FakeOpenAIServer(output_tokens=2) as fake:
        monkeypatch.setenv("FAKE_KUBECTL_TARGET", str(fake.port))
        with reach(in_cluster(kubeconfig_text="apiVersion: v1\n", kube_context="prod")) as reachable:
            port = int(reachable.base_url.split(":")[2].split("/")[0])
            answer = invoke(reachable, Request(ask("hi")))
        assert answer.answer == "t0 t1"
    (call,) = kubectl()
    args = call["args"]
    assert args[-7:] == ["-n", "ai", "port-forward", "svc/bot", f"{port}:8000", "--address", "127.0.0.1"]
    assert args[args.index("--context") + 1] == "prod" and call["kubeconfig"] == "apiVersion: v1\n"
    assert not os.path.exists(args[args.index("--kubeconfig") + 1])  # the private copy is removed
    with pytest.raises(OSError):  # the forward is stopped
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_a_health_probe_goes_through_the_port_forward_too(kubectl, monkeypatch):
    with FakeOpenAIServer() as fake:
        monkeypatch.setenv("FAKE_KUBECTL_TARGET", str(fake.port))
        health = check(in_cluster(kubeconfig_path="~/kube.yaml"))
        assert [r.path for r in fake.received()] == ["/health"]
    assert health.healthy and health.latency_ms is not None
    assert kubectl()[0]["args"][:2] == ["--kubeconfig", os.path.expanduser("~/kube.yaml")]


def test_a_failing_port_forward_says_why(kubectl, monkeypatch):
    monkeypatch.setenv("FAKE_KUBECTL_FAIL", "1")
    with pytest.raises(DeployError) as raised, reach(in_cluster()):
        pass
    assert raised.value.code == 1 and 'services "bot" not found' in raised.value.message


def test_without_kubectl_it_is_a_missing_prerequisite(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DeployError) as raised, reach(in_cluster()):
        pass
    assert raised.value.code == 3 and "kubectl" in raised.value.message and "--endpoint" in raised.value.message
