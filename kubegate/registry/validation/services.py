"""Service validation: ports, type, session affinity, ExternalName, and cluster IPs on update.

Fields the real server defaults (type ClusterIP, sessionAffinity None, protocol TCP,
targetPort = port) are checked only when sent; a port missing its number is port 0, which
is out of range, as the real error says.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.validation import names
from kubegate.registry.validation.field import (
    Errors,
    child,
    duplicate,
    forbidden,
    go_strings,
    index,
    integer,
    invalid,
    items,
    mapping,
    not_supported,
    required,
    text,
)
from kubegate.registry.validation.objectmeta import validate_labels
from kubegate.registry.validation.pods import PROTOCOLS, enum

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
NODE_PORT_RANGE = (30000, 32767)


def validate_service(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    kind = spec.get("type") or "ClusterIP"  # an empty type is defaulted too
    headless = spec.get("clusterIP") == "None"
    ports = items(spec.get("ports"))
    problems: Errors = []
    if not ports and not headless and kind != "ExternalName":
        problems.append(required("spec.ports"))
    if kind == "ExternalName":
        problems += _external_name(spec)
    seen: set[str] = set()
    for position, port in enumerate(ports):
        problems += _port(mapping(port), index("spec.ports", position), require_name=len(ports) > 1, seen=seen)
    if spec.get("selector") is not None:
        problems += validate_labels(spec.get("selector"), "spec.selector")
    problems += enum(spec.get("sessionAffinity"), SESSION_AFFINITIES, "spec.sessionAffinity")
    if kind not in SERVICE_TYPES:
        problems.append(not_supported("spec.type", kind, SERVICE_TYPES))
    for position, port in enumerate(ports):
        node_port = integer(mapping(port).get("nodePort")) or 0
        if not node_port:
            continue
        path = child(index("spec.ports", position), "nodePort")
        if kind == "ClusterIP":
            problems.append(forbidden(path, "may not be used when `type` is 'ClusterIP'"))
        elif kind in ("NodePort", "LoadBalancer") and not NODE_PORT_RANGE[0] <= node_port <= NODE_PORT_RANGE[1]:
            problems.append(invalid(path, node_port, "provided port is not in the valid range. The range of valid "
                                                     f"ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}"))
    return problems


def _external_name(spec: Any) -> Errors:
    problems: Errors = []
    if spec.get("clusterIPs"):
        problems.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    cname = text(spec.get("externalName")).removesuffix(".")
    if cname:
        problems += [invalid("spec.externalName", cname, message) for message in names.dns1123_subdomain_errors(cname)]
    else:
        problems.append(required("spec.externalName"))
    return problems


def _port(port: Any, path: str, *, require_name: bool, seen: set[str]) -> Errors:
    """validateServicePort."""
    problems: Errors = []
    name = text(port.get("name"))
    if require_name and not name:
        problems.append(required(child(path, "name")))
    elif name:
        problems += [invalid(child(path, "name"), name, message) for message in names.dns1123_label_errors(name)]
        if name in seen:
            problems.append(duplicate(child(path, "name"), name))
        seen.add(name)
    number = integer(port.get("port")) or 0
    problems += [invalid(child(path, "port"), number, message) for message in names.port_number_errors(number)]
    problems += enum(port.get("protocol"), PROTOCOLS, child(path, "protocol"))
    target = port.get("targetPort")
    if target is None or target == 0 or target == "":
        target = number  # defaulted to the port
    if isinstance(target, str):
        problems += [invalid(child(path, "targetPort"), target, message) for message in names.port_name_errors(target)]
    elif isinstance(target, int):
        problems += [invalid(child(path, "targetPort"), target, message)
                     for message in names.port_number_errors(target)]
    return problems


def _cluster_ips(spec: Any) -> list[str]:
    ips = [text(ip) for ip in items(spec.get("clusterIPs"))]
    if not ips and text(spec.get("clusterIP")):
        ips = [text(spec.get("clusterIP"))]
    return ips


def validate_service_update(obj: Any, old: Any) -> Errors:
    """validateUpgradeDowngradeClusterIPs, then the service itself."""
    spec, old_spec = mapping(obj.get("spec")), mapping(old.get("spec"))
    problems: Errors = []
    kinds = (spec.get("type") or "ClusterIP", old_spec.get("type") or "ClusterIP")
    old_ips = _cluster_ips(old_spec)
    # An update that leaves the cluster IPs out keeps the allocated ones (PrepareForUpdate).
    new_ips = _cluster_ips(spec) or old_ips
    both_headless = old_ips[:1] == ["None"] and new_ips[:1] == ["None"]
    if "ExternalName" not in kinds and not both_headless and len(old_ips) == len(new_ips):
        for position, (was, now) in enumerate(zip(old_ips, new_ips, strict=True)):
            if was != now:
                problems.append(invalid(index("spec.clusterIPs", position), go_strings(new_ips), "may not change once set"))
    return [*problems, *validate_service(obj)]
