"""A Deployment's life with real kubectl: create, rollout status, scale, set image, history, undo.

It needs pods that run: the default simulated node and its kubelet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

DONE = 'deployment "web" successfully rolled out'


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary(), server.kubeconfig, tmp_path)


def rolled_out(kubectl: Kubectl) -> None:
    out = kubectl.ok("rollout", "status", "deployment/web", "--timeout=30s")
    assert out.strip().splitlines()[-1] == DONE, out


def test_create_scale_set_image_history_undo(kubectl: Kubectl) -> None:
    assert kubectl.ok("wait", "--for=condition=Ready", "node", "--all", "--timeout=10s").strip() == (
        "node/kubegate-node condition met")

    assert kubectl.ok("create", "deployment", "web", "--image=nginx", "--replicas=3").strip() == (
        "deployment.apps/web created")
    rolled_out(kubectl)
    assert kubectl.ok("get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}") == "3"

    assert kubectl.ok("scale", "deployment/web", "--replicas=2").strip() == "deployment.apps/web scaled"
    rolled_out(kubectl)
    assert kubectl.ok("get", "deployment", "web", "-o", "jsonpath={.status.replicas}") == "2"

    assert kubectl.ok("set", "image", "deployment/web", "nginx=nginx:1.27").strip() == (
        "deployment.apps/web image updated")
    rolled_out(kubectl)
    history = kubectl.ok("rollout", "history", "deployment/web")
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"], history
    sets = kubectl.ok("get", "rs", "-l", "app=web", "-o",
                      r"jsonpath={range .items[*]}{.spec.replicas}{' '}{.spec.template.spec.containers[0].image}{'\n'}{end}")
    assert sorted(sets.split("\n")[:-1]) == ["0 nginx", "2 nginx:1.27"], sets

    assert kubectl.ok("rollout", "undo", "deployment/web").strip() == "deployment.apps/web rolled back"
    rolled_out(kubectl)
    image = kubectl.ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert image == "nginx"
    revision = kubectl.ok("get", "deployment", "web", "-o",
                          r"jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}")
    assert revision == "3"

    assert kubectl.ok("rollout", "pause", "deployment/web").strip() == "deployment.apps/web paused"
    assert kubectl.ok("rollout", "resume", "deployment/web").strip() == "deployment.apps/web resumed"
    assert kubectl.ok("rollout", "restart", "deployment/web").strip() == "deployment.apps/web restarted"
    rolled_out(kubectl)
    described = kubectl.ok("describe", "deployment", "web")
    assert "ScalingReplicaSet" in described and "deployment-controller" in described
