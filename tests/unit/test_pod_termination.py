"""kubegate's stand-in for the kubelet removes a deleted pod when its grace period ends.

The controller's delayed work and its clock are injected, so these tests move time by hand;
each step then waits for the controllers to settle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from kubegate.api.deleteoptions import DeleteOptions
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.pod_termination import PodTerminationController
from kubegate.registry import conversion
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import ObjectKey
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.cacher import Cacher
from kubegate.storage.memory import MemoryBackend


@dataclass
class Timers:
    """A clock moved by hand, and the keys the controller asked to see again, as its work queue keeps them."""

    now: float = 0.0
    #: key -> when it is due (the earliest asked for, as `WorkQueue.add_after` keeps it)
    due: dict[ObjectKey, float] = field(default_factory=dict)

    def add_after(self, key: ObjectKey, delay: float) -> None:
        at = self.now + delay
        if key not in self.due or at < self.due[key]:
            self.due[key] = at

    def advance(self, seconds: float) -> list[ObjectKey]:
        """Move the clock; the keys now due (the test hands them to the controller)."""
        self.now += seconds
        ready = [key for key, at in self.due.items() if at <= self.now]
        for key in ready:
            del self.due[key]
        return ready

    @property
    def deadlines(self) -> list[float]:
        return sorted(self.due.values())


@dataclass
class Cluster:
    rest: GenericStore
    pods: ResourceSpec
    timers: Timers
    controller: PodTerminationController
    manager: ControllerManager

    async def pod(self, name: str, **spec: Any) -> dict[str, Any]:
        body = {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}
        created = await self.rest.create(self.pods, "ns", body)
        await self.manager.settle()
        return created.obj

    async def delete(self, name: str, **options: Any) -> None:
        await self.rest.delete(self.pods, "ns", name, DeleteOptions(**options))
        await self.manager.settle()

    async def update(self, obj: dict[str, Any]) -> None:
        await self.rest.update(self.pods, "ns", obj["metadata"]["name"], obj)
        await self.manager.settle()

    async def advance(self, seconds: float) -> None:
        for key in self.timers.advance(seconds):
            self.controller.queue.add(key)
        await self.manager.settle()

    def exists(self, name: str) -> bool:
        return self.rest.find(self.pods, "ns", name) is not None


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    catalog = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
    backend = MemoryBackend()
    store = Cacher(backend, builtin={conversion.storage_key(spec) for spec in catalog})
    await store.start()
    rest = GenericStore(store)
    namespaces, pods = catalog.lookup("", "v1", "namespaces"), catalog.lookup("", "v1", "pods")
    assert namespaces is not None and pods is not None
    await rest.create(namespaces, "", {"metadata": {"name": "ns"}})
    informers = Informers(store)
    manager = ControllerManager(informers, fresh=store.wait_fresh)
    timers = Timers()
    controller = PodTerminationController(
        informers, rest, catalog, add_after=timers.add_after, clock=lambda: timers.now
    )
    manager.add(controller)
    manager.start()
    manager.lead()
    try:
        yield Cluster(rest, pods, timers, controller, manager)
    finally:
        await manager.stop()
        informers.close()
        await store.stop()
        await backend.close()


async def test_a_bound_pod_goes_when_its_grace_period_ends(cluster: Cluster) -> None:
    await cluster.pod("web", nodeName="n1", terminationGracePeriodSeconds=30)
    await cluster.delete("web")
    assert cluster.exists("web") and cluster.timers.deadlines == [30]
    await cluster.advance(29)
    assert cluster.exists("web")
    await cluster.advance(1)
    assert not cluster.exists("web") and cluster.controller.pending == 0


async def test_a_shorter_grace_period_moves_the_end_earlier_a_longer_one_does_not(cluster: Cluster) -> None:
    await cluster.pod("web", nodeName="n1")
    await cluster.delete("web", grace_period_seconds=20)
    await cluster.advance(5)
    await cluster.delete("web", grace_period_seconds=60)  # ignored: only shorter counts
    assert cluster.timers.deadlines == [20]
    await cluster.delete("web", grace_period_seconds=8)  # counted from the first delete, at t=0
    assert cluster.timers.deadlines == [8]
    await cluster.advance(3)
    assert not cluster.exists("web")


async def test_pods_that_need_no_kubelet_are_not_timed(cluster: Cluster) -> None:
    await cluster.pod("pending")  # never scheduled
    await cluster.pod("forced", nodeName="n1")
    await cluster.delete("pending")
    await cluster.delete("forced", grace_period_seconds=0)
    assert not cluster.exists("pending") and not cluster.exists("forced")
    assert cluster.timers.deadlines == [] and cluster.controller.pending == 0


async def test_a_pod_removed_before_its_time_is_forgotten(cluster: Cluster) -> None:
    await cluster.pod("web", nodeName="n1")
    await cluster.delete("web")
    assert cluster.controller.pending == 1
    await cluster.delete("web", grace_period_seconds=0)  # --force
    assert not cluster.exists("web") and cluster.controller.pending == 0
    await cluster.pod("web", nodeName="n1")  # another pod of that name is not the one that was timed
    await cluster.advance(30)
    assert cluster.exists("web")


async def test_finalizers_still_hold_the_pod_after_its_grace_period(cluster: Cluster) -> None:
    await cluster.pod("held", nodeName="n1", terminationGracePeriodSeconds=2)
    current = cluster.rest.get(cluster.pods, "ns", "held").obj
    with_finalizer = {**current, "metadata": {**current["metadata"], "finalizers": ["example.com/hold"]}}
    await cluster.update(with_finalizer)
    await cluster.delete("held")
    await cluster.advance(2)
    held = cluster.rest.get(cluster.pods, "ns", "held").obj["metadata"]
    assert held["deletionGracePeriodSeconds"] == 0  # the kubelet's delete went through...
    released = {**cluster.rest.get(cluster.pods, "ns", "held").obj}
    released["metadata"] = {k: v for k, v in released["metadata"].items() if k != "finalizers"}
    await cluster.update(released)
    assert not cluster.exists("held")  # ...and the last finalizer's removal completes it
