"""The `kubernetes` Service's Endpoints and EndpointSlice, naming the address this server serves on.

kube-apiserver keeps them itself (its endpoint reconciler, not a controller): one subset with the
advertised IP and the secure port named `https`, the Endpoints labelled so the mirroring
controller leaves it alone, and a same-named EndpointSlice labelled with the Service's name. In-
cluster clients and tools that look up the API server's address by these objects find kubegate's.
The Service's targetPort follows the secure port too. Written at start, when missing or when the
address changed (a restart on another port); an advertise address that is not an IP writes none.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.server import bootstrap

NAME = "kubernetes"
NAMESPACE = "default"


def endpoints_for(ip: str, port: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": NAME, "namespace": NAMESPACE, "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
    }


def endpoint_slice_for(ip: str, port: int) -> dict[str, Any]:
    return {
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {"kubernetes.io/service-name": NAME}},
        "addressType": "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }


async def reconcile(rest: GenericStore, catalog: Catalog, *, host: str, port: int) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    endpoints = catalog.lookup("", "v1", "endpoints")
    slices = catalog.lookup("discovery.k8s.io", "v1", "endpointslices")
    services = catalog.lookup("", "v1", "services")
    if endpoints is not None:
        await _ensure(rest, endpoints, endpoints_for(host, port), ("subsets",))
    if slices is not None:
        await _ensure(rest, slices, endpoint_slice_for(host, port), ("addressType", "endpoints", "ports"))
    if services is not None:
        await _target_port(rest, services, port)


async def _ensure(rest: GenericStore, spec: ResourceSpec, wanted: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Create the object, or bring the named fields of the live one to what is wanted."""
    live = await bootstrap.ensure(rest, spec, NAMESPACE, wanted)
    if live is None:
        return
    if all(live.obj.get(field) == wanted[field] for field in fields):
        return

    async def replace(current: dict[str, Any] | None) -> dict[str, Any]:
        base = dict(current or {})
        base.update({field: wanted[field] for field in fields})
        return base

    await rest.update(spec, NAMESPACE, NAME, replace)


async def _target_port(rest: GenericStore, services: ResourceSpec, port: int) -> None:
    live = rest.find(services, NAMESPACE, NAME)
    if live is None or all(p.get("targetPort") == port for p in live.obj["spec"].get("ports", ())):
        return

    async def retarget(current: dict[str, Any] | None) -> dict[str, Any]:
        service = dict(current or {})
        spec = dict(service["spec"])
        spec["ports"] = [{**p, "targetPort": port} if p.get("name") == "https" else p for p in spec["ports"]]
        service["spec"] = spec
        return service

    await rest.update(services, NAMESPACE, NAME, retarget)
