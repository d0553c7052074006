"""Service defaults (SetDefaults_Service) and the fields a type change drops.

Allocated values (cluster IPs, IP families, node ports) are not defaults: the Service strategy's
allocation hook sets them (`kubegate.registry.services.allocation`).
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, apply_each, dicts, lookup

_EXTERNAL = ("NodePort", "LoadBalancer")

SERVICE: tuple[Default, ...] = (
    Default("spec.sessionAffinity", "None"),
    Default("spec.sessionAffinityConfig.clientIP.timeoutSeconds", 10800,
            when=lambda obj: lookup(obj, "spec.sessionAffinity") == "ClientIP"),
    Default("spec.type", "ClusterIP"),
    Default("spec.externalTrafficPolicy", "Cluster", when=lambda obj: lookup(obj, "spec.type") in _EXTERNAL),
    Default("spec.internalTrafficPolicy", "Cluster", when=lambda obj: lookup(obj, "spec.type") != "ExternalName"),
    Default("spec.allocateLoadBalancerNodePorts", True, when=lambda obj: lookup(obj, "spec.type") == "LoadBalancer"),
)
PORT: tuple[Default, ...] = (Default("protocol", "TCP"),)
#: a load balancer's ingress point with an IP is a virtual IP unless it says Proxy
LOAD_BALANCER_INGRESS: tuple[Default, ...] = (Default("ipMode", "VIP", when=lambda point: bool(point.get("ip"))),)


def service_defaults(obj: dict[str, Any]) -> None:
    if not isinstance(obj.get("spec", {}), dict):
        return
    apply(obj, SERVICE)
    spec = obj.get("spec")
    if isinstance(spec, dict) and spec.get("sessionAffinity") == "None":
        spec.pop("sessionAffinityConfig", None)  # only ClientIP affinity has a configuration
    for port in dicts(lookup(obj, "spec.ports")):
        apply(port, PORT)
        if port.get("targetPort") in (None, 0, "") and isinstance(port.get("port"), int):
            port["targetPort"] = port["port"]


def load_balancer_status_defaults(obj: dict[str, Any]) -> None:
    """The status part of SetDefaults_Service (LoadBalancer Services only)."""
    if lookup(obj, "spec.type") == "LoadBalancer":
        apply_each(lookup(obj, "status.loadBalancer.ingress"), LOAD_BALANCER_INGRESS)


def _needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return spec.get("type") != "ExternalName"


def _needs_node_ports(spec: dict[str, Any]) -> bool:
    return spec.get("type") in _EXTERNAL


def _ports(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return dicts(spec.get("ports"))


def drop_type_dependent_fields(obj: dict[str, Any], old: dict[str, Any]) -> None:
    """A type change drops what the new type cannot have, where the client left it as it was
    (so `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` of a NodePort Service succeeds)."""
    spec, old_spec = obj.get("spec"), old.get("spec")
    if not isinstance(spec, dict) or not isinstance(old_spec, dict):
        return

    def unchanged(field: str) -> bool:
        return spec.get(field) == old_spec.get(field)

    if _needs_cluster_ip(old_spec) and not _needs_cluster_ip(spec):
        if unchanged("clusterIP") and unchanged("clusterIPs"):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        for field in ("ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
            if unchanged(field):
                spec.pop(field, None)
    if _needs_node_ports(old_spec) and not _needs_node_ports(spec):
        old_ports = [port.get("nodePort") for port in _ports(old_spec)]
        if [port.get("nodePort") for port in _ports(spec)] == old_ports:
            for port in _ports(spec):
                port.pop("nodePort", None)
    if old_spec.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        for field in ("healthCheckNodePort", "allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if unchanged(field):
                spec.pop(field, None)
    if not _needs_node_ports(spec) and spec.get("type") != "LoadBalancer" and unchanged("externalTrafficPolicy"):
        spec.pop("externalTrafficPolicy", None)
