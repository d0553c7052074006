"""What a pod asks of a node and what a node offers, in the integers the scheduler compares.

kube-scheduler compares CPU in millicores and everything else (memory, ephemeral storage,
extended resources) in whole units, after rounding quantities up. A pod's request is the larger
of what its containers need together (sidecar init containers included, since they keep
running) and what its biggest init container needs while it runs alone (plus the sidecars
started before it), plus the pod overhead. A container that sets a limit but no request is
counted at its limit, as the API server's defaulting would have set the request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kubegate.registry.validation import quantity

CPU = "cpu"
MEMORY = "memory"
PODS = "pods"
EPHEMERAL_STORAGE = "ephemeral-storage"
#: what a container without requests counts as when spreading load (scoring only), as
#: kube-scheduler's non-zero defaults: 100 millicores and 200 MiB
NON_ZERO_DEFAULTS = {CPU: 100, MEMORY: 200 * 1024 * 1024}

Resources = dict[str, int]


def amount(name: str, value: Any) -> int:
    """A quantity as the scheduler counts it: millicores for cpu, whole units otherwise (rounded up)."""
    parsed = quantity.parse(value)
    if parsed is None:
        return 0
    number: Decimal = parsed[0]
    if name == CPU:
        number *= 1000
    return max(0, math.ceil(number))


def resource_list(values: Any) -> Resources:
    """A ResourceList (name -> quantity) as integers; odd entries are skipped."""
    if not isinstance(values, Mapping):
        return {}
    return {str(name): amount(str(name), value) for name, value in values.items()}


def _add(total: Resources, more: Mapping[str, int]) -> None:
    for name, value in more.items():
        total[name] = total.get(name, 0) + value


def _max(total: Resources, other: Mapping[str, int]) -> None:
    for name, value in other.items():
        total[name] = max(total.get(name, 0), value)


def container_requests(container: Any) -> Resources:
    """A container's requests, its limits standing in for requests it does not set."""
    if not isinstance(container, Mapping):
        return {}
    resources = container.get("resources")
    if not isinstance(resources, Mapping):
        return {}
    wanted = resource_list(resources.get("limits"))
    wanted.update(resource_list(resources.get("requests")))
    return wanted


def _containers(spec: Mapping[str, Any], key: str) -> list[Any]:
    value = spec.get(key)
    return value if isinstance(value, list) else []


def pod_requests(pod: Mapping[str, Any]) -> Resources:
    """The pod's effective request (see the module docstring)."""
    spec = pod.get("spec")
    if not isinstance(spec, Mapping):
        return {}
    total: Resources = {}
    for container in _containers(spec, "containers"):
        _add(total, container_requests(container))
    sidecars: Resources = {}
    init_peak: Resources = {}
    for container in _containers(spec, "initContainers"):
        wanted = container_requests(container)
        if isinstance(container, Mapping) and container.get("restartPolicy") == "Always":
            _add(sidecars, wanted)  # a sidecar keeps running beside everything after it
            running = dict(sidecars)
        else:
            running = dict(sidecars)
            _add(running, wanted)
        _max(init_peak, running)
    _add(total, sidecars)
    _max(total, init_peak)
    _add(total, resource_list(spec.get("overhead")))
    return {name: value for name, value in total.items() if value}


def host_ports(pod: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) of every container port that claims a port on the node."""
    spec = pod.get("spec")
    if not isinstance(spec, Mapping):
        return []
    claimed = []
    for container in _containers(spec, "containers"):
        ports = container.get("ports") if isinstance(container, Mapping) else None
        for port in ports if isinstance(ports, list) else []:
            if not isinstance(port, Mapping):
                continue
            number = port.get("hostPort")
            if isinstance(number, int) and not isinstance(number, bool) and number > 0:
                claimed.append((str(port.get("hostIP") or "0.0.0.0"), str(port.get("protocol") or "TCP"), number))
    return claimed


@dataclass(frozen=True)
class PodUsage:
    """What a pod bound to a node takes from it."""

    requests: Mapping[str, int]
    ports: tuple[tuple[str, str, int], ...] = ()

    @classmethod
    def of(cls, pod: Mapping[str, Any]) -> PodUsage:
        return cls(pod_requests(pod), tuple(host_ports(pod)))


@dataclass
class NodeInfo:
    """A node and the pods bound to it (non-terminated), as the scheduler's snapshot holds it."""

    node: Mapping[str, Any]
    pods: list[PodUsage] = field(default_factory=list)
    #: the two sums of `requested`, when the caller keeps them up to date itself
    totals: tuple[Mapping[str, int], Mapping[str, int]] | None = None

    @property
    def name(self) -> str:
        metadata = self.node.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""

    @property
    def allocatable(self) -> Resources:
        status = self.node.get("status")
        return resource_list(status.get("allocatable")) if isinstance(status, Mapping) else {}

    def requested(self, *, non_zero: bool = False) -> Resources:
        """What the bound pods request together (`non_zero`: with the scoring defaults)."""
        if self.totals is not None:
            return dict(self.totals[1] if non_zero else self.totals[0])
        total: Resources = {}
        for usage in self.pods:
            _add(total, with_defaults(usage.requests) if non_zero else usage.requests)
        return total

    def used_ports(self) -> Iterable[tuple[str, str, int]]:
        for usage in self.pods:
            yield from usage.ports


class NodeUsage:
    """Running totals of what the pods bound to one node request, kept as pods come and go."""

    def __init__(self) -> None:
        self.pods: dict[Any, PodUsage] = {}
        self.requested: Resources = {}
        self.non_zero: Resources = {}

    def add(self, key: Any, usage: PodUsage) -> None:
        self.remove(key)
        self.pods[key] = usage
        _add(self.requested, usage.requests)
        _add(self.non_zero, with_defaults(usage.requests))

    def remove(self, key: Any) -> None:
        usage = self.pods.pop(key, None)
        if usage is None:
            return
        _add(self.requested, {name: -value for name, value in usage.requests.items()})
        _add(self.non_zero, {name: -value for name, value in with_defaults(usage.requests).items()})

    def info(self, node: Mapping[str, Any]) -> NodeInfo:
        return NodeInfo(node, list(self.pods.values()), (self.requested, self.non_zero))


def with_defaults(requests: Mapping[str, int]) -> Resources:
    """Requests with cpu and memory at their non-zero defaults when unset (for scoring)."""
    result = dict(requests)
    for name, default in NON_ZERO_DEFAULTS.items():
        if not result.get(name):
            result[name] = default
    return result
