"""kube-scheduler (`default-scheduler`): binds each pending pod to a node that fits it.

Keys are the (namespace, name) of pods without `spec.nodeName` whose `schedulerName` is empty
or `default-scheduler`, not being deleted, not gated, not finished. One pod at a time, as the
real scheduling cycle: the filters (`filters.FILTERS`) judge every node, the least allocated
fitting node wins (`scoring`), and the pod is bound through the same code as the
`pods/binding` endpoint (`kubegate.registry.binding`), then a `Scheduled` event is recorded.
Binding waits until the cache shows the pod on its node, so the next pod sees it.

A pod no node fits gets the PodScheduled False / `Unschedulable` condition with the FitError
text and a `FailedScheduling` event, and waits in `attempts.Attempts` for a node to be added
or changed, or a bound pod to go away (then with backoff), or five minutes.

The scheduler keeps its own index of what bound, non-terminated pods take from each node,
fed by every pod event whether or not this process leads.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from kubegate.api import errors
from kubegate.controllers.events import WARNING, SeriesRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.scheduler import attempts, filters, fiterror, scoring
from kubegate.controllers.scheduler.resources import NodeInfo, NodeUsage, PodUsage
from kubegate.registry import binding
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import ADDED, DELETED, Event, ObjectKey
from kubegate.registry.rest import GenericStore

log = logging.getLogger("kubegate.controllers.scheduler")

PODS = ("", "pods")
NODES = ("", "nodes")
SCHEDULER_NAME = "default-scheduler"
FIELD_MANAGER = "kube-scheduler"
TERMINAL_PHASES = ("Succeeded", "Failed")
EMPTY = NodeUsage()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def assigned_node(pod: Mapping[str, Any]) -> str:
    """The node a live pod takes resources on ("" for none: unbound or finished)."""
    if _mapping(pod.get("status")).get("phase") in TERMINAL_PHASES:
        return ""
    return str(_mapping(pod.get("spec")).get("nodeName") or "")


def wants_scheduling(pod: Mapping[str, Any]) -> bool:
    """An unbound live pod for this scheduler, not gated."""
    spec, metadata = _mapping(pod.get("spec")), _mapping(pod.get("metadata"))
    return (
        not spec.get("nodeName")
        and (spec.get("schedulerName") or SCHEDULER_NAME) == SCHEDULER_NAME
        and not metadata.get("deletionTimestamp")
        and not spec.get("schedulingGates")
        and _mapping(pod.get("status")).get("phase") not in TERMINAL_PHASES
    )


def _node_signature(node: Mapping[str, Any]) -> tuple[Any, ...]:
    """What of a node the filters read; a heartbeat changes none of it."""
    spec = _mapping(node.get("spec"))
    return (_mapping(node.get("metadata")).get("labels"), spec.get("taints"), spec.get("unschedulable"),
            _mapping(node.get("status")).get("allocatable"))


class Scheduler(Controller):
    """Keys are (namespace, name) of pods waiting for a node."""

    name = "scheduler"

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *,
        field_managers: FieldManagers | None = None, hostname: str | None = None,
    ) -> None:
        super().__init__(informers)
        spec = catalog.lookup("", "v1", "pods")
        if spec is None:
            raise LookupError("pods are not served")
        self._spec = spec
        self._rest = rest
        self._status_fields = field_managers.for_resource(spec, "status") if field_managers else None
        host = hostname if hostname is not None else socket.gethostname()
        self.recorder = SeriesRecorder(rest, catalog, controller=SCHEDULER_NAME, instance=f"{SCHEDULER_NAME}-{host}")
        self.attempts = attempts.Attempts()
        #: node name -> pod key -> what the pod takes; and where each indexed pod is
        self._on_node: dict[str, NodeUsage] = {}
        self._where: dict[ObjectKey, str] = {}
        self._nodes: dict[str, tuple[Any, ...]] = {}
        for stored in informers.list(PODS):
            self._index(_key(stored.obj), stored.obj)
        for stored in informers.list(NODES):
            self._nodes[str(stored.obj["metadata"]["name"])] = _node_signature(stored.obj)
        informers.on(PODS, self._observe_pod)
        informers.on(NODES, self._observe_node)
        self.watch(PODS, self._pending)

    # the index and the events ------------------------------------------------------------------

    def _index(self, key: ObjectKey, pod: Mapping[str, Any] | None) -> bool:
        """Bring the index up to date for one pod; True when a node got room back."""
        node = assigned_node(pod) if pod is not None else ""
        old = self._where.pop(key, "")
        if old:
            self._on_node[old].remove(key)
            if not self._on_node[old].pods:
                del self._on_node[old]
        if node and pod is not None:
            self._on_node.setdefault(node, NodeUsage()).add(key, PodUsage.of(pod))
            self._where[key] = node
        return bool(old) and old != node

    def _observe_pod(self, event: Event) -> None:
        freed = self._index(event.key, None if event.type == DELETED else event.stored.obj)
        if event.type == DELETED:
            self.attempts.forget(event.key)
        if freed:
            self._cluster_changed()

    def _observe_node(self, event: Event) -> None:
        name = event.key[1]
        if event.type == DELETED:
            self._nodes.pop(name, None)
            return
        signature = _node_signature(event.stored.obj)
        if event.type == ADDED or self._nodes.get(name) != signature:
            self._nodes[name] = signature
            self._cluster_changed()

    def _cluster_changed(self) -> None:
        keys = self.attempts.cluster_changed()
        if self.running:
            for key in keys:
                self.queue.add(key)

    def _pending(self, event: Event) -> Iterable[ObjectKey]:
        return (event.key,) if event.type != DELETED and wants_scheduling(event.stored.obj) else ()

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [_key(stored.obj) for stored in self.informers.list(PODS) if wants_scheduling(stored.obj)]

    # one scheduling cycle ----------------------------------------------------------------------

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(PODS, key)
        if stored is None or not wants_scheduling(stored.obj):
            self.attempts.forget(key)
            return
        pod = stored.obj
        now = asyncio.get_running_loop().time()
        decision, wait = self.attempts.decide(key, pod, now=now)
        if decision == attempts.SKIP:
            return
        if decision == attempts.WAIT:
            self.queue.add_after(key, wait)
            return
        generation = self.attempts.generation
        usage = PodUsage.of(pod)
        refused: dict[str, filters.NodeStatus] = {}
        fitting: list[NodeInfo] = []
        for node in self.informers.list(NODES):
            info = self._on_node.get(str(node.obj["metadata"]["name"]), EMPTY).info(node.obj)
            status = filters.run_filters(pod, usage, info)
            if status is None:
                fitting.append(info)
            else:
                refused[info.name] = status
        if fitting:
            await self._bind(key, pod, scoring.pick(usage, fitting).name)
            return
        self.attempts.failed(key, pod, now=now, generation=generation)
        self.queue.add_after(key, attempts.FLUSH_AFTER)
        await self._unschedulable(pod, fiterror.fit_error(pod, refused))

    async def _bind(self, key: ObjectKey, pod: Mapping[str, Any], node: str) -> None:
        namespace, name = key
        try:
            await binding.bind(self._rest, namespace=namespace, name=name, node=node,
                               uid=str(pod["metadata"].get("uid") or ""))
        except errors.StatusError as error:
            if error.code in (404, 409):  # deleted, bound by someone else, or replaced meanwhile
                log.debug("binding %s/%s to %s: %s", namespace, name, node, error.message)
                return
            raise
        self.attempts.forget(key)
        await self.recorder.event(dict(pod), "Normal", "Scheduled", "Binding",
                                  f"Successfully assigned {namespace}/{name} to {node}")

    async def _unschedulable(self, pod: Mapping[str, Any], message: str) -> None:
        """PodScheduled False/Unschedulable on the pod, and a FailedScheduling event."""
        metadata = pod["metadata"]
        namespace, name, uid = metadata.get("namespace", ""), metadata["name"], metadata.get("uid")
        await self.recorder.event(dict(pod), WARNING, "FailedScheduling", "Scheduling", message)
        condition = {"type": binding.POD_SCHEDULED, "status": "False", "reason": "Unschedulable", "message": message}

        async def with_condition(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or live["metadata"].get("uid") != uid:
                raise errors.not_found("pods", name)
            updated = copy.deepcopy(live)
            if not binding.set_condition(updated, condition):
                return live  # nothing new: no write
            return updated

        track = None
        if self._status_fields is not None:
            fields = self._status_fields

            def track(live: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
                return fields.update(live, new, FIELD_MANAGER)

        try:
            await self._rest.update(self._spec, namespace, name, with_condition, subresource="status", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise


def _key(pod: Mapping[str, Any]) -> ObjectKey:
    metadata = _mapping(pod.get("metadata"))
    return (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
