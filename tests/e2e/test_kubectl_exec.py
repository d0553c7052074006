"""Real kubectl exec/attach against `kubegate serve`: WebSocket v5 with kubectl 1.30+, SPDY refused.

One server with `--enable-pod-exec` (commands run on this host) and one without; pods are
created with `kubectl run` and awaited with `kubectl wait`, never a sleep.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

ONLY_V5 = ("Error from server (BadRequest): kubegate serves pods/exec only over WebSocket with the "
           "v5.channel.k8s.io subprotocol (kubectl 1.30 or newer); SPDY and older channel protocols are not supported\n")


@pytest.fixture(scope="module")
def enabled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--enable-pod-exec", "--pod-start-delay", "50ms") as running:
        yield running


@pytest.fixture(scope="module")
def disabled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--pod-start-delay", "50ms") as running:
        yield running


def _kubectl(server: ServerProcess, home: Path, version: str = "1.32") -> Kubectl:
    return Kubectl(kubectl_binary(version), server.kubeconfig, home)


def _running_pod(kubectl: Kubectl, name: str) -> None:
    kubectl.ok("run", name, "--image=busybox", "--env=GREETING=hello from the pod")
    kubectl.ok("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")


def test_exec_runs_commands_and_passes_exit_codes(enabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(enabled, tmp_path)
    _running_pod(kubectl, "runner")
    result = kubectl.run("exec", "runner", "--", "echo", "hi")
    assert (result.returncode, result.stdout, result.stderr) == (0, "hi\n", "")

    result = kubectl.run("exec", "runner", "--", "sh", "-c", 'echo "$GREETING"; exit 3')
    assert result.returncode == 3
    assert result.stdout == "hello from the pod\n"
    assert result.stderr == "command terminated with exit code 3\n"

    result = kubectl.run("exec", "-i", "runner", "--", "cat", input="piped\nthrough\n")
    assert (result.returncode, result.stdout) == (0, "piped\nthrough\n")

    result = kubectl.run("exec", "runner", "-c", "x", "--", "true")
    assert (result.returncode, result.stderr) == (1, "Error from server (BadRequest): container x is not valid for pod runner\n")


def test_spdy_clients_are_told_to_use_websockets(enabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(enabled, tmp_path)
    _running_pod(kubectl, "spdy")
    env = {**kubectl.env(), "KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}
    result = subprocess.run([kubectl.binary, "exec", "spdy", "--", "true"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (1, ONLY_V5)


def test_exec_is_disabled_without_the_flag(disabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(disabled, tmp_path)
    _running_pod(kubectl, "quiet")
    result = kubectl.run("exec", "quiet", "--", "echo", "hi")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        "error: pods/exec is disabled in kubegate; start it with --enable-pod-exec to run commands on the host\n")
