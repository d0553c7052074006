"""`--authorization-mode=Node`: a kubelet's client certificate reads only what its pods use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "/api/v1/namespaces/default"


@pytest.fixture(scope="module")
def kubelet(pki_files: pki.PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    """The client certificate of node n1's kubelet: CN system:node:n1, O system:nodes."""
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    cert, key = pki.issue_client_cert(
        ca_cert_pem=ca_cert, ca_key_pem=ca_key, user="system:node:n1", groups=("system:nodes",)
    )
    directory: Path = tmp_path_factory.mktemp("kubelet")
    (directory / "n1.crt").write_bytes(cert)
    (directory / "n1.key").write_bytes(key)
    return Identity(directory / "n1.crt", directory / "n1.key")


def pod(name: str, node: str, *, secret: str, configmap: str = "", claim: str = "") -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "nginx", "envFrom": [{"secretRef": {"name": secret}}]}
    if configmap:
        container["env"] = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": configmap, "key": "k"}}}]
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}] if claim else []
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [container], "volumes": volumes},
    }


async def create(api: InProcessServer, admin: Identity, path: str, obj: dict[str, Any]) -> None:
    response = await api.request("POST", path, identity=admin, json=obj)
    assert response.status == 201, response.text


@pytest.fixture
async def cluster(start_server: StartServer, admin: Identity) -> InProcessServer:
    api = await start_server(authorization_mode=("Node",))
    for node in ("n1", "n2"):
        await create(api, admin, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    for name in ("s1", "s2"):
        await create(api, admin, f"{NS}/secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}})
    await create(api, admin, f"{NS}/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}})
    await create(api, admin, f"{NS}/persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "claim1"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    })
    await create(api, admin, "/api/v1/persistentvolumes", {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"},
                 "claimRef": {"namespace": "default", "name": "claim1"}},
    })
    await create(api, admin, f"{NS}/pods", pod("p1", "n1", secret="s1", configmap="c1", claim="claim1"))
    await create(api, admin, f"{NS}/pods", pod("p2", "n2", secret="s2"))
    return api


def forbidden(what: str, verb: str, resource: str, where: str, reason: str) -> str:
    return f'{what} is forbidden: User "system:node:n1" cannot {verb} resource "{resource}" in API group "" {where}: {reason}'


NO_RELATIONSHIP = "no relationship found between node 'n1' and this object"
IN_DEFAULT = 'in the namespace "default"'


async def test_a_node_reads_what_its_pods_use(cluster: InProcessServer, kubelet: Identity) -> None:
    for path in (f"{NS}/pods/p1", f"{NS}/secrets/s1", f"{NS}/configmaps/c1",
                 f"{NS}/persistentvolumeclaims/claim1", "/api/v1/persistentvolumes/pv1"):
        response = await cluster.request("GET", path, identity=kubelet)
        assert response.status == 200, (path, response.text)


async def test_another_nodes_objects_are_forbidden_with_the_real_reason(cluster: InProcessServer, kubelet: Identity) -> None:
    secret = await cluster.request("GET", f"{NS}/secrets/s2", identity=kubelet)
    assert secret.status == 403
    assert secret.body["message"] == forbidden('secrets "s2"', "get", "secrets", IN_DEFAULT, NO_RELATIONSHIP)
    other_pod = await cluster.request("GET", f"{NS}/pods/p2", identity=kubelet)
    assert other_pod.body["message"] == forbidden('pods "p2"', "get", "pods", IN_DEFAULT, NO_RELATIONSHIP)
    listing = await cluster.request("GET", f"{NS}/secrets", identity=kubelet)
    assert listing.body["message"] == forbidden("secrets", "list", "secrets", IN_DEFAULT, "No Object name found")
    write = await cluster.request("DELETE", f"{NS}/secrets/s1", identity=kubelet)
    assert write.body["message"] == forbidden(
        'secrets "s1"', "delete", "secrets", IN_DEFAULT, "can only read resources of this type"
    )


async def test_own_node_only(cluster: InProcessServer, kubelet: Identity) -> None:
    assert (await cluster.request("GET", "/api/v1/nodes/n1", identity=kubelet)).status == 200
    other = await cluster.request("GET", "/api/v1/nodes/n2", identity=kubelet)
    assert other.body["message"] == forbidden(
        'nodes "n2"', "get", "nodes", "at the cluster scope", "node 'n1' cannot read 'n2', only its own Node object"
    )
    everything = await cluster.request("GET", "/api/v1/nodes", identity=kubelet)
    assert everything.body["message"] == forbidden(
        "nodes", "list", "nodes", "at the cluster scope", "node 'n1' cannot read all nodes, only its own Node object"
    )
    pinned = await cluster.request("GET", "/api/v1/nodes?fieldSelector=metadata.name%3Dn1", identity=kubelet)
    assert pinned.status == 200
    status = await cluster.request(
        "PATCH", "/api/v1/nodes/n1/status", identity=kubelet, data=b'{"status":{"phase":"Running"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status.status == 200, status.text


async def test_pods_are_listed_by_node(cluster: InProcessServer, kubelet: Identity) -> None:
    mine = await cluster.request("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", identity=kubelet)
    assert mine.status == 200, mine.text
    assert [p["metadata"]["name"] for p in mine.body["items"]] == ["p1"]
    everyone = await cluster.request("GET", "/api/v1/pods", identity=kubelet)
    assert everyone.body["message"] == forbidden(
        "pods", "list", "pods", "at the cluster scope", "can only list/watch pods with spec.nodeName field selector"
    )


async def test_pod_status_events_and_leases(cluster: InProcessServer, kubelet: Identity) -> None:
    status = await cluster.request(
        "PATCH", f"{NS}/pods/p1/status", identity=kubelet, data=b'{"status":{"phase":"Running"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status.status == 200, status.text
    event = await cluster.request("POST", f"{NS}/events", identity=kubelet, json={
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"},
        "involvedObject": {"kind": "Pod", "name": "p1", "namespace": "default"},
    })
    assert event.status == 201, event.text
    leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
    lease = await cluster.request("POST", leases, identity=kubelet, json={
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "n1"}, "spec": {"holderIdentity": "n1"},
    })
    assert lease.status == 201, lease.text
    other = await cluster.request("GET", f"{leases}/n2", identity=kubelet)
    assert other.status == 403
    assert other.body["message"].endswith(": can only access node lease with the same name as the requesting node")


async def test_the_graph_follows_the_store(cluster: InProcessServer, admin: Identity, kubelet: Identity) -> None:
    await create(cluster, admin, f"{NS}/pods", pod("p3", "n1", secret="s2"))
    assert (await cluster.request("GET", f"{NS}/secrets/s2", identity=kubelet)).status == 200
    for name in ("p1", "p3"):
        # bound pods terminate gracefully; grace 0 removes them now, as the kubelet's last delete does
        deleted = await cluster.request("DELETE", f"{NS}/pods/{name}", identity=admin, json={"gracePeriodSeconds": 0})
        assert deleted.status == 200, deleted.text
    for secret in ("s1", "s2"):
        assert (await cluster.request("GET", f"{NS}/secrets/{secret}", identity=kubelet)).status == 403


async def test_users_that_are_not_nodes_get_no_opinion(cluster: InProcessServer, alice: Identity) -> None:
    response = await cluster.request("GET", f"{NS}/secrets/s1", identity=alice)
    assert response.status == 403
    assert response.body["message"] == (
        'secrets "s1" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "default"'
    )
