"""Real kubectl port-forward against `kubegate serve`: SPDY in WebSocket with kubectl 1.31+.

The pod's "container port" is an upper-casing server on this host's loopback (there are no
containers); kubectl listens on a port of its choosing, printed in its `Forwarding from` line,
and the test connects there. kubectl runs in the background and is killed by its pid.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubegate.endpoints.virtual.portforward import ONLY_WEBSOCKET
from tests.support.echo import closed_port, round_trip, serving_in_thread
from tests.support.kubectl import Kubectl, LineStream, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)\n")


@pytest.fixture(scope="module")
def enabled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--enable-pod-port-forward", "--pod-start-delay", "50ms") as running:
        yield running


@pytest.fixture(scope="module")
def disabled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--pod-start-delay", "50ms") as running:
        yield running


def _kubectl(server: ServerProcess, home: Path, version: str = "1.32") -> Kubectl:
    return Kubectl(kubectl_binary(version), server.kubeconfig, home)


def _running_pod(kubectl: Kubectl, name: str) -> None:
    kubectl.ok("run", name, "--image=nginx")
    kubectl.ok("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")


def _forward(kubectl: Kubectl, pod: str, remote: int) -> tuple[LineStream, int]:
    """Start `kubectl port-forward pod/POD :REMOTE`; its process and the local port it chose."""
    stream = kubectl.stream("port-forward", f"pod/{pod}", f":{remote}")
    line = stream.readline()
    match = FORWARDING.fullmatch(line)
    if match is None:
        stream.stop()
        raise AssertionError(f"unexpected first line {line!r}")
    assert int(match[2]) == remote
    return stream, int(match[1])


@pytest.mark.parametrize("version", ["1.32", "1.31"])
def test_port_forward_carries_bytes_both_ways(enabled: ServerProcess, tmp_path: Path, version: str) -> None:
    kubectl = _kubectl(enabled, tmp_path, version)
    pod = f"web-{version.replace('.', '-')}"
    _running_pod(kubectl, pod)
    with serving_in_thread() as port:
        stream, local = _forward(kubectl, pod, port)
        try:
            assert round_trip(local, b"hello through kubectl") == b"HELLO THROUGH KUBECTL"
            assert round_trip(local, b"a second connection") == b"A SECOND CONNECTION"
            big = bytes(range(97, 123)) * 40000  # ~1 MiB: many SPDY data frames each way
            assert round_trip(local, big) == big.upper()
        finally:
            stream.stop()


def test_a_port_nothing_listens_on_gets_the_kubelets_error(enabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(enabled, tmp_path)
    _running_pod(kubectl, "refusing")
    remote = closed_port()
    stream, local = _forward(kubectl, "refusing", remote)
    try:
        assert round_trip(local, b"anyone?") == b""
        assert stream.process.wait(timeout=30) == 1  # kubectl gives up the connection to the pod
        assert stream.process.stderr is not None
        err = stream.process.stderr.read()
    finally:
        stream.stop()
    assert f"an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod " in err
    assert f"failed to connect to localhost:{remote} inside namespace" in err
    assert f"IPv4: dial tcp4 127.0.0.1:{remote}: connect: connection refused" in err
    assert err.endswith("error: lost connection to pod\n")


@pytest.mark.parametrize("version", ["1.32", "1.30"])
def test_spdy_clients_are_told_to_use_websockets(enabled: ServerProcess, tmp_path: Path, version: str) -> None:
    kubectl = _kubectl(enabled, tmp_path, version)
    pod = f"spdy-{version.replace('.', '-')}"
    _running_pod(kubectl, pod)
    env = {**kubectl.env(), "KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"}  # 1.30 speaks only SPDY anyway
    result = subprocess.run([kubectl.binary, "port-forward", f"pod/{pod}", ":8080"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: error upgrading connection: {ONLY_WEBSOCKET}\n"


def test_port_forward_is_disabled_without_the_flag(disabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(disabled, tmp_path)
    _running_pod(kubectl, "quiet")
    result = kubectl.run("port-forward", "pod/quiet", ":8080")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: error upgrading connection: pods/portforward is disabled in kubegate; "
        "start it with --enable-pod-port-forward to forward to ports on this host\n")


def test_get_on_pods_portforward_is_not_enough(enabled: ServerProcess, tmp_path: Path) -> None:
    kubectl = _kubectl(enabled, tmp_path)
    _running_pod(kubectl, "guarded")
    kubectl.ok("create", "role", "forward-get", "--verb=get", "--resource=pods,pods/portforward")
    kubectl.ok("create", "rolebinding", "bob-forward-get", "--role=forward-get", "--user=bob")
    result = kubectl.run("--as=bob", "port-forward", "pod/guarded", ":8080")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        'error: error upgrading connection: pods "guarded" is forbidden: User "bob" cannot create resource '
        '"pods/portforward" in API group "" in the namespace "default"\n')
