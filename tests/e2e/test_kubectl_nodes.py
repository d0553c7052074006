"""Real kubectl against simulated nodes: get/describe nodes, cordon, drain, logs.

One `kubegate serve --nodes 2` for the module; each kubectl version works on its own pods.
Pods are created bound (`nodeName`), and `kubectl wait` waits for the kubelet, never a sleep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl
from tests.support.server import ServerProcess, kubegate_serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--nodes", "2", "--pod-start-delay", "50ms",
                        "--pod-run-time", "2s") as running:
        yield running


def _suffix(kubectl: Kubectl) -> str:
    return Path(kubectl.binary).name.replace("kubectl", "").replace(".", "-").strip("-") or "x"


def _pod(kubectl: Kubectl, name: str, *, node: str = "kubegate-node", containers: tuple[str, ...] = ("nginx",),
         restart: str = "Always") -> None:
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
        "nodeName": node, "restartPolicy": restart,
        "containers": [{"name": c, "image": c} for c in containers]}}
    kubectl.ok("apply", "-f", "-", input=json.dumps(manifest))


def test_get_and_describe_nodes(kubectl: Kubectl) -> None:
    table = kubectl.ok("get", "nodes").splitlines()
    assert table[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    rows = [line.split() for line in table[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("kubegate-node", "Ready", "control-plane"), ("kubegate-node2", "Ready", "<none>")]
    assert rows[0][4].startswith("v1.")
    wide = kubectl.ok("get", "node", "kubegate-node", "-o", "wide")
    assert "172.18.0.2" in wide and "containerd://1.7.24" in wide
    described = kubectl.ok("describe", "node", "kubegate-node")
    assert "KubeletReady" in described and "kubelet is posting ready status" in described
    assert "PodCIDR:                      10.244.0.0/24" in described
    assert "Starting kubelet." in described


def test_logs(kubectl: Kubectl) -> None:
    name = f"logs-{_suffix(kubectl)}"
    _pod(kubectl, name)
    kubectl.ok("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=20s")
    assert kubectl.ok("logs", name) == "kubegate: container nginx started (image docker.io/library/nginx:latest)\n"
    wrong = kubectl.run("logs", name, "-c", "nope")
    assert wrong.returncode != 0
    assert f"container nope is not valid for pod {name}" in wrong.stderr
    previous = kubectl.run("logs", name, "--previous")
    assert f'previous terminated container "nginx" in pod "{name}" not found' in previous.stderr
    two = f"two-{_suffix(kubectl)}"
    _pod(kubectl, two, containers=("a", "b"))
    kubectl.ok("wait", "--for=condition=Ready", f"pod/{two}", "--timeout=20s")
    defaulted = kubectl.run("logs", two)
    assert defaulted.returncode == 0 and 'Defaulted container "a" out of: a, b' in defaulted.stderr
    job = f"job-{_suffix(kubectl)}"
    _pod(kubectl, job, restart="Never", containers=("busybox",))
    kubectl.ok("wait", "--for=jsonpath={.status.containerStatuses[0].started}=true", f"pod/{job}", "--timeout=20s")
    followed = kubectl.ok("logs", "-f", job)  # returns once the container has exited
    assert followed.splitlines() == [
        "kubegate: container busybox started (image docker.io/library/busybox:latest)",
        "kubegate: container busybox exited with code 0",
    ]
    kubectl.ok("wait", "--for=jsonpath={.status.phase}=Succeeded", f"pod/{job}", "--timeout=20s")
    assert "Completed" in kubectl.ok("get", "pod", job)


def test_cordon_drain_uncordon(kubectl: Kubectl) -> None:
    name = f"drained-{_suffix(kubectl)}"
    _pod(kubectl, name, node="kubegate-node2")
    kubectl.ok("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=20s")
    assert "cordoned" in kubectl.ok("cordon", "kubegate-node2")
    assert "Ready,SchedulingDisabled" in kubectl.ok("get", "node", "kubegate-node2")
    drained = kubectl.run("drain", "kubegate-node2", "--force", "--ignore-daemonsets", "--timeout=30s")
    assert drained.returncode == 0, drained.stderr
    assert f"pod/{name} evicted" in drained.stdout
    assert kubectl.run("get", "pod", name).returncode != 0  # gone
    assert "uncordoned" in kubectl.ok("uncordon", "kubegate-node2")
    assert "SchedulingDisabled" not in kubectl.ok("get", "node", "kubegate-node2")
