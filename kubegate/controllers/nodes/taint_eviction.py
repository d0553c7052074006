"""kube-controller-manager's taint eviction controller: pods leave nodes tainted NoExecute.

Keys are pods (namespace, name). A pod on a node with NoExecute taints is evicted at once if
it does not tolerate them all; if it does, after the shortest `tolerationSeconds` of the
tolerations used (none: it stays for ever), counted from when the controller first saw it
tainted. DefaultTolerationSeconds gives every pod 300 s for `not-ready` and `unreachable`.
Eviction is what upstream's does (K pkg/controller/tainteviction/taint_eviction.go): a
`TaintManagerEviction` event "Marking for deletion Pod ns/name", the DisruptionTarget
condition (`DeletionByTaintManager`), then a delete with the pod's own grace period. A pending
eviction that the taints' removal or the pod's deletion called off is announced as
"Cancelling deletion of Pod ns/name".
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable
from typing import Any

from kubegate.api import meta
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import NORMAL, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import node_taints
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event, ObjectKey

NODES = ("", "nodes")
PODS = ("", "pods")
COMPONENT = "taint-eviction-controller"
DISRUPTION_TARGET = {
    "type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
    "message": "Taint manager: deleting due to NoExecute taint",
}


def no_execute_taints(node: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [t for t in node_taints.taints_of(node or {}) if t.get("effect") == node_taints.NO_EXECUTE]


def _key(pod: dict[str, Any]) -> ObjectKey:
    return (str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"]))


def _node_name(pod: dict[str, Any]) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


class TaintEvictionController(Controller):
    name = COMPONENT

    def __init__(self, informers: Informers, client: ControllerClient, catalog: Catalog) -> None:
        super().__init__(informers)
        self._client = client
        self._pods = client.spec("pods")
        self._recorder = EventRecorder(client.rest, catalog, COMPONENT)
        #: pod -> (uid, loop time its eviction was scheduled from); absent: nothing pending
        self._pending: dict[ObjectKey, tuple[str, float]] = {}
        self._evicted: set[tuple[ObjectKey, str]] = set()
        self.watch(NODES, self._node_changed)
        self.watch(PODS, self._pod_changed)

    def _node_changed(self, event: Event) -> Iterable[Hashable]:
        before = no_execute_taints(event.previous.obj if event.previous else None)
        after = [] if event.type == DELETED else no_execute_taints(event.stored.obj)
        if before == after:
            return ()
        name = event.key[1]
        return [_key(stored.obj) for stored in self.informers.list(PODS) if _node_name(stored.obj) == name]

    def _pod_changed(self, event: Event) -> Iterable[Hashable]:
        if event.type == DELETED or event.previous is None:
            return (event.key,)
        old, new = event.previous.obj.get("spec") or {}, event.stored.obj.get("spec") or {}
        if old.get("tolerations") == new.get("tolerations") and old.get("nodeName") == new.get("nodeName"):
            return ()
        return (event.key,)

    def initial_keys(self) -> Iterable[Hashable]:
        tainted = {str(s.obj["metadata"]["name"]) for s in self.informers.list(NODES) if no_execute_taints(s.obj)}
        return [_key(s.obj) for s in self.informers.list(PODS) if _node_name(s.obj) in tainted]

    async def stop(self) -> None:
        self._pending.clear()
        await super().stop()

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(PODS, key)
        if stored is None:
            await self._cancel(key)
            self._evicted = {e for e in self._evicted if e[0] != key}
            return
        pod = stored.obj
        uid = str(pod["metadata"].get("uid", ""))
        node = self.cache.get(NODES, ("", _node_name(pod))) if _node_name(pod) else None
        taints = no_execute_taints(node.obj if node else None)
        if not taints:
            await self._cancel(key)
            return
        tolerated, used = node_taints.matching_tolerations(taints, (pod.get("spec") or {}).get("tolerations") or [])
        seconds = node_taints.min_toleration_seconds(used) if tolerated else 0.0
        if seconds is None:  # tolerated for ever
            await self._cancel(key)
            return
        now = asyncio.get_running_loop().time()
        pending = self._pending.get(key)
        since = pending[1] if pending is not None and pending[0] == uid else now
        if not tolerated and pending is not None:
            await self._cancel(key)  # about to go right away: the timed eviction is replaced
            since = now
        self._pending[key] = (uid, since)
        left = since + seconds - now
        if left > 0:
            self.queue.add_after(key, left)
            return
        self._pending.pop(key, None)
        if (key, uid) not in self._evicted and not pod["metadata"].get("deletionTimestamp"):
            self._evicted.add((key, uid))
            await self._evict(key, uid)

    async def _cancel(self, key: ObjectKey) -> None:
        if self._pending.pop(key, None) is not None:
            await self._announce(key, f"Cancelling deletion of Pod {key[0]}/{key[1]}")

    async def _announce(self, key: ObjectKey, message: str) -> None:
        reference = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": key[0], "name": key[1]}}
        await self._recorder.event(reference, NORMAL, "TaintManagerEviction", message)

    async def _evict(self, key: ObjectKey, uid: str) -> None:
        namespace, name = key
        await self._announce(key, f"Marking for deletion Pod {namespace}/{name}")
        now = meta.format_time(meta.now())

        def targeted(live: dict[str, Any]) -> dict[str, Any]:
            status = dict(live.get("status") or {})
            conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
            old = next((c for c in conditions if c.get("type") == "DisruptionTarget"), None)
            if old is not None and all(old.get(k) == v for k, v in DISRUPTION_TARGET.items()):
                return live
            entry = {**DISRUPTION_TARGET, "lastProbeTime": None, "lastTransitionTime": now}
            status["conditions"] = [c for c in conditions if c.get("type") != "DisruptionTarget"]
            status["conditions"].insert(0, entry)  # others' conditions come before the kubelet's
            return {**live, "status": status}

        await self._client.change(self._pods, namespace, name, targeted, subresource="status")
        await self._client.delete(self._pods, namespace, name, uid=uid)
