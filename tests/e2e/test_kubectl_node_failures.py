"""Real kubectl watching things go wrong: an image that cannot be pulled, a kubelet that stops.

One `kubegate serve --nodes 2` with a 2 s node grace period for the module; `kubectl wait`
waits for each state (a watch), never a sleep.
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
                        "--node-monitor-grace-period", "2s", "--system-workloads=false") as running:
        yield running


def _suffix(kubectl: Kubectl) -> str:
    return Path(kubectl.binary).name.replace("kubectl", "").replace(".", "-").strip("-") or "x"


def test_get_pod_shows_image_pull_back_off(kubectl: Kubectl) -> None:
    name = f"bad-{_suffix(kubectl)}"
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "annotations": {"kubegate.io/image-pull-error": "nginx:1.99"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.99"}]}}
    kubectl.ok("apply", "-f", "-", input=json.dumps(manifest))
    kubectl.ok("wait", "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff",
               f"pod/{name}", "--timeout=20s")
    row = kubectl.ok("get", "pod", name, "--no-headers").split()
    assert row[:4] == [name, "0/1", "ImagePullBackOff", "0"]
    described = kubectl.ok("describe", "pod", name)
    assert 'Failed to pull image "nginx:1.99": rpc error: code = NotFound' in described
    assert 'Back-off pulling image "nginx:1.99"' in described and "Error: ImagePullBackOff" in described


def test_describe_node_shows_the_taints_of_a_stopped_kubelet(kubectl: Kubectl) -> None:
    kubectl.ok("annotate", "node", "kubegate-node2", "kubegate.io/kubelet=stopped", "--overwrite")
    try:
        kubectl.ok("wait", "--for=condition=Ready=Unknown", "node/kubegate-node2", "--timeout=30s")
        kubectl.settle()  # the lifecycle controller's taints follow the condition
        assert "NotReady" in kubectl.ok("get", "node", "kubegate-node2", "--no-headers").split()
        described = kubectl.ok("describe", "node", "kubegate-node2")
        taints = described.split("Taints:", 1)[1].splitlines()[:2]
        assert [line.strip() for line in taints] == [
            "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]
        assert "NodeStatusUnknown" in described and "Kubelet stopped posting node status." in described
    finally:
        kubectl.ok("annotate", "node", "kubegate-node2", "kubegate.io/kubelet-")
    kubectl.ok("wait", "--for=condition=Ready", "node/kubegate-node2", "--timeout=30s")
    kubectl.settle()
    assert "Taints:             <none>" in kubectl.ok("describe", "node", "kubegate-node2")
