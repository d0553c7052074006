"""kubegate's stand-in for the kubelet removes a deleted pod when its grace period ends.

The controller's timers and clock are injected, so these tests move time by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kubegate.api.deleteoptions import DeleteOptions
from kubegate.controllers.pod_termination import PodTerminationController
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.memory import Store


@dataclass
class Handle:
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class Timers:
    now: float = 0.0
    scheduled: list[tuple[float, Callable[[], None], Handle]] = field(default_factory=list)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Handle:
        handle = Handle()
        self.scheduled.append((self.now + delay, callback, handle))
        return handle

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = sorted((t for t in self.scheduled if t[0] <= self.now and not t[2].cancelled), key=lambda t: t[0])
        self.scheduled = [t for t in self.scheduled if t not in due]
        for _, callback, _ in due:
            callback()

    @property
    def deadlines(self) -> list[float]:
        return [t[0] for t in self.scheduled if not t[2].cancelled]


@dataclass
class Cluster:
    rest: GenericStore
    pods: ResourceSpec
    timers: Timers
    controller: PodTerminationController

    def pod(self, name: str, **spec: Any) -> dict[str, Any]:
        body = {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}
        return self.rest.create(self.pods, "ns", body).obj

    def delete(self, name: str, **options: Any) -> None:
        self.rest.delete(self.pods, "ns", name, DeleteOptions(**options))

    def exists(self, name: str) -> bool:
        return self.rest.find(self.pods, "ns", name) is not None


@pytest.fixture
def cluster() -> Cluster:
    catalog = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
    rest = GenericStore(Store())
    namespaces, pods = catalog.lookup("", "v1", "namespaces"), catalog.lookup("", "v1", "pods")
    assert namespaces is not None and pods is not None
    rest.create(namespaces, "", {"metadata": {"name": "ns"}})
    timers = Timers()
    controller = PodTerminationController(rest, catalog, call_later=timers.call_later, clock=lambda: timers.now)
    return Cluster(rest, pods, timers, controller)


def test_a_bound_pod_goes_when_its_grace_period_ends(cluster: Cluster) -> None:
    cluster.pod("web", nodeName="n1", terminationGracePeriodSeconds=30)
    cluster.delete("web")
    assert cluster.exists("web") and cluster.timers.deadlines == [30]
    cluster.timers.advance(29)
    assert cluster.exists("web")
    cluster.timers.advance(1)
    assert not cluster.exists("web") and cluster.controller.pending == 0


def test_a_shorter_grace_period_moves_the_end_earlier_a_longer_one_does_not(cluster: Cluster) -> None:
    cluster.pod("web", nodeName="n1")
    cluster.delete("web", grace_period_seconds=20)
    cluster.timers.advance(5)
    cluster.delete("web", grace_period_seconds=60)  # ignored: only shorter counts
    assert cluster.timers.deadlines == [20]
    cluster.delete("web", grace_period_seconds=8)  # counted from the first delete, at t=0
    assert cluster.timers.deadlines == [8]
    cluster.timers.advance(3)
    assert not cluster.exists("web")


def test_pods_that_need_no_kubelet_are_not_timed(cluster: Cluster) -> None:
    cluster.pod("pending")  # never scheduled
    cluster.pod("forced", nodeName="n1")
    cluster.delete("pending")
    cluster.delete("forced", grace_period_seconds=0)
    assert not cluster.exists("pending") and not cluster.exists("forced")
    assert cluster.timers.scheduled == []


def test_a_pod_removed_before_its_time_cancels_the_timer(cluster: Cluster) -> None:
    cluster.pod("web", nodeName="n1")
    cluster.delete("web")
    cluster.delete("web", grace_period_seconds=0)  # --force
    assert not cluster.exists("web") and cluster.timers.deadlines == [] and cluster.controller.pending == 0


def test_finalizers_still_hold_the_pod_after_its_grace_period(cluster: Cluster) -> None:
    cluster.pod("held", nodeName="n1", terminationGracePeriodSeconds=2)
    current = cluster.rest.get(cluster.pods, "ns", "held").obj
    with_finalizer = {**current, "metadata": {**current["metadata"], "finalizers": ["example.com/hold"]}}
    cluster.rest.update(cluster.pods, "ns", "held", with_finalizer)
    cluster.delete("held")
    cluster.timers.advance(2)
    held = cluster.rest.get(cluster.pods, "ns", "held").obj["metadata"]
    assert held["deletionGracePeriodSeconds"] == 0  # the kubelet's delete went through...
    released = {**cluster.rest.get(cluster.pods, "ns", "held").obj}
    released["metadata"] = {k: v for k, v in released["metadata"].items() if k != "finalizers"}
    cluster.rest.update(cluster.pods, "ns", "held", released)
    assert not cluster.exists("held")  # ...and the last finalizer's removal completes it
