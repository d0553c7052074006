"""kube-controller-manager's node lifecycle controller (`nodelifecycle`): node health and taints.

Keys are node names. For each node it does what upstream's monitorNodeHealth and tainting
passes do (K pkg/controller/nodelifecycle/node_lifecycle_controller.go):

* health: a node is heard from when its Lease in `kube-node-lease` is renewed or its Ready
  heartbeat moves. Silent for longer than the grace period (`--node-monitor-grace-period`,
  50 s as in 1.32; 60 s for a node that never posted status), its Ready, MemoryPressure,
  DiskPressure and PIDPressure conditions become Unknown (`NodeStatusUnknown`, "Kubelet
  stopped posting node status.", or `NodeStatusNeverUpdated`, "Kubelet never posted node
  status."). When that takes Ready from True, a `NodeNotReady` event is recorded and the pods
  on the node get Ready False with a `NodeNotReady` event each.
* NoSchedule taints follow the conditions and the cordon (`node_taints`); so the
  `not-ready` taint admission puts on a new node comes off once it is Ready.
* NoExecute taints (`unreachable` or `not-ready`) go on a node that is not Ready, unless every
  node of its zone is not Ready: then, as upstream's "full disruption" mode, none is tainted
  and nothing is evicted (a one-node cluster whose kubelet stops keeps its pods).
* `RegisteredNode` / `RemovingNode` events when a node appears or goes.

Health is judged on this process's loop clock, from when a renewal was observed (as upstream,
so clock skew does not matter). Checks for silence are timers outside the work queue, so a
cluster with a short grace period still settles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from kubegate.api import meta
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import node_taints
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event

NODES = ("", "nodes")
PODS = ("", "pods")
LEASES = ("coordination.k8s.io", "leases")
LEASE_NAMESPACE = "kube-node-lease"
POD_KEY = "pod"
#: kube-controller-manager 1.32 defaults (--node-monitor-grace-period, --node-startup-grace-period)
MONITOR_GRACE_PERIOD = 50.0
STARTUP_GRACE_PERIOD = 60.0
#: conditions that go Unknown when the kubelet falls silent (NetworkUnavailable is not the kubelet's)
SILENCED = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"
ZONE_LABELS = (("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"),
               ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"))


@dataclass
class _Health:
    probe: float  # loop time the node was last heard from
    heartbeat: str = ""  # the Ready condition's lastHeartbeatTime then
    renewed: str = ""  # the Lease's renewTime then


def zone_of(node: dict[str, Any]) -> str:
    """GetZoneKey: `region:\\x00:zone`, "" when the node has neither label."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    region, zone = (next((str(labels[k]) for k in keys if labels.get(k)), "") for keys in ZONE_LABELS)
    return f"{region}:\x00:{zone}" if region or zone else ""


class NodeLifecycleController(Controller):
    name = "nodelifecycle"

    def __init__(
        self, informers: Informers, client: ControllerClient, catalog: Catalog, *,
        grace_period: float = MONITOR_GRACE_PERIOD, startup_grace_period: float = STARTUP_GRACE_PERIOD,
    ) -> None:
        super().__init__(informers)
        self._client = client
        self._nodes = client.spec("nodes")
        self._pods = client.spec("pods")
        self._recorder = EventRecorder(client.rest, catalog, "node-controller")
        self.grace_period = grace_period
        self.startup_grace_period = startup_grace_period
        self._health: dict[str, _Health] = {}
        self._known: set[str] = set()
        self._disrupted: dict[str, bool] = {}  # zone -> every node in it not Ready
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.watch(NODES, lambda event: (event.key[1],))
        self.watch(LEASES, self._lease_changed)
        self.watch(PODS, self._pod_bound)

    def _lease_changed(self, event: Event) -> Iterable[Hashable]:
        return (event.key[1],) if event.key[0] == LEASE_NAMESPACE else ()

    def _pod_bound(self, event: Event) -> Iterable[Hashable]:
        """A pod newly bound to a node that is not Ready is marked not ready too (processPod)."""
        if event.type == DELETED:
            return ()
        node = str((event.stored.obj.get("spec") or {}).get("nodeName") or "")
        before = str(((event.previous.obj if event.previous else {}).get("spec") or {}).get("nodeName") or "")
        return ((POD_KEY, *event.key),) if node and node != before else ()

    def initial_keys(self) -> Iterable[Hashable]:
        return [str(stored.obj["metadata"]["name"]) for stored in self.informers.list(NODES)]

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._health.clear()
        self._known.clear()
        self._disrupted.clear()
        await super().stop()

    # one pass over one node ------------------------------------------------------------------

    async def reconcile(self, key: str | tuple[str, str, str]) -> None:
        if isinstance(key, tuple):
            await self._pod_on_node(key[1], key[2])
            return
        name = key
        stored = self.cache.get(NODES, ("", name))
        if stored is None:
            await self._removed(name)
            return
        node = stored.obj
        before = node_taints.ready_status(node)
        node = await self._check_health(name, node)
        ready = node_taints.ready_status(node)
        await self._retaint(name, evicting=self._evicting(node, ready))  # first: the scheduler waits on it
        if name not in self._known:
            self._known.add(name)
            await self._node_event(node, "RegisteredNode", f"Node {name} event: Registered Node {name} in Controller")
        if before == "True" and ready != "True":  # this pass found it silent: only then (as upstream)
            await self._node_event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
            for pod in self.informers.list(PODS):
                if (pod.obj.get("spec") or {}).get("nodeName") == name:
                    await self._mark_pod_not_ready(pod.obj)

    async def _removed(self, name: str) -> None:
        self._health.pop(name, None)
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        if name in self._known:
            self._known.discard(name)
            reference = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name}}
            await self._recorder.event(reference, NORMAL, "RemovingNode",
                                       f"Node {name} event: Removing Node {name} from Controller")

    async def _check_health(self, name: str, node: dict[str, Any]) -> dict[str, Any]:
        """tryUpdateNodeHealth: note a sign of life, or mark a silent node's conditions Unknown."""
        now = _loop_time()
        ready = node_taints.condition(node, "Ready")
        heartbeat = str((ready or {}).get("lastHeartbeatTime") or "")
        lease = self.cache.get(LEASES, (LEASE_NAMESPACE, name))
        renewed = str(((lease.obj.get("spec") or {}).get("renewTime") or "") if lease else "")
        health = self._health.get(name)
        if health is None:
            health = self._health[name] = _Health(probe=now if ready else now - _age(node), heartbeat=heartbeat,
                                                  renewed=renewed)
        if heartbeat != health.heartbeat or renewed != health.renewed:
            health.probe, health.heartbeat, health.renewed = now, heartbeat, renewed
        grace = self.grace_period if ready else self.startup_grace_period
        silent = now - health.probe
        if silent <= grace:
            self._check_again(name, grace - silent)
            return node
        stamp = meta.format_time(meta.now())

        def unknown(live: dict[str, Any]) -> dict[str, Any]:
            status = dict(live.get("status") or {})
            status["conditions"] = _silenced(status.get("conditions") or [], live, now=stamp)
            return {**live, "status": status}

        if all((node_taints.condition(node, kind) or {}).get("status") == "Unknown" for kind in SILENCED):
            return node
        written = await self._client.change(self._nodes, "", name, unknown, subresource="status")
        if written is None:
            return node
        health.heartbeat = str((node_taints.condition(written.obj, "Ready") or {}).get("lastHeartbeatTime") or "")
        return written.obj

    def _check_again(self, name: str, delay: float) -> None:
        """Wake the node's key when its grace runs out (a timer settle() does not wait for)."""
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        if self.running:
            self._timers[name] = asyncio.get_running_loop().call_later(delay + 0.001, self._wake, name)

    def _wake(self, name: str) -> None:
        self._timers.pop(name, None)
        if self.running:
            self.queue.add(name)

    # evictions and taints ------------------------------------------------------------------

    def _evicting(self, node: dict[str, Any], ready: str) -> bool:
        """False while every node of this node's zone is not Ready (full disruption)."""
        zone = zone_of(node)
        states = []
        for stored in self.informers.list(NODES):
            other = stored.obj
            if zone_of(other) != zone or EXCLUDE_DISRUPTION in ((other.get("metadata") or {}).get("labels") or {}):
                continue
            same = other["metadata"]["name"] == node["metadata"]["name"]
            states.append((ready if same else node_taints.ready_status(other)) == "True")
        disrupted = bool(states) and not any(states)
        if self._disrupted.get(zone) != disrupted:
            changed = zone in self._disrupted
            self._disrupted[zone] = disrupted
            if changed:  # entering or leaving full disruption: every node of the zone is looked at again
                for stored in self.informers.list(NODES):
                    if zone_of(stored.obj) == zone and stored.obj["metadata"]["name"] != node["metadata"]["name"]:
                        self.queue.add(str(stored.obj["metadata"]["name"]))
        return not disrupted

    async def _retaint(self, name: str, *, evicting: bool) -> None:
        now = meta.format_time(meta.now())

        def retainted(live: dict[str, Any]) -> dict[str, Any]:
            ready = node_taints.ready_status(live)
            add_x, remove_x = node_taints.no_execute_changes(live, ready=ready, evicting=evicting)
            add_s, remove_s = node_taints.no_schedule_changes(live)
            if not (add_x or remove_x or add_s or remove_s):
                return live
            taints = node_taints.swapped(node_taints.taints_of(live), add=[*add_x, *add_s],
                                         remove=[*remove_x, *remove_s], now=now)
            spec = {key: value for key, value in (live.get("spec") or {}).items() if key != "taints"}
            if taints:
                spec["taints"] = taints
            return {**live, "spec": spec}

        stored = self.cache.get(NODES, ("", name))
        if stored is None or retainted(stored.obj) is stored.obj:
            return
        await self._client.change(self._nodes, "", name, retainted)

    # pods ------------------------------------------------------------------------------------

    async def _pod_on_node(self, namespace: str, name: str) -> None:
        stored = self.cache.get(PODS, (namespace, name))
        node_name = str(((stored.obj.get("spec") or {}).get("nodeName") or "") if stored else "")
        node = self.cache.get(NODES, ("", node_name)) if node_name else None
        if stored is None or node is None or node_name not in self._health:
            return  # a node not yet looked at: its own pass handles its pods
        if node_taints.ready_status(node.obj) not in ("", "True"):
            await self._mark_pod_not_ready(stored.obj)

    async def _mark_pod_not_ready(self, pod: dict[str, Any]) -> None:
        """MarkPodsNotReady: the pod's Ready condition goes False, with a NodeNotReady event."""
        ready = next((c for c in (pod.get("status") or {}).get("conditions") or []
                      if isinstance(c, dict) and c.get("type") == "Ready"), None)
        if ready is None or ready.get("status") == "False":
            return
        now = meta.format_time(meta.now())

        def not_ready(live: dict[str, Any]) -> dict[str, Any]:
            status = dict(live.get("status") or {})
            status["conditions"] = [
                {**c, "status": "False", "lastTransitionTime": now}
                if isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") != "False" else c
                for c in status.get("conditions") or []
            ]
            return {**live, "status": status}

        metadata = pod["metadata"]
        written = await self._client.change(self._pods, metadata.get("namespace", ""), metadata["name"], not_ready,
                                            subresource="status")
        if written is not None:
            await self._recorder.event(written.obj, WARNING, "NodeNotReady", "Node is not ready")

    async def _node_event(self, node: dict[str, Any], reason: str, message: str) -> None:
        reference = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node["metadata"]["name"],
                                                                      "uid": node["metadata"].get("uid", "")}}
        await self._recorder.event(reference, NORMAL, reason, message)


def _silenced(conditions: list[Any], node: dict[str, Any], *, now: str) -> list[Any]:
    """The kubelet's conditions as Unknown; a condition it never posted is added as never updated."""
    result = [dict(c) if isinstance(c, dict) else c for c in conditions]
    created = str((node.get("metadata") or {}).get("creationTimestamp") or now)
    for kind in SILENCED:
        entry = next((c for c in result if isinstance(c, dict) and c.get("type") == kind), None)
        if entry is None:
            result.append({"type": kind, "status": "Unknown", "lastHeartbeatTime": created,
                           "lastTransitionTime": now, "reason": "NodeStatusNeverUpdated",
                           "message": "Kubelet never posted node status."})
        elif entry.get("status") != "Unknown":
            entry.update(status="Unknown", reason="NodeStatusUnknown",
                         message="Kubelet stopped posting node status.", lastTransitionTime=now)
    return result


def _age(node: dict[str, Any]) -> float:
    """Seconds since the node was created (a node that never posted status counts from then)."""
    created = meta.parse_time(str((node.get("metadata") or {}).get("creationTimestamp") or ""))
    return max(0.0, (meta.now() - created).total_seconds()) if created is not None else 0.0


def _loop_time() -> float:
    return asyncio.get_running_loop().time()
