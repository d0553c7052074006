"""Printers for how traffic reaches pods: services, endpoints, ingresses and network policies.

Services print their type (ClusterIP when unset, as defaulting stores it), the first cluster IP,
the external IP a client would use for that type, and ports as `80/TCP,443:30443/TCP`.
Endpoint lists show at most three addresses before ` + N more...`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    NONE,
    Column,
    dig,
    doc,
    format_labels,
    format_selector,
    items,
    list_with_more,
    mapping,
    text,
)
from kubegate.registry.spec import ResourceKey


def _service_type(service: dict[str, Any]) -> str:
    return text(service, "spec", "type", default="ClusterIP")


def _cluster_ip(service: dict[str, Any], _: datetime) -> str:
    return text(service, "spec", "clusterIPs", 0) or text(service, "spec", "clusterIP") or NONE


def _load_balancer_addresses(status: dict[str, Any] | Any) -> list[str]:
    found = set()
    for ingress in items(status, "loadBalancer", "ingress"):
        if isinstance(ingress, dict):
            address = ingress.get("ip") or ingress.get("hostname")
            if address:
                found.add(str(address))
    return sorted(found)


def _external_ip(service: dict[str, Any], _: datetime) -> str:
    external = [str(ip) for ip in items(service, "spec", "externalIPs")]
    kind = _service_type(service)
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or NONE
    if kind == "LoadBalancer":
        # The server asks for wide output, so the address list is never clipped.
        addresses = _load_balancer_addresses(mapping(service, "status")) + external
        return ",".join(addresses) or "<pending>"
    if kind == "ExternalName":
        return text(service, "spec", "externalName")
    return "<unknown>"


def _ports(service: dict[str, Any], _: datetime) -> str:
    pieces = []
    for port in items(service, "spec", "ports"):
        if not isinstance(port, dict):
            continue
        protocol = port.get("protocol") or "TCP"
        node_port = port.get("nodePort")
        if isinstance(node_port, int) and node_port > 0:
            pieces.append(f"{port.get('port', 0)}:{node_port}/{protocol}")
        else:
            pieces.append(f"{port.get('port', 0)}/{protocol}")
    return ",".join(pieces) or NONE


SERVICE_COLUMNS = (
    NAME,
    Column("Type", lambda o, _: _service_type(o), description=doc("core.v1.ServiceSpec", "type")),
    Column("Cluster-IP", _cluster_ip, description=doc("core.v1.ServiceSpec", "clusterIP")),
    Column("External-IP", _external_ip, description=doc("core.v1.ServiceSpec", "externalIPs")),
    Column("Port(s)", _ports, description=doc("core.v1.ServiceSpec", "ports")),
    AGE,
    Column("Selector", lambda o, _: format_labels(dig(o, "spec", "selector")), priority=1,
           description=doc("core.v1.ServiceSpec", "selector")),
)  # fmt: skip


def _endpoints(obj: dict[str, Any], _: datetime) -> str:
    subsets = [s for s in items(obj, "subsets") if isinstance(s, dict)]
    if not subsets:
        return NONE
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip", "")) for a in items(subset, "addresses") if isinstance(a, dict)]
        ports = [p for p in items(subset, "ports") if isinstance(p, dict)]
        if not ports:  # headless services may have no ports
            count += len(addresses)
            shown.extend(addresses[: max(0, 3 - len(shown))])
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) < 3:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(f"{host}:{port.get('port', 0)}")
    if count > 3:
        return f"{','.join(shown)} + {count - 3} more..."
    return ",".join(shown)


ENDPOINTS_COLUMNS = (NAME, Column("Endpoints", _endpoints, description=doc("core.v1.Endpoints", "subsets")), AGE)


def _ingress_hosts(ingress: dict[str, Any], _: datetime) -> str:
    rules = [r for r in items(ingress, "spec", "rules") if isinstance(r, dict)]
    hosts = [str(r["host"]) for r in rules[:3] if r.get("host")]
    if not hosts:
        return "*"
    if len(rules) > 3:
        return f"{','.join(hosts)} + {len(rules) - 3} more..."
    return ",".join(hosts)


INGRESS_COLUMNS = (
    NAME,
    Column("Class", lambda o, _: text(o, "spec", "ingressClassName", default=NONE),
           description="The name of the IngressClass resource that should be used for additional configuration"),
    Column("Hosts", _ingress_hosts, description="Hosts that incoming requests are matched against before the ingress rule"),
    Column("Address", lambda o, _: ",".join(_load_balancer_addresses(mapping(o, "status"))),
           description="Address is a list containing ingress points for the load-balancer"),
    Column("Ports", lambda o, _: "80, 443" if items(o, "spec", "tls") else "80", description="Ports of TLS configurations that open"),
    AGE,
)  # fmt: skip


def _ingress_class_parameters(obj: dict[str, Any], _: datetime) -> str:
    parameters = mapping(obj, "spec", "parameters")
    if not parameters:
        return NONE
    kind = str(parameters.get("kind", ""))
    if parameters.get("apiGroup") is not None:
        kind += "." + str(parameters["apiGroup"])
    return f"{kind}/{parameters.get('name', '')}"


INGRESS_CLASS_COLUMNS = (
    NAME,
    Column("Controller", lambda o, _: text(o, "spec", "controller"), description="Controller that is responsible for handling this class"),
    Column("Parameters", _ingress_class_parameters, description="A reference to a resource with additional parameters"),
    AGE,
)  # fmt: skip

NETWORK_POLICY_COLUMNS = (
    NAME,
    Column("Pod-Selector", lambda o, _: format_selector(mapping(o, "spec", "podSelector")),
           description=doc("networking.v1.NetworkPolicySpec", "podSelector")),
    AGE,
)  # fmt: skip


def _slice_ports(obj: dict[str, Any], _: datetime) -> str:
    shown = []
    for port in items(obj, "ports"):
        if not isinstance(port, dict):
            continue
        if isinstance(port.get("port"), int):
            shown.append(str(port["port"]))
        elif port.get("name") is not None:
            shown.append(str(port["name"]))
        else:
            shown.append("*")
    return list_with_more(shown)


def _slice_endpoints(obj: dict[str, Any], _: datetime) -> str:
    addresses = [str(a) for e in items(obj, "endpoints") if isinstance(e, dict) for a in items(e, "addresses")]
    return list_with_more(addresses)


ENDPOINT_SLICE_COLUMNS = (
    NAME,
    Column("AddressType", lambda o, _: text(o, "addressType"), description=doc("discovery.v1.EndpointSlice", "addressType")),
    Column("Ports", _slice_ports, description=doc("discovery.v1.EndpointSlice", "ports")),
    Column("Endpoints", _slice_endpoints, description=doc("discovery.v1.EndpointSlice", "endpoints")),
    AGE,
)  # fmt: skip

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("", "services"): SERVICE_COLUMNS,
    ("", "endpoints"): ENDPOINTS_COLUMNS,
    ("networking.k8s.io", "ingresses"): INGRESS_COLUMNS,
    ("networking.k8s.io", "ingressclasses"): INGRESS_CLASS_COLUMNS,
    ("networking.k8s.io", "networkpolicies"): NETWORK_POLICY_COLUMNS,
    ("discovery.k8s.io", "endpointslices"): ENDPOINT_SLICE_COLUMNS,
}
