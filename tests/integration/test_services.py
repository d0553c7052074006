"""Service networking done by the apiserver: cluster IPs, node ports, headless, ExternalName.

Allocation happens on the way in (every apiserver, no controller), with the real 422 answers
for addresses and ports that are taken or out of range; the Service defaults come with it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

SERVICES = "/api/v1/namespaces/default/services"


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


async def create(api: InProcessServer, admin: Identity, body: dict[str, Any]) -> Any:
    return await api.request("POST", SERVICES, identity=admin, json=body)


async def test_cluster_ip_is_allocated_in_the_range_with_the_defaults(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, service("web"))
    assert created.status == 201, created.text
    spec = created.body["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    assert spec["clusterIPs"] == [spec["clusterIP"]] and spec["clusterIP"] != "10.96.0.1"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert {k: spec[k] for k in ("type", "sessionAffinity", "internalTrafficPolicy", "ipFamilies", "ipFamilyPolicy")} == {
        "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
    }
    kubernetes = await api.request("GET", f"{SERVICES}/kubernetes", identity=admin)
    assert kubernetes.body["spec"]["clusterIPs"] == ["10.96.0.1"]


async def test_a_taken_or_foreign_cluster_ip_is_refused(start_server: StartServer, admin: Identity) -> None:
    # no kube-dns: the test takes its address, 10.96.0.10, itself
    api = await start_server(system_workloads=False)
    assert (await create(api, admin, service("dns", clusterIP="10.96.0.10"))).status == 201
    taken = await create(api, admin, service("other", clusterIP="10.96.0.10"))
    assert taken.status == 422
    assert taken.body["message"] == (
        'Service "other" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: '
        "failed to allocate IP 10.96.0.10: provided IP is already allocated"
    )
    outside = await create(api, admin, service("other", clusterIP="1.1.1.1"))
    assert outside.status == 422
    assert outside.body["message"] == (
        'Service "other" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP '
        "1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
    )
    # deleting the Service releases its address
    assert (await api.request("DELETE", f"{SERVICES}/dns", identity=admin)).status == 200
    assert (await create(api, admin, service("other", clusterIP="10.96.0.10"))).status == 201


async def test_headless_and_external_name(api: InProcessServer, admin: Identity) -> None:
    headless = await create(api, admin, service("db", clusterIP="None"))
    assert headless.status == 201, headless.text
    assert headless.body["spec"]["clusterIPs"] == ["None"] and headless.body["spec"]["ipFamilyPolicy"] == "SingleStack"
    external = await create(api, admin, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                                         "spec": {"type": "ExternalName", "externalName": "example.com"}})
    assert external.status == 201, external.text
    spec = external.body["spec"]
    assert not {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"} & set(spec)
    assert spec["sessionAffinity"] == "None"


async def test_node_ports_are_allocated_kept_and_released(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, service("np", type="NodePort"))
    assert created.status == 201, created.text
    node_port = created.body["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767 and created.body["spec"]["externalTrafficPolicy"] == "Cluster"
    # an update that leaves the allocated values out keeps them
    body = service("np", type="NodePort")
    body["metadata"]["resourceVersion"] = created.body["metadata"]["resourceVersion"]
    replaced = await api.request("PUT", f"{SERVICES}/np", identity=admin, json=body)
    assert replaced.status == 200, replaced.text
    assert replaced.body["spec"]["ports"][0]["nodePort"] == node_port
    assert replaced.body["spec"]["clusterIP"] == created.body["spec"]["clusterIP"]

    taken = await create(api, admin, service("np2", type="NodePort", ports=[{"port": 80, "nodePort": node_port}]))
    assert taken.status == 422
    assert taken.body["message"] == (
        f'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: {node_port}: provided port is already allocated'
    )
    # back to ClusterIP: the node port goes (and is free again)
    patched = await api.request("PATCH", f"{SERVICES}/np", identity=admin, data=b'{"spec":{"type":"ClusterIP"}}',
                                headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status == 200, patched.text
    assert "nodePort" not in patched.body["spec"]["ports"][0] and "externalTrafficPolicy" not in patched.body["spec"]
    again = await create(api, admin, service("np2", type="NodePort", ports=[{"port": 80, "nodePort": node_port}]))
    assert again.status == 201, again.text


async def test_load_balancer_defaults(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, service("lb", type="LoadBalancer", externalTrafficPolicy="Local"))
    assert created.status == 201, created.text
    spec = created.body["spec"]
    assert spec["allocateLoadBalancerNodePorts"] is True and spec["ports"][0]["nodePort"]
    assert 30000 <= spec["healthCheckNodePort"] <= 32767


async def test_the_kubernetes_service_takes_the_first_address_of_the_range(
    start_server: StartServer, admin: Identity,
) -> None:
    api = await start_server(service_cluster_ip_range="10.100.0.0/28")
    kubernetes = await api.request("GET", f"{SERVICES}/kubernetes", identity=admin)
    assert kubernetes.body["spec"]["clusterIP"] == "10.100.0.1"


async def test_configured_ranges(start_server: StartServer, admin: Identity) -> None:
    # no kube-dns (it would hold 10.100.0.10): the test counts every address of the range
    api = await start_server(
        service_cluster_ip_range="10.100.0.0/28", service_node_port_range="31000-31001", system_workloads=False,
    )
    out = await create(api, admin, service("np", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert out.status == 422
    assert out.body["message"] == (
        'Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is not in the valid '
        "range. The range of valid ports is 31000-31001"
    )
    # 14 usable addresses (no network, no broadcast address), less the kubernetes Service's
    usable = {f"10.100.0.{host}" for host in range(1, 15)}
    kubernetes = await api.request("GET", f"{SERVICES}/kubernetes", identity=admin)
    free = usable - {kubernetes.body["spec"]["clusterIP"]}
    ips = set()
    for number in range(len(free)):
        created = await create(api, admin, service(f"s{number}"))
        assert created.status == 201, created.text
        ips.add(created.body["spec"]["clusterIP"])
    assert ips == free
    full = await create(api, admin, service("full"))
    assert full.status == 500
    assert full.body["message"] == "Internal error occurred: failed to allocate a serviceIP: range is full"


async def test_the_kubernetes_service_has_endpoints_naming_this_server(api: InProcessServer, admin: Identity) -> None:
    # in-process servers are built for the configured --secure-port (6443) on 127.0.0.1
    endpoints = await api.request("GET", "/api/v1/namespaces/default/endpoints/kubernetes", identity=admin)
    assert endpoints.body["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert endpoints.body["subsets"] == [
        {"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
    slice_ = await api.request("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
                               identity=admin)
    assert slice_.body["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert {k: slice_.body[k] for k in ("addressType", "endpoints", "ports")} == {
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    }
    kubernetes = await api.request("GET", f"{SERVICES}/kubernetes", identity=admin)
    assert kubernetes.body["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
