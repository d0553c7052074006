"""The EndpointSlice controller: the slices of each Service with a selector.

As kube-controller-manager's `endpointslice-controller`: every selected pod with an IP that has
not finished is an endpoint `{addresses: [podIP], conditions: {ready, serving, terminating},
nodeName, targetRef}`; serving follows the pod's Ready condition, terminating its deletion, and
ready is serving and not terminating (both true with `publishNotReadyAddresses`). Endpoints are
grouped by the ports they resolve to and cut into slices of at most 100; each slice is named
from `generateName: <service>-`, owned by the Service (so garbage collection removes it with
the Service), labelled with the Service's labels plus `kubernetes.io/service-name` and
`endpointslice.kubernetes.io/managed-by`, and has addressType IPv4. A Service with no endpoints
keeps one empty placeholder slice. Existing slices are updated in place where their ports
match, so a pod becoming ready rewrites one slice rather than replacing it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from kubegate.api import meta
from kubegate.controllers import endpoints as ep
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import Event, Stored

SLICES = ("discovery.k8s.io", "endpointslices")
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100


def slice_port(port: ep.Port) -> dict[str, Any]:
    name, number, protocol, app_protocol = port
    out: dict[str, Any] = {"name": name, "port": number, "protocol": protocol}
    if app_protocol:
        out["appProtocol"] = app_protocol
    return out


def endpoint_of(service: dict[str, Any], pod: dict[str, Any]) -> dict[str, Any]:
    publish = (service.get("spec") or {}).get("publishNotReadyAddresses") is True
    terminating = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    serving = publish or ep.pod_ready(pod)
    endpoint: dict[str, Any] = {
        "addresses": [ep.pod_ip(pod)],
        "conditions": {"ready": publish or (serving and not terminating), "serving": serving,
                       "terminating": terminating},
    }
    if ep.hostname_in(service, pod):
        endpoint["hostname"] = ep.hostname_in(service, pod)
    if (pod.get("spec") or {}).get("nodeName"):
        endpoint["nodeName"] = pod["spec"]["nodeName"]
    endpoint["targetRef"] = ep.target_ref(pod)
    return endpoint


def desired_groups(service: dict[str, Any], pods: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]] | None,
                                                                                      list[dict[str, Any]] | None]]:
    """(ports, endpoints) of each slice the Service should have; one placeholder when none."""
    has_ports = bool(ep._list((service.get("spec") or {}).get("ports")))
    groups: dict[tuple[ep.Port, ...], list[dict[str, Any]]] = {}
    for pod in pods:
        ports = ep.resolve_ports(service, pod)
        if has_ports and not ports:
            continue
        groups.setdefault(ports, []).append(endpoint_of(service, pod))
    slices: list[tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]] = []
    for ports, endpoints in sorted(groups.items()):
        endpoints.sort(key=lambda endpoint: endpoint["addresses"][0])
        for start in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
            slices.append(([slice_port(port) for port in ports], endpoints[start:start + MAX_ENDPOINTS_PER_SLICE]))
    return slices or [(None, None)]


class EndpointSliceController(Controller):
    """Keys are (namespace, Service name)."""

    name = "endpointslice"

    def __init__(self, informers: Informers, client: ControllerClient, catalog: Catalog) -> None:
        super().__init__(informers)
        self._client = client
        spec = catalog.lookup("discovery.k8s.io", "v1", "endpointslices")
        if spec is None:
            raise LookupError("discovery.k8s.io/v1 endpointslices is not served")
        self._spec = spec
        self.watch(ep.SERVICES, lambda event: (event.key,))
        self.watch(ep.PODS, self._pod_changed)
        self.watch(SLICES, self._slice_changed)

    def _pod_changed(self, event: Event) -> Iterable[ep.ServiceKey]:
        return ep.services_selecting(self.informers, event.key[0], (event.stored, event.previous))

    def _slice_changed(self, event: Event) -> Iterable[ep.ServiceKey]:
        labels = (event.stored.obj.get("metadata") or {}).get("labels") or {}
        if labels.get(MANAGED_BY) == CONTROLLER and labels.get(SERVICE_NAME):
            return ((event.key[0], str(labels[SERVICE_NAME])),)
        return ()

    def initial_keys(self) -> Iterable[ep.ServiceKey]:
        return [(s.obj["metadata"].get("namespace", ""), s.obj["metadata"]["name"])
                for s in self.informers.list(ep.SERVICES)]

    def _owned(self, namespace: str, name: str) -> list[Stored]:
        owned = []
        for stored in self.informers.list(SLICES, namespace=namespace):
            labels = (stored.obj.get("metadata") or {}).get("labels") or {}
            if labels.get(SERVICE_NAME) == name and labels.get(MANAGED_BY) == CONTROLLER:
                owned.append(stored)
        return owned

    async def reconcile(self, key: ep.ServiceKey) -> None:
        namespace, name = key
        service = self.cache.get(ep.SERVICES, key)
        if service is None or ep.selector_of(service.obj) is None:
            return  # the garbage collector removes the slices of a deleted Service
        selector = ep.selector_of(service.obj)
        assert selector is not None
        wanted = desired_groups(service.obj, ep.selected_pods(self.informers, namespace, selector))
        labels = {**ep.managed_labels(service.obj), SERVICE_NAME: name, MANAGED_BY: CONTROLLER}
        existing = self._owned(namespace, name)
        unused = list(existing)
        leftover = []
        for ports, endpoints in wanted:
            match = next((s for s in unused if s.obj.get("ports") == ports), None)
            if match is None:
                leftover.append((ports, endpoints))
                continue
            unused.remove(match)
            await self._write(service.obj, labels, ports, endpoints, current=match)
        for ports, endpoints in leftover:
            # reuse a slice whose ports changed before creating a new one
            current = unused.pop(0) if unused else None
            await self._write(service.obj, labels, ports, endpoints, current=current)
        for stale in unused:
            await self._client.delete(self._spec, namespace, stale.obj["metadata"]["name"],
                                      uid=stale.obj["metadata"]["uid"])

    async def _write(
        self, service: dict[str, Any], labels: dict[str, str], ports: list[dict[str, Any]] | None,
        endpoints: list[dict[str, Any]] | None, *, current: Stored | None,
    ) -> None:
        metadata = service["metadata"]
        owner = {"apiVersion": "v1", "kind": "Service", "name": metadata["name"], "uid": metadata["uid"],
                 "controller": True, "blockOwnerDeletion": True}
        if current is not None:
            old = current.obj
            if (old.get("ports") == ports and old.get("endpoints") == endpoints
                    and (old["metadata"].get("labels") or {}) == labels
                    and owner in (old["metadata"].get("ownerReferences") or [])):
                return
            obj = copy.deepcopy(old)
        else:
            obj = {"metadata": {"generateName": f"{metadata['name']}-", "namespace": metadata.get("namespace", "")}}
        obj["metadata"]["labels"] = labels
        obj["metadata"]["ownerReferences"] = [owner]
        obj["metadata"].setdefault("annotations", {})[ep.TRIGGER_TIME] = meta.format_time(meta.now())
        obj["addressType"] = "IPv4"
        obj["endpoints"] = endpoints
        if ports is None:
            obj.pop("ports", None)
        else:
            obj["ports"] = ports
        if current is None:
            await self._client.create(self._spec, metadata.get("namespace", ""), obj)
        else:
            await self._client.update(self._spec, current, obj)
