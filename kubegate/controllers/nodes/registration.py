"""Each simulated kubelet's node-level duties: register its Node, post status, renew its Lease.

As a kubelet does at start: create the Node (with its status) if it is missing, else post fresh
status, and record `Starting kubelet.` and the condition events. Then, every renew interval (10
s, a quarter of the 40 s lease), renew the node's Lease in `kube-node-lease` (holderIdentity =
node name, ownerReference to the Node) and post the node status if it changed (its images, or
conditions someone else rewrote) or 5 minutes have passed (nodeStatusReportFrequency).

A user stops a node's kubelet with the annotation `kubegate.io/kubelet: stopped` on the Node:
leases and status stop (so the node lifecycle controller marks it Unknown after its grace
period) and the pods on it are left as they are. Removing the annotation (or any other value)
starts the kubelet again: it registers anew, posts Ready and takes up its pods.

A Node deleted by a user is not re-created until the server restarts, as a real kubelet
re-registers only when it starts; its Lease then stops too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import node_object
from kubegate.controllers.nodes.identity import NodeIdentity
from kubegate.controllers.nodes.images import NodeImages
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import Event
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.nodes")

NODES = ("", "nodes")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = 10.0
STATUS_REPORT_INTERVAL = 300.0
#: the annotation that stops (value `stopped`) and starts again (any other value, or none) a kubelet
KUBELET_ANNOTATION = "kubegate.io/kubelet"
STOPPED = "stopped"
#: condition events a starting kubelet records, after `Starting`
CONDITION_EVENTS = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID")

Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
#: runs the admission chain on the Node a kubelet creates (TaintNodesByCondition adds its taint)
Admit = Callable[[ResourceSpec, dict[str, Any]], Awaitable[None]]


def micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stopped(node: Mapping[str, Any] | None) -> bool:
    """Whether the user stopped this node's kubelet (`kubegate.io/kubelet: stopped`)."""
    annotations = ((node or {}).get("metadata") or {}).get("annotations") or {}
    return annotations.get(KUBELET_ANNOTATION) == STOPPED


def _required(catalog: Catalog, group: str, plural: str) -> ResourceSpec:
    spec = catalog.lookup(group, "v1", plural)
    if spec is None:
        raise LookupError(f"{group}/{plural} is not served")
    return spec


class NodeRegistration(Controller):
    """Keys are node names; one controller serves every simulated node."""

    name = "kubelet-node-status"

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *,
        nodes: Iterable[NodeIdentity], kubelet_version: str, track: Callable[[ResourceSpec, str], Track | None],
        images: Mapping[str, NodeImages], admit: Admit | None = None, renew_interval: float = RENEW_INTERVAL,
    ) -> None:
        super().__init__(informers)
        self._rest = rest
        self._catalog = catalog
        self._nodes = {identity.name: identity for identity in nodes}
        self._version = kubelet_version
        self._track = track
        self._images = images
        self._admit = admit
        self.renew_interval = renew_interval
        self._node_spec = _required(catalog, "", "nodes")
        self._lease_spec = _required(catalog, "coordination.k8s.io", "leases")
        self._started: set[str] = set()  # nodes whose kubelet has started in this process
        self._reported: dict[str, float] = {}  # node -> loop time its status was last posted
        self._renewed: dict[str, float] = {}  # node -> loop time its Lease was last renewed
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.watch(NODES, self._started_or_stopped)

    def _started_or_stopped(self, event: Event) -> Iterable[Hashable]:
        name = event.key[1]
        if name not in self._nodes or event.previous is None:
            return ()
        return (name,) if stopped(event.previous.obj) != stopped(event.stored.obj) else ()

    def initial_keys(self) -> Iterable[str]:
        self._started.clear()
        self._renewed.clear()
        return list(self._nodes)

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await super().stop()

    async def reconcile(self, name: str) -> None:
        identity = self._nodes.get(name)
        if identity is None:
            return
        existing = self._rest.find(self._node_spec, "", name)
        if existing is not None and stopped(existing.obj):
            self._started.discard(name)  # started again, it registers anew
            self._renewed.pop(name, None)
            self._cancel_tick(name)
            return
        self._tick(name)
        if name not in self._started:
            self._restore_images(existing)
            await self._register(identity, existing)
            self._started.add(name)
        node = self._rest.find(self._node_spec, "", name)
        if node is None:
            return  # deleted by a user: this kubelet is an orphan until the server restarts
        await self._post_status(identity, node.obj)
        if _loop_time() - self._renewed.get(name, float("-inf")) >= self.renew_interval * 0.9:
            await self._renew_lease(identity, node.obj, meta.now())

    def _tick(self, name: str) -> None:
        """Come back after the renew interval, on a timer settle() does not wait for (a
        heartbeat is never "work left to do")."""
        self._cancel_tick(name)
        if self.running:
            self._timers[name] = asyncio.get_running_loop().call_later(self.renew_interval, self._wake, name)

    def _cancel_tick(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()

    def _wake(self, name: str) -> None:
        self._timers.pop(name, None)
        if self.running:
            self.queue.add(name)

    def _restore_images(self, existing: Any) -> None:
        if existing is not None:
            name = existing.obj["metadata"]["name"]
            if name in self._images:
                self._images[name].restore((existing.obj.get("status") or {}).get("images"))

    def _listing(self, name: str) -> list[dict[str, Any]]:
        images = self._images.get(name)
        return images.listing() if images is not None else []

    async def _register(self, identity: NodeIdentity, existing: Any) -> None:
        now = meta.format_time(meta.now())
        was_ready = existing is not None and _ready(existing.obj)
        if existing is None:
            body = node_object.new_node(identity, kubelet_version=self._version, now=now,
                                        images=self._listing(identity.name))
            try:
                if self._admit is not None:
                    await self._admit(self._node_spec, body)
                await self._rest.create(self._node_spec, "", body, track=self._track(self._node_spec, ""))
                self._reported[identity.name] = _loop_time()
            except errors.StatusError as error:
                if error.code != 409:
                    raise
        else:
            await self._post_status(identity, existing.obj, force=True)
        recorder = EventRecorder(self._rest, self._catalog, component="kubelet", host=identity.name)
        reference = {"kind": "Node", "metadata": {"name": identity.name, "uid": identity.name}}
        await recorder.event(reference, NORMAL, "Starting", "Starting kubelet.")
        for reason in CONDITION_EVENTS:
            await recorder.event(reference, NORMAL, reason, f"Node {identity.name} status is now: {reason}")
        await recorder.event(reference, NORMAL, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        if not was_ready:
            await recorder.event(reference, NORMAL, "NodeReady", f"Node {identity.name} status is now: NodeReady")

    async def _post_status(self, identity: NodeIdentity, node: dict[str, Any], *, force: bool = False) -> None:
        """Post the status when it changed or the report interval has passed (or `force`)."""
        now = meta.format_time(meta.now())
        images = self._listing(identity.name)
        due = _loop_time() - self._reported.get(identity.name, float("-inf")) >= STATUS_REPORT_INTERVAL
        fresh = node_object.node_status(identity, node.get("status"), kubelet_version=self._version, now=now,
                                        images=images)
        if not (force or due or node_object.changed(node.get("status"), fresh)):
            return

        async def posted(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found("nodes", identity.name)
            status = node_object.node_status(identity, live.get("status"), kubelet_version=self._version, now=now,
                                             images=images)
            return {**live, "status": {**(live.get("status") or {}), **status}}

        try:
            await self._rest.update(
                self._node_spec, "", identity.name, posted, subresource="status",
                track=self._track(self._node_spec, "status"),
            )
            self._reported[identity.name] = _loop_time()
        except errors.StatusError as error:
            if error.code != 404:
                raise

    async def _renew_lease(self, identity: NodeIdentity, node: dict[str, Any], now: datetime) -> None:
        owner = {"apiVersion": "v1", "kind": "Node", "name": identity.name, "uid": node["metadata"]["uid"]}
        spec = {
            "holderIdentity": identity.name,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": micro_time(now),
        }

        async def renewed(live: dict[str, Any] | None) -> dict[str, Any]:
            metadata = dict((live or {}).get("metadata") or {"name": identity.name, "namespace": LEASE_NAMESPACE})
            metadata["ownerReferences"] = [owner]
            return {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", **(live or {}),
                "metadata": metadata, "spec": {**((live or {}).get("spec") or {}), **spec},
            }

        try:
            await self._rest.update(
                self._lease_spec, LEASE_NAMESPACE, identity.name, renewed, track=self._track(self._lease_spec, ""),
            )
            self._renewed[identity.name] = _loop_time()
        except errors.StatusError as error:
            if error.code not in (403, 404, 409):  # kube-node-lease missing or terminating: next time
                raise


def _ready(node: dict[str, Any]) -> bool:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def _loop_time() -> float:
    return asyncio.get_running_loop().time()
