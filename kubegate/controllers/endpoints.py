"""The endpoints controller: each Service with a selector has an Endpoints object of its pods.

As kube-controller-manager's `endpoint-controller`: the Endpoints object is named like the
Service and lists, grouped by their resolved ports, the addresses of the selected pods that have
an IP, are not finished and not being deleted: ready ones under `addresses`, the others under
`notReadyAddresses` (all under `addresses` with `publishNotReadyAddresses`). A port whose
targetPort names a container port the pod lacks leaves the pod out of that port's group. The
Service's labels are copied (plus `service.kubernetes.io/headless` for headless Services), and
`endpoints.kubernetes.io/last-change-trigger-time` tells when the content last changed. A Service
without a selector leaves its Endpoints to the user; a deleted Service's Endpoints go.

The pod helpers here (selection, readiness, port resolution) are shared with the EndpointSlice
controller.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from kubegate.api import meta
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.objects import DELETED, Event, Stored

log = logging.getLogger("kubegate.controllers.endpoints")

SERVICES = ("", "services")
PODS = ("", "pods")
ENDPOINTS = ("", "endpoints")
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
ServiceKey = tuple[str, str]
#: a resolved port: (name, number, protocol, appProtocol)
Port = tuple[str, int, str, str]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def selector_of(service: dict[str, Any]) -> dict[str, str] | None:
    """The Service's pod selector; None (not managed here) when absent or empty."""
    selector = _dict(service.get("spec")).get("selector")
    return selector if isinstance(selector, dict) and selector else None


def selects(selector: dict[str, str], labels: Any) -> bool:
    labels = _dict(labels)
    return all(labels.get(key) == value for key, value in selector.items())


def services_selecting(informers: Informers, namespace: str, pods: Iterable[Stored | None]) -> Iterator[ServiceKey]:
    """Keys of the Services in `namespace` that select any of `pods` (as they are, or were)."""
    labels = [_dict(pod.obj.get("metadata")).get("labels") for pod in pods if pod is not None]
    for stored in informers.list(SERVICES, namespace=namespace):
        selector = selector_of(stored.obj)
        if selector is not None and any(selects(selector, pod_labels) for pod_labels in labels):
            yield namespace, stored.obj["metadata"]["name"]


def pod_ready(pod: dict[str, Any]) -> bool:
    return any(
        condition.get("type") == "Ready" and condition.get("status") == "True"
        for condition in _list(_dict(pod.get("status")).get("conditions"))
    )


def pod_ip(pod: dict[str, Any]) -> str:
    return str(_dict(pod.get("status")).get("podIP") or "")


def has_endpoint(pod: dict[str, Any]) -> bool:
    """A pod with an IP that has not finished (a pod that will not restart and has ended is out)."""
    phase = _dict(pod.get("status")).get("phase")
    restart = _dict(pod.get("spec")).get("restartPolicy", "Always")
    finished = phase == "Failed" or (phase == "Succeeded" and restart != "Always")
    return bool(pod_ip(pod)) and not finished


def selected_pods(informers: Informers, namespace: str, selector: dict[str, str]) -> list[dict[str, Any]]:
    pods = [stored.obj for stored in informers.list(PODS, namespace=namespace)]
    return [pod for pod in pods if selects(selector, _dict(pod.get("metadata")).get("labels")) and has_endpoint(pod)]


def resolve_ports(service: dict[str, Any], pod: dict[str, Any]) -> tuple[Port, ...]:
    """The Service's ports as this pod serves them (targetPort numbers, or named container ports)."""
    containers = _list(_dict(pod.get("spec")).get("containers"))
    resolved: list[Port] = []
    for port in _list(_dict(service.get("spec")).get("ports")):
        protocol = str(port.get("protocol") or "TCP")
        target = port.get("targetPort", port.get("port"))
        number: int | None = None
        if isinstance(target, int) and not isinstance(target, bool):
            number = target
        elif isinstance(target, str) and target.isdigit():
            number = int(target)
        elif isinstance(target, str):
            number = next(
                (p.get("containerPort") for c in containers for p in _list(c.get("ports"))
                 if p.get("name") == target and str(p.get("protocol") or "TCP") == protocol), None,
            )
        if isinstance(number, int):
            resolved.append((str(port.get("name") or ""), number, protocol, str(port.get("appProtocol") or "")))
    return tuple(resolved)


def target_ref(pod: dict[str, Any]) -> dict[str, Any]:
    metadata = _dict(pod.get("metadata"))
    return {"kind": "Pod", "namespace": metadata.get("namespace", ""), "name": metadata.get("name", ""),
            "uid": metadata.get("uid", "")}


def hostname_in(service: dict[str, Any], pod: dict[str, Any]) -> str:
    """The pod's hostname when it is a member of this (headless) Service's subdomain."""
    spec = _dict(pod.get("spec"))
    name = _dict(service.get("metadata")).get("name")
    return str(spec.get("hostname") or "") if spec.get("hostname") and spec.get("subdomain") == name else ""


def is_headless(service: dict[str, Any]) -> bool:
    return _dict(service.get("spec")).get("clusterIP") == "None"


def managed_labels(service: dict[str, Any]) -> dict[str, str]:
    labels = dict(_dict(_dict(service.get("metadata")).get("labels")))
    if is_headless(service):
        labels[HEADLESS_LABEL] = ""
    return labels


def subsets(service: dict[str, Any], pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Endpoints subsets: addresses grouped by their resolved ports, sorted by IP."""
    publish = _dict(service.get("spec")).get("publishNotReadyAddresses") is True
    groups: dict[tuple[Port, ...], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for pod in pods:
        if _dict(pod.get("metadata")).get("deletionTimestamp"):
            continue
        ports = resolve_ports(service, pod)
        if _list(_dict(service.get("spec")).get("ports")) and not ports:
            continue
        address: dict[str, Any] = {"ip": pod_ip(pod)}
        if hostname_in(service, pod):
            address["hostname"] = hostname_in(service, pod)
        if _dict(pod.get("spec")).get("nodeName"):
            address["nodeName"] = pod["spec"]["nodeName"]
        address["targetRef"] = target_ref(pod)
        ready, not_ready = groups.setdefault(ports, ([], []))
        (ready if publish or pod_ready(pod) else not_ready).append(address)
    result = []
    for ports, (ready, not_ready) in sorted(groups.items()):
        subset: dict[str, Any] = {}
        if ready:
            subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
        if ports:
            subset["ports"] = [_endpoint_port(port) for port in ports]
        result.append(subset)
    return result


def _endpoint_port(port: Port) -> dict[str, Any]:
    name, number, protocol, app_protocol = port
    out: dict[str, Any] = {"port": number, "protocol": protocol}
    if name:
        out["name"] = name
    if app_protocol:
        out["appProtocol"] = app_protocol
    return out


class EndpointsController(Controller):
    """Keys are (namespace, Service name)."""

    name = "endpoint"

    def __init__(self, informers: Informers, client: ControllerClient) -> None:
        super().__init__(informers)
        self._client = client
        self._spec = client.spec("endpoints")
        self.watch(SERVICES, lambda event: (event.key,))
        self.watch(PODS, self._pod_changed)
        self.watch(ENDPOINTS, lambda event: (event.key,) if event.type == DELETED else ())

    def _pod_changed(self, event: Event) -> Iterable[ServiceKey]:
        return services_selecting(self.informers, event.key[0], (event.stored, event.previous))

    def initial_keys(self) -> Iterable[ServiceKey]:
        keys = [stored.obj["metadata"] for stored in self.informers.list(SERVICES)]
        keys += [stored.obj["metadata"] for stored in self.informers.list(ENDPOINTS)]
        return sorted({(m.get("namespace", ""), m["name"]) for m in keys})

    async def reconcile(self, key: ServiceKey) -> None:
        namespace, name = key
        service = self.cache.get(SERVICES, key)
        current = self.cache.get(ENDPOINTS, key)
        if service is None:
            if current is not None and current.obj["metadata"].get("annotations", {}).get(TRIGGER_TIME):
                await self._client.delete(self._spec, namespace, name, uid=current.obj["metadata"]["uid"])
            return
        selector = selector_of(service.obj)
        if selector is None:
            return
        wanted_subsets = subsets(service.obj, selected_pods(self.informers, namespace, selector))
        labels = managed_labels(service.obj)
        if current is not None and (current.obj.get("subsets") or []) == wanted_subsets and (
            current.obj["metadata"].get("labels") or {}) == labels:
            return
        annotations = dict(current.obj["metadata"].get("annotations") or {}) if current is not None else {}
        annotations[TRIGGER_TIME] = meta.format_time(meta.now())
        obj: dict[str, Any] = {"metadata": {"name": name, "namespace": namespace, "labels": labels,
                                            "annotations": annotations}}
        if wanted_subsets:
            obj["subsets"] = wanted_subsets
        if current is None:
            await self._client.create(self._spec, namespace, obj)
        else:
            updated = {key: value for key, value in current.obj.items() if key != "subsets"}
            metadata = {**current.obj["metadata"], "labels": labels, "annotations": annotations}
            await self._client.update(self._spec, current, {**updated, **obj, "metadata": metadata})
