"""The endpoints and endpointslice controllers publish the selected pods' addresses.

Pods are bound by hand to a node no kubelet runs (`nodes=0`), and their status is written
through the status subresource, so the test decides which pods have IPs and are Ready.
"""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "/api/v1/namespaces/default"
SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"


async def make_pod(api: InProcessServer, admin: Identity, name: str, ip: str, *, ready: bool) -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"nodeName": "node-a", "containers": [
                {"name": "c", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}]}}
    created = await api.request("POST", f"{NS}/pods", identity=admin, json=body)
    assert created.status == 201, created.text
    pod = created.body
    pod["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}
    written = await api.request("PUT", f"{NS}/pods/{name}/status", identity=admin, json=pod)
    assert written.status == 200, written.text
    return dict(written.body)


async def test_endpoints_and_slices_follow_the_pods(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=0)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"tier": "front"}},
               "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    created = await api.request("POST", f"{NS}/services", identity=admin, json=service)
    assert created.status == 201, created.text
    uid = created.body["metadata"]["uid"]
    ready = await make_pod(api, admin, "web-1", "10.244.0.5", ready=True)
    await make_pod(api, admin, "web-2", "10.244.0.6", ready=False)
    await api.state.settle()

    endpoints = (await api.request("GET", f"{NS}/endpoints/web", identity=admin)).body
    assert endpoints["metadata"]["labels"] == {"tier": "front"}
    assert "endpoints.kubernetes.io/last-change-trigger-time" in endpoints["metadata"]["annotations"]
    ref = {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": ready["metadata"]["uid"]}
    assert endpoints["subsets"] == [{
        "addresses": [{"ip": "10.244.0.5", "nodeName": "node-a", "targetRef": ref}],
        "notReadyAddresses": [{"ip": "10.244.0.6", "nodeName": "node-a", "targetRef": {
            **ref, "name": "web-2", "uid": endpoints["subsets"][0]["notReadyAddresses"][0]["targetRef"]["uid"]}}],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }]

    slices = (await api.request("GET", f"{SLICES}?labelSelector=kubernetes.io/service-name=web", identity=admin)).body
    assert len(slices["items"]) == 1
    (slice_,) = slices["items"]
    assert slice_["metadata"]["generateName"] == "web-" and slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["labels"] == {
        "tier": "front", "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert slice_["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                                       "uid": uid, "controller": True, "blockOwnerDeletion": True}]
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert [(e["addresses"], e["conditions"], e["nodeName"], e["targetRef"]["name"]) for e in slice_["endpoints"]] == [
        (["10.244.0.5"], {"ready": True, "serving": True, "terminating": False}, "node-a", "web-1"),
        (["10.244.0.6"], {"ready": False, "serving": False, "terminating": False}, "node-a", "web-2"),
    ]

    # the pods go: the Endpoints empty out, one placeholder slice stays (the same object)
    for name in ("web-1", "web-2"):
        gone = await api.request("DELETE", f"{NS}/pods/{name}?gracePeriodSeconds=0", identity=admin)
        assert gone.status == 200, gone.text
    await api.state.settle()
    endpoints = (await api.request("GET", f"{NS}/endpoints/web", identity=admin)).body
    assert "subsets" not in endpoints
    slices = (await api.request("GET", f"{SLICES}?labelSelector=kubernetes.io/service-name=web", identity=admin)).body
    assert [(s["metadata"]["name"], s["endpoints"], "ports" in s) for s in slices["items"]] == [
        (slice_["metadata"]["name"], None, False)]

    # the Service goes: its Endpoints and (through garbage collection) its slices go too
    assert (await api.request("DELETE", f"{NS}/services/web", identity=admin)).status == 200
    await api.state.settle()
    assert (await api.request("GET", f"{NS}/endpoints/web", identity=admin)).status == 404
    slices = (await api.request("GET", f"{SLICES}?labelSelector=kubernetes.io/service-name=web", identity=admin)).body
    assert slices["items"] == []


async def test_publish_not_ready_addresses_and_headless(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=0)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
               "spec": {"clusterIP": "None", "publishNotReadyAddresses": True, "selector": {"app": "web"},
                        "ports": [{"port": 5432}]}}
    assert (await api.request("POST", f"{NS}/services", identity=admin, json=service)).status == 201
    await make_pod(api, admin, "db-0", "10.244.0.7", ready=False)
    await api.state.settle()
    endpoints = (await api.request("GET", f"{NS}/endpoints/db", identity=admin)).body
    assert endpoints["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.244.0.7"]
    assert endpoints["subsets"][0]["ports"] == [{"port": 5432, "protocol": "TCP"}]
    slices = (await api.request("GET", f"{SLICES}?labelSelector=kubernetes.io/service-name=db", identity=admin)).body
    (slice_,) = slices["items"]
    assert slice_["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert slice_["ports"] == [{"name": "", "port": 5432, "protocol": "TCP"}]
    assert slice_["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": False}
