"""Cluster IP and node port allocation on Service writes (the Service strategy's hook)."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from typing import Any

import pytest

from kubegate.registry.services.allocation import ServiceAllocation
from kubegate.registry.services.ranges import IPRange, PortRange
from kubegate.storage.interface import Stored


class Services:
    """The part of the cache the allocator reads: Services by (namespace, name)."""

    def __init__(self, *objs: dict[str, Any]) -> None:
        self.objs = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objs}

    def get(self, resource: Any, key: tuple[str, str]) -> Stored | None:
        obj = self.objs.get(key)
        return None if obj is None else Stored(obj, b"", 1)

    def scan(self, resource: Any, **_: Any) -> Iterator[Stored]:
        return (Stored(obj, b"", 1) for obj in self.objs.values())


def svc(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": "default", "name": name},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}], **spec}}


def allocator(*existing: dict[str, Any], ips: str = "10.96.0.0/12", ports: str = "30000-32767") -> ServiceAllocation:
    return ServiceAllocation(Services(*existing), ip_range=ips, port_range=ports, rng=random.Random(7))  # type: ignore[arg-type]


@pytest.mark.parametrize(("cidr", "first", "size"), [
    ("10.96.0.0/12", "10.96.0.1", 2**20 - 2), ("10.96.0.0/16", "10.96.0.1", 65534), ("10.0.0.0/30", "10.0.0.1", 2),
])
def test_ip_ranges(cidr: str, first: str, size: int) -> None:
    assert (IPRange.parse(cidr).first, IPRange.parse(cidr).size) == (first, size)


@pytest.mark.parametrize(("text", "low", "high"), [("30000-32767", 30000, 32767), ("30000+2768", 30000, 32767)])
def test_port_ranges(text: str, low: int, high: int) -> None:
    assert PortRange.parse(text) == PortRange(low, high)


def test_dynamic_addresses_come_from_above_the_static_band() -> None:
    rng = random.Random(3)
    ip_range = IPRange.parse("10.96.0.0/16")
    chosen = {ip_range.choose(set(), rng=rng) for _ in range(200)}
    offsets = {ip_range.offset(ipaddress.ip_address(ip)) for ip in chosen if ip is not None}
    assert None not in offsets and min(offset for offset in offsets if offset is not None) >= 256


@pytest.mark.parametrize(("spec", "field", "message"), [
    ({"clusterIP": "10.96.0.10"}, "spec.clusterIPs",
     'Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated'),
    ({"clusterIPs": ["10.97.0.0"]}, "spec.clusterIPs", (
        'Invalid value: []string{"10.97.0.0"}: failed to allocate IP 10.97.0.0: the provided IP (10.97.0.0) '
        "is not in the valid range. The range of valid IPs is 10.96.0.0/16")),
    ({"clusterIP": "x"}, "spec.clusterIPs[0]", 'Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
    ({"ipFamilies": ["IPv6"]}, "spec.ipFamilies[0]", 'Invalid value: "IPv6": not configured on this cluster'),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}, "spec.ports[0].nodePort",
     "Invalid value: 30080: provided port is already allocated"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}, "spec.ports[0].nodePort",
     "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"),
])
def test_refusals(spec: dict[str, Any], field: str, message: str) -> None:
    taken = svc("dns", clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"], type="NodePort",
                ports=[{"port": 53, "nodePort": 30080}])
    problems = allocator(taken, ips="10.96.0.0/16").before_create(svc("new", **spec), user=None)
    assert [(p.field, p.body()) for p in problems] == [(field, message)]


def test_headless_external_name_and_families() -> None:
    hooks = allocator()
    headless = svc("h", clusterIP="None")
    assert hooks.before_create(headless, user=None) == []
    assert headless["spec"]["clusterIPs"] == ["None"] and headless["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    external = {"metadata": {"namespace": "default", "name": "e"}, "spec": {"type": "ExternalName"}}
    assert hooks.before_create(external, user=None) == []
    assert external["spec"] == {"type": "ExternalName"}
    plain = svc("p")
    assert hooks.before_create(plain, user=None) == []
    assert plain["spec"]["ipFamilies"] == ["IPv4"] and plain["spec"]["ipFamilyPolicy"] == "SingleStack"


def test_values_in_flight_are_not_handed_out_twice() -> None:
    hooks = allocator(ips="10.0.0.0/30")  # two usable addresses
    first, second, third = svc("a"), svc("b"), svc("c")
    assert hooks.before_create(first, user=None) == [] and hooks.before_create(second, user=None) == []
    assert first["spec"]["clusterIP"] != second["spec"]["clusterIP"]
    with pytest.raises(Exception, match="failed to allocate a serviceIP: range is full"):
        hooks.before_create(third, user=None)


def test_an_update_keeps_what_was_allocated() -> None:
    old = svc("np", type="NodePort", clusterIP="10.96.5.5", clusterIPs=["10.96.5.5"], ipFamilies=["IPv4"],
              ipFamilyPolicy="SingleStack", ports=[{"port": 80, "protocol": "TCP", "nodePort": 31234}])
    new = svc("np", type="NodePort", ports=[{"port": 80, "protocol": "TCP"}, {"name": "b", "port": 81, "protocol": "TCP"}])
    assert allocator(old).before_update(new, old, sent=new, subresource="") == []
    assert new["spec"]["clusterIPs"] == ["10.96.5.5"] and new["spec"]["ports"][0]["nodePort"] == 31234
    assert 30000 <= new["spec"]["ports"][1]["nodePort"] <= 32767 and new["spec"]["ports"][1]["nodePort"] != 31234
