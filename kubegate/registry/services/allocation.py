"""The Service strategy's allocation hook: cluster IPs, IP families, node ports.

Every apiserver process allocates on the way in, as kube-apiserver's service REST storage does
(not a controller): a new Service that needs a cluster IP gets one, or has the one it asked for
checked; NodePort and LoadBalancer Services get their node ports (and a health check port for
`externalTrafficPolicy: Local` load balancers). An update that leaves allocated values out keeps
them. What is in use is read from the Services in the watch cache, plus what this process
handed out moments ago and the cache has not shown yet (two creates in flight must not get the
same address). Processes sharing one etcd do not coordinate: two of them creating Services at
the same instant may, rarely, hand out the same address (upstream guards this with a bitmap
written in the same transaction).
"""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kubegate.api import errors
from kubegate.registry.objects import ObjectCache
from kubegate.registry.services.ranges import IPRange, PortRange
from kubegate.registry.validation.field import child, go_strings, index, invalid, text

if TYPE_CHECKING:
    from kubegate.api.errors import FieldError
    from kubegate.api.user import UserInfo

SERVICES = ("", "services")
HEADLESS = "None"
#: how long a value handed out here stays reserved at most while its write reaches the cache
RESERVATION_SECONDS = 10.0
_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return bool(spec.get("type", "ClusterIP") != "ExternalName")


def needs_node_ports(spec: dict[str, Any]) -> bool:
    kind = spec.get("type")
    if kind == "LoadBalancer":
        return spec.get("allocateLoadBalancerNodePorts") is not False
    return kind == "NodePort"


def needs_health_check_port(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _ports(spec: dict[str, Any]) -> list[dict[str, Any]]:
    ports = spec.get("ports")
    return [port for port in ports if isinstance(port, dict)] if isinstance(ports, list) else []


def cluster_ips_of(spec: Any) -> list[str]:
    if not isinstance(spec, dict):
        return []
    ips = [text(ip) for ip in spec.get("clusterIPs") or [] if text(ip)] if isinstance(spec.get("clusterIPs"), list) else []
    return ips or ([text(spec["clusterIP"])] if text(spec.get("clusterIP")) else [])


def node_ports_of(spec: Any) -> Iterator[int]:
    if not isinstance(spec, dict):
        return
    for port in _ports(spec):
        if isinstance(port.get("nodePort"), int) and port["nodePort"]:
            yield port["nodePort"]
    if isinstance(spec.get("healthCheckNodePort"), int) and spec["healthCheckNodePort"]:
        yield spec["healthCheckNodePort"]


class ServiceAllocation:
    """`WriteHooks` of Services (see `kubegate.registry.strategy`)."""

    def __init__(
        self, cache: ObjectCache, *, ip_range: str, port_range: str, rng: random.Random | None = None,
    ) -> None:
        self._cache = cache
        self.ips = IPRange.parse(ip_range)
        self.ports = PortRange.parse(port_range)
        self._rng = rng or random.Random()
        #: value -> (owner namespace/name, deadline): handed out here, maybe not yet in the cache
        self._reserved: dict[str | int, tuple[tuple[str, str], float]] = {}

    # what is in use ---------------------------------------------------------------------------

    def _others(self, owner: tuple[str, str]) -> Iterator[dict[str, Any]]:
        for stored in self._cache.scan(SERVICES):
            metadata = stored.obj.get("metadata") or {}
            if (metadata.get("namespace", ""), metadata.get("name", "")) != owner:
                yield stored.obj.get("spec") or {}

    def _landed(self, value: str | int, holder: tuple[str, str]) -> bool:
        """The holder's write reached the cache: from now on the cache tells whether it is in use."""
        stored = self._cache.get(SERVICES, holder)
        spec = (stored.obj.get("spec") or {}) if stored is not None else {}
        return value in cluster_ips_of(spec) or value in set(node_ports_of(spec))

    def _reserved_by_others(self, owner: tuple[str, str]) -> set[str | int]:
        now = time.monotonic()
        self._reserved = {
            value: held for value, held in self._reserved.items() if held[1] > now and not self._landed(value, held[0])
        }
        return {value for value, (holder, _) in self._reserved.items() if holder != owner}

    def taken_ips(self, owner: tuple[str, str]) -> set[str]:
        taken = {ip for spec in self._others(owner) for ip in cluster_ips_of(spec)}
        return taken | {value for value in self._reserved_by_others(owner) if isinstance(value, str)}

    def taken_ports(self, owner: tuple[str, str]) -> set[int]:
        taken = {port for spec in self._others(owner) for port in node_ports_of(spec)}
        return taken | {value for value in self._reserved_by_others(owner) if isinstance(value, int)}

    def _reserve(self, value: str | int, owner: tuple[str, str]) -> None:
        self._reserved[value] = (owner, time.monotonic() + RESERVATION_SECONDS)

    # the hooks ---------------------------------------------------------------------------------

    def before_create(self, obj: dict[str, Any], *, user: UserInfo | None) -> list[FieldError]:
        return self._allocate(obj, None)

    def before_update(
        self, obj: dict[str, Any], old: dict[str, Any], *, sent: dict[str, Any], subresource: str
    ) -> list[FieldError]:
        if subresource:
            return []
        return self._allocate(obj, old)

    def _allocate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return []
        metadata = obj.get("metadata") or {}
        owner = (str(metadata.get("namespace", "")), str(metadata.get("name", "")))
        old_spec = (old or {}).get("spec") if isinstance((old or {}).get("spec"), dict) else None
        if old_spec is not None:
            _keep_allocated(spec, old_spec)
        problems = self._families(spec)
        if not problems and needs_cluster_ip(spec):
            problems = self._cluster_ip(spec, owner)
        if not problems:
            problems = self._node_ports(spec, owner)
        if not problems:  # held only once the whole Service is acceptable
            held: list[str | int] = [ip for ip in cluster_ips_of(spec) if ip != HEADLESS]
            for value in [*held, *node_ports_of(spec)]:
                self._reserve(value, owner)
        return problems

    def _families(self, spec: dict[str, Any]) -> list[FieldError]:
        """ipFamilies and ipFamilyPolicy of a single-stack cluster (none for ExternalName)."""
        if not needs_cluster_ip(spec):
            return []
        family = self.ips.family
        families = spec.get("ipFamilies")
        if isinstance(families, list) and families:
            for position, asked in enumerate(families):
                if asked != family:
                    return [invalid(index("spec.ipFamilies", position), asked, "not configured on this cluster")]
        else:
            spec["ipFamilies"] = [family]
        headless_without_selector = cluster_ips_of(spec)[:1] == [HEADLESS] and not spec.get("selector")
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "RequireDualStack" if headless_without_selector else "SingleStack"
        elif spec["ipFamilyPolicy"] == "RequireDualStack" and not headless_without_selector:
            return [invalid("spec.ipFamilyPolicy", "RequireDualStack",
                            "this cluster is not configured for dual-stack services")]
        return []

    def _cluster_ip(self, spec: dict[str, Any], owner: tuple[str, str]) -> list[FieldError]:
        ips = cluster_ips_of(spec)
        if ips[:1] == [HEADLESS]:
            spec["clusterIP"], spec["clusterIPs"] = HEADLESS, [HEADLESS]
            return []
        if len(ips) > 1:
            return [invalid("spec.clusterIPs", go_strings(ips), "this cluster is not configured for dual-stack services")]
        if not ips:
            chosen = self.ips.choose(self.taken_ips(owner), rng=self._rng)
            if chosen is None:
                raise errors.internal("failed to allocate a serviceIP: range is full")
            spec["clusterIP"], spec["clusterIPs"] = chosen, [chosen]
            return []
        asked = ips[0]
        try:
            address = ipaddress.ip_address(asked)
        except ValueError:
            return [invalid(index("spec.clusterIPs", 0), asked,
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
        failed = f"failed to allocate IP {asked}: "
        if self.ips.offset(address) is None:
            detail = (f"the provided IP ({asked}) is not in the valid range. "
                      f"The range of valid IPs is {self.ips}")
            return [invalid("spec.clusterIPs", go_strings(ips), failed + detail)]
        if asked in self.taken_ips(owner):
            return [invalid("spec.clusterIPs", go_strings(ips), failed + "provided IP is already allocated")]
        spec["clusterIP"], spec["clusterIPs"] = asked, [asked]
        return []

    def _node_ports(self, spec: dict[str, Any], owner: tuple[str, str]) -> list[FieldError]:
        wanted: list[tuple[str, dict[str, Any], str]] = []
        if needs_node_ports(spec):
            wanted += [(child(index("spec.ports", i), "nodePort"), port, "nodePort") for i, port in enumerate(_ports(spec))]
        if needs_health_check_port(spec):
            wanted.append(("spec.healthCheckNodePort", spec, "healthCheckNodePort"))
        taken = self.taken_ports(owner)
        mine: set[int] = set()
        # chosen ports first, so that a dynamic one never takes a port asked for further down
        for path, holder, field in wanted:
            asked = holder.get(field)
            if not isinstance(asked, int) or not asked:
                continue
            if asked not in self.ports:
                return [invalid(path, asked, "provided port is not in the valid range. "
                                             f"The range of valid ports is {self.ports}")]
            if asked in taken:
                return [invalid(path, asked, "provided port is already allocated")]
            mine.add(asked)
        for path, holder, field in wanted:
            if isinstance(holder.get(field), int) and holder[field]:
                continue
            chosen = self.ports.choose(taken | mine, rng=self._rng)
            if chosen is None:
                raise errors.internal("failed to allocate a nodePort: range is full")
            holder[field] = chosen
            mine.add(chosen)
        return []


def _keep_allocated(spec: dict[str, Any], old: dict[str, Any]) -> None:
    """An update that leaves out what was allocated keeps it (patchAllocatedValues)."""
    if needs_cluster_ip(old) and needs_cluster_ip(spec):
        if not cluster_ips_of(spec) and cluster_ips_of(old):
            spec["clusterIP"], spec["clusterIPs"] = cluster_ips_of(old)[0], cluster_ips_of(old)
        for field in ("ipFamilies", "ipFamilyPolicy"):
            if not spec.get(field) and old.get(field):
                spec[field] = old[field]
    if needs_node_ports(old) and needs_node_ports(spec):
        by_port = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort") for p in _ports(old)}
        by_name = {p.get("name"): p.get("nodePort") for p in _ports(old) if p.get("name")}
        for port in _ports(spec):
            if not port.get("nodePort"):
                kept = by_port.get((port.get("port"), port.get("protocol", "TCP"))) or by_name.get(port.get("name"))
                if kept:
                    port["nodePort"] = kept
    keep_health_check = needs_health_check_port(old) and needs_health_check_port(spec)
    if keep_health_check and not spec.get("healthCheckNodePort") and old.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old["healthCheckNodePort"]
