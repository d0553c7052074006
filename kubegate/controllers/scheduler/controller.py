"""kube-scheduler (`default-scheduler`): binds each pending pod to a node that fits it.

Keys are the (namespace, name) of pods without `spec.nodeName` whose `schedulerName` is empty
or `default-scheduler`, not being deleted, not gated, not finished. One pod at a time, as the
real scheduling cycle: the filters (`filters.FILTERS`) judge every node, the least allocated
fitting node wins (`scoring`), and the pod is bound through the same code as the
`pods/binding` endpoint (`kubegate.registry.binding`), then a `Scheduled` event is recorded.
Binding waits until the cache shows the pod on its node, so the next pod sees it.

A pod no node fits may preempt lower-priority pods (`preemption`, carried out by `pod_writes`):
the victims get the DisruptionTarget condition and are deleted, and the pod is nominated to
their node (`status.nominatedNodeName`), which it is tried on first next time and which pods of
lower priority must leave room on. Either way it gets the PodScheduled False / `Unschedulable`
condition with the FitError text and a `FailedScheduling` event, and waits in
`attempts.Attempts` for a node to be added or changed, or a bound pod to go away (then with
backoff), or five minutes.

The scheduler keeps its own index of what bound, non-terminated pods take from each node,
fed by every pod event whether or not this process leads.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from kubegate.api import errors
from kubegate.controllers.events import WARNING, SeriesRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.scheduler import attempts, filters, fiterror, preemption, scoring
from kubegate.controllers.scheduler.pod_writes import PodWrites
from kubegate.controllers.scheduler.resources import NodeInfo, NodeUsage, PodUsage
from kubegate.registry import binding
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import ADDED, DELETED, Event, ObjectKey
from kubegate.registry.rest import GenericStore

log = logging.getLogger("kubegate.controllers.scheduler")

PODS = ("", "pods")
NODES = ("", "nodes")
BUDGETS = ("policy", "poddisruptionbudgets")
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


def nominated_node(pod: Mapping[str, Any]) -> str:
    """The node a waiting pod was nominated to by its preemption ("" for none)."""
    if not wants_scheduling(pod):
        return ""
    return str(_mapping(pod.get("status")).get("nominatedNodeName") or "")


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
        track = None
        if field_managers is not None:
            fields = field_managers.for_resource(spec, "status")

            def track(live: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
                return fields.update(live, new, FIELD_MANAGER)
        host = hostname if hostname is not None else socket.gethostname()
        self.recorder = SeriesRecorder(rest, catalog, controller=SCHEDULER_NAME, instance=f"{SCHEDULER_NAME}-{host}")
        self.writes = PodWrites(rest, spec, self.recorder, scheduler_name=SCHEDULER_NAME, track=track)
        self.attempts = attempts.Attempts()
        #: node name -> pod key -> what the pod takes; and where each indexed pod is
        self._on_node: dict[str, NodeUsage] = {}
        self._where: dict[ObjectKey, str] = {}
        self._nodes: dict[str, tuple[Any, ...]] = {}
        #: waiting pods nominated to a node: (node, priority, what they will take)
        self._nominated: dict[ObjectKey, tuple[str, int, PodUsage]] = {}
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
        nominated = nominated_node(pod) if pod is not None else ""
        if nominated and pod is not None:
            self._nominated[key] = (nominated, preemption.priority(pod), PodUsage.of(pod))
        else:
            self._nominated.pop(key, None)
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
        nodes = {str(node.obj["metadata"]["name"]): node.obj for node in self.informers.list(NODES)}
        # a pod nominated by its preemption tries that node first (evaluateNominatedNode)
        nominated = str(_mapping(pod.get("status")).get("nominatedNodeName") or "")
        if nominated in nodes and filters.run_filters(pod, usage, self._info(nodes[nominated], key, pod)) is None:
            await self._bind(key, pod, nominated)
            return
        refused: dict[str, filters.NodeStatus] = {}
        fitting: list[NodeInfo] = []
        for node in nodes.values():
            info = self._info(node, key, pod)
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
        if not refused:
            await self.recorder.event(dict(pod), WARNING, "FailedScheduling", "Scheduling", fiterror.NO_NODES)
            await self.writes.unschedulable(pod, fiterror.NO_NODES)
            return
        postfix, nominate = await self._preempt(key, pod, usage, nodes, refused)
        message = fiterror.fit_error(refused, preemption=postfix)
        await self.recorder.event(dict(pod), WARNING, "FailedScheduling", "Scheduling", message)
        await self.writes.unschedulable(pod, message, nominate=nominate)

    def _info(self, node: Mapping[str, Any], key: ObjectKey, pod: Mapping[str, Any]) -> NodeInfo:
        """The node with its bound pods, and the pods nominated to it that `pod` must leave room for
        (those of at least its priority: RunFilterPluginsWithNominatedPods)."""
        name = str(node["metadata"]["name"])
        info = self._on_node.get(name, EMPTY).info(node)
        extra = self._nominated_usage(name, key, preemption.priority(pod))
        return NodeInfo(node, [*info.pods, *extra]) if extra else info

    def _nominated_usage(self, node: str, key: ObjectKey, priority: int) -> list[PodUsage]:
        return [usage for other, (where, rank, usage) in self._nominated.items()
                if where == node and other != key and rank >= priority]

    def _bound_on(self, node: str) -> list[preemption.Bound]:
        bound = []
        for other, usage in self._on_node.get(node, EMPTY).pods.items():
            stored = self.cache.get(PODS, other)
            if stored is not None:
                bound.append(preemption.Bound(stored.obj, usage))
        return bound

    async def _preempt(
        self, key: ObjectKey, pod: Mapping[str, Any], usage: PodUsage, nodes: Mapping[str, Mapping[str, Any]],
        refused: Mapping[str, filters.NodeStatus],
    ) -> tuple[str, str | None]:
        """DefaultPreemption's PostFilter: (its text for the FitError, the node to nominate: None
        leaves the nomination as it is, "" clears it)."""
        nominated = str(_mapping(pod.get("status")).get("nominatedNodeName") or "")
        # pods already preempted for it still terminating there: wait for them, unless that node is out
        helpful = nominated in refused and refused[nominated].plugin.preemption_may_help
        on_nominated = [b.pod for b in self._bound_on(nominated)] if helpful else []
        reason = preemption.ineligible(pod, on_nominated)
        if reason is not None:
            return reason, None
        potential = [(self._on_node.get(name, EMPTY).info(nodes[name]), self._bound_on(name))
                     for name, status in sorted(refused.items()) if status.plugin.preemption_may_help]
        budgets = [stored.obj for stored in self.informers.list(BUDGETS)]
        mine = preemption.priority(pod)
        candidates, verdicts = preemption.dry_run(
            pod, usage, potential, budgets, lambda node: self._nominated_usage(node, key, mine))
        if not candidates:
            return fiterror.preemption_failed(len(refused), verdicts), ""
        chosen = preemption.pick(candidates)
        for victim in chosen.victims:
            await self.writes.evict(victim.pod, preemptor=pod, node=chosen.node)
        # lower-priority pods nominated there may no longer fit: they look elsewhere
        for other, (where, rank, _) in list(self._nominated.items()):
            if where == chosen.node and rank < mine and other != key:
                stored = self.cache.get(PODS, other)
                if stored is not None:
                    await self.writes.clear_nomination(stored.obj)
        return "", chosen.node

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


def _key(pod: Mapping[str, Any]) -> ObjectKey:
    metadata = _mapping(pod.get("metadata"))
    return (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
