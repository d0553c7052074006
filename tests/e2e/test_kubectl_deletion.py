"""`kubectl delete` with real kubectl 1.32: cascade modes over an owner chain, and pod grace.

Each test builds by hand the chain a real cluster's controllers would make: Deployment ->
ReplicaSet -> pods, with controller references that block their owner's deletion. So that the
chain stays exactly that, this module's server runs its controller manager without the
deployment and replicaset controllers (`--controllers=*,-deployment,-replicaset`, as one can
start kube-controller-manager); the garbage collector, which the cascades are about, runs.
kubectl waits after a delete until the object is gone, so a command that returns is itself the
proof that the wait ended.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

pytestmark = pytest.mark.kubectl

CONTAINERS = [{"name": "c", "image": "nginx"}]
FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. "
    "The resource may continue to run on the cluster indefinitely."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Without them the Deployment would make a ReplicaSet of its own, and web-1 would get pods."""
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--controllers=*,-deployment,-replicaset") as running:
        yield running


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def create(kubectl: Kubectl, namespace: str, obj: dict[str, Any]) -> str:
    """Create `obj` and return its uid."""
    return kubectl.ok("create", "-n", namespace, "-f", "-", "-o", "jsonpath={.metadata.uid}", input=json.dumps(obj))


def owner(kind: str, name: str, uid: str, api_version: str = "apps/v1") -> list[dict[str, Any]]:
    return [{"apiVersion": api_version, "kind": kind, "name": name, "uid": uid, "controller": True, "blockOwnerDeletion": True}]


def chain(kubectl: Kubectl, namespace: str, *, pod_spec: dict[str, Any] | None = None) -> None:
    kubectl.ok("create", "namespace", namespace)
    labels = {"app": "web"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": CONTAINERS}}
    workload = {"selector": {"matchLabels": labels}, "template": template}
    deploy = create(kubectl, namespace, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": labels}, "spec": workload})
    rs = create(kubectl, namespace, {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-1", "labels": labels, "ownerReferences": owner("Deployment", "web", deploy)},
        "spec": workload,
    })
    for suffix in ("a", "b"):
        create(kubectl, namespace, {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"web-1-{suffix}", "labels": labels, "ownerReferences": owner("ReplicaSet", "web-1", rs)},
            "spec": {"containers": CONTAINERS, **(pod_spec or {})},
        })


def names(kubectl: Kubectl, namespace: str) -> list[str]:
    return kubectl.ok("get", "deployments,replicasets,pods", "-n", namespace, "-o", "name").split()


def test_cascade_foreground_returns_once_the_whole_chain_is_gone(kubectl: Kubectl) -> None:
    # Bound pods with a 1 s grace period: the deployment outlives them by at least that long.
    chain(kubectl, "fg", pod_spec={"nodeName": "node-1", "terminationGracePeriodSeconds": 1})
    assert kubectl.ok("delete", "deployment", "web", "-n", "fg", "--cascade=foreground") == 'deployment.apps "web" deleted\n'
    assert names(kubectl, "fg") == []


def test_cascade_foreground_shows_the_owner_while_it_waits(kubectl: Kubectl) -> None:
    chain(kubectl, "fgw", pod_spec={"nodeName": "node-1", "terminationGracePeriodSeconds": 30})
    out = kubectl.ok("delete", "deployment", "web", "-n", "fgw", "--cascade=foreground", "--wait=false")
    assert out == 'deployment.apps "web" deleted\n'
    shown = json.loads(kubectl.ok("get", "deployment", "web", "-n", "fgw", "-o", "json"))
    assert shown["metadata"]["finalizers"] == ["foregroundDeletion"] and shown["metadata"]["deletionTimestamp"]
    pods = kubectl.ok("get", "pods", "-n", "fgw", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,STATUS:.metadata.deletionTimestamp")
    assert [line.split()[0] for line in pods.splitlines()] == ["web-1-a", "web-1-b"]
    assert all(len(line.split()) == 2 for line in pods.splitlines())  # both terminating
    # Forcing the pods out lets the collector finish the ReplicaSet and then the deployment.
    forced = kubectl.run("delete", "pods", "--all", "-n", "fgw", "--force", "--grace-period=0")
    assert forced.returncode == 0, forced.stderr
    waited = kubectl.run("wait", "--for=delete", "deployment/web", "-n", "fgw", "--timeout=10s")
    assert waited.returncode == 0, waited.stderr
    assert names(kubectl, "fgw") == []


def test_cascade_orphan_keeps_the_dependents_without_the_reference(kubectl: Kubectl) -> None:
    chain(kubectl, "orphan")
    assert kubectl.ok("delete", "deployment", "web", "-n", "orphan", "--cascade=orphan") == 'deployment.apps "web" deleted\n'
    assert names(kubectl, "orphan") == ["replicaset.apps/web-1", "pod/web-1-a", "pod/web-1-b"]
    assert kubectl.ok("get", "rs", "web-1", "-n", "orphan", "-o", "jsonpath={.metadata.ownerReferences}") == ""
    assert kubectl.ok("get", "pod", "web-1-a", "-n", "orphan", "-o", "jsonpath={.metadata.ownerReferences[0].name}") == "web-1"


def test_cascade_background_lets_the_collector_remove_the_dependents(kubectl: Kubectl) -> None:
    chain(kubectl, "bg")
    assert kubectl.ok("delete", "deployment", "web", "-n", "bg") == 'deployment.apps "web" deleted\n'
    waited = kubectl.run("wait", "--for=delete", "replicaset/web-1", "pod/web-1-a", "pod/web-1-b", "-n", "bg", "--timeout=10s")
    assert waited.returncode == 0, waited.stderr
    assert names(kubectl, "bg") == []


def bound_pod(kubectl: Kubectl, namespace: str, name: str, grace: int = 30) -> None:
    create(kubectl, namespace, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"nodeName": "node-1", "terminationGracePeriodSeconds": grace, "containers": CONTAINERS},
    })


def test_deleting_a_bound_pod_waits_out_its_grace_period(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "grace")
    bound_pod(kubectl, "grace", "slow")
    dry = kubectl.ok("delete", "pod", "slow", "-n", "grace", "--dry-run=server")
    assert dry == 'pod "slow" deleted (server dry run)\n'
    assert kubectl.ok("get", "pod", "slow", "-n", "grace", "-o", "jsonpath={.metadata.deletionTimestamp}") == ""
    assert kubectl.ok("delete", "pod", "slow", "-n", "grace", "--grace-period=1") == 'pod "slow" deleted\n'
    gone = kubectl.run("get", "pod", "slow", "-n", "grace")
    assert gone.returncode == 1 and gone.stderr == 'Error from server (NotFound): pods "slow" not found\n'
    bound_pod(kubectl, "grace", "now")
    assert kubectl.ok("delete", "pod", "now", "-n", "grace", "--now") == 'pod "now" deleted\n'


def test_force_deletion_prints_the_real_warning(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "force")
    bound_pod(kubectl, "force", "stuck", grace=300)
    result = kubectl.run("delete", "pod", "stuck", "-n", "force", "--force", "--grace-period=0")
    assert result.returncode == 0
    assert result.stdout == 'pod "stuck" force deleted\n'
    assert result.stderr == FORCE_WARNING + "\n"
