"""Reaching a cluster-internal vLLM Service: `kubectl port-forward` on a free 127.0.0.1 port, started for
the call and stopped after it.

`kubectl -n NS port-forward svc/NAME LOCAL:REMOTE --address 127.0.0.1` forwards to one ready pod of
the Service (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_port-forward/). It prints
"Forwarding from ..." once listening; the port accepting a connection is the signal used here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any, Optional

from ..errors import FAILED, MISSING_PREREQUISITE, DeployError
from .target import Target

SERVICE_PORT = 8000  # the vLLM Service's port (components/vllm_pod.py PORT)
READY_TIMEOUT_S = 30.0


@contextmanager
def reach(target: Target, *, kubectl: str = "kubectl", timeout_s: float = READY_TIMEOUT_S) -> Iterator[Target]:
    """The target as this machine can call it: itself, or through a port-forward while in the block."""
    if not target.in_cluster:
        yield target
        return
    with ExitStack() as stack:
        kubeconfig = target.kubeconfig_path and os.path.expanduser(target.kubeconfig_path)
        if target.kubeconfig_text:  # a created cluster's kubeconfig, kept in a private file for the call
            kubeconfig = stack.enter_context(_private_file(target.kubeconfig_text))
        port = stack.enter_context(
            port_forward(
                str(target.namespace),
                str(target.service),
                kubectl=kubectl,
                kubeconfig=kubeconfig or None,
                context=target.kube_context,
                timeout_s=timeout_s,
                remote_port=target.service_port,
            )
        )
        yield replace(target, base_url=f"http://127.0.0.1:{port}/v1", in_cluster=False)


@contextmanager
def port_forward(
    namespace: str,
    service: str,
    *,
    kubectl: str = "kubectl",
    kubeconfig: Optional[str] = None,
    context: Optional[str] = None,
    timeout_s: float = READY_TIMEOUT_S,
    popen: Callable[..., Any] = subprocess.Popen,
    remote_port: int = SERVICE_PORT,
) -> Iterator[int]:
    """Run the port-forward; yield the local port once it accepts connections; stop it after."""
    executable = shutil.which(kubectl)
    if executable is None:
        raise DeployError(
            f"the endpoint is cluster-internal (svc/{service} in {namespace}) and reaching it needs kubectl, which "
            "is not installed: install it (https://kubernetes.io/docs/tasks/tools/), or expose the Service "
            "(spec `serving.expose`) and pass --endpoint URL",
            MISSING_PREREQUISITE,
        )
    port = free_port()
    command = [executable]
    command += ["--kubeconfig", kubeconfig] if kubeconfig else []
    command += ["--context", context] if context else []
    command += ["-n", namespace, "port-forward", f"svc/{service}", f"{port}:{remote_port}", "--address", "127.0.0.1"]
    process = popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_until_listening(process, port, timeout_s, f"svc/{service} in namespace {namespace}")
        yield port
    finally:
        _stop(process)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(process: Any, port: int, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = (process.stderr.read() if process.stderr else "").strip()
            raise DeployError(f"kubectl port-forward to {what} failed: {detail or 'it exited'}", FAILED)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise DeployError(f"kubectl port-forward to {what} was not listening after {timeout_s:.0f} s", FAILED)


def _stop(process: Any) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


@contextmanager
def _private_file(text: str) -> Iterator[str]:
    handle, path = tempfile.mkstemp(prefix="deepseek-deploy-kubeconfig-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:  # mkstemp makes it 0600
            file.write(text)
        yield path
    finally:
        os.unlink(path)
