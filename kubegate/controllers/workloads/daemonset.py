"""The DaemonSet controller (kube-controller-manager's `daemonset-controller`): one pod per node.

For each node, the pods of a DaemonSet meant for it (`daemon_nodes.node_of`) are compared
with whether the node is eligible: an eligible node without a pod gets one, pinned to it by
node affinity for the scheduler to bind; extra pods, pods on ineligible nodes and failed pods
are deleted. A RollingUpdate (the default, `maxUnavailable: 1`) deletes old-revision pods
while fewer than `maxUnavailable` daemon pods are unavailable; the replacements are created
at the new revision on the next pass. Pods carry `controller-revision-hash` (the revision's
hash) and `pod-template-generation`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kubegate.api import meta
from kubegate.controllers.workloads import daemon_nodes
from kubegate.controllers.workloads.controlled import (
    NODES,
    WorkloadController,
    finished,
    int_field,
    terminating,
)
from kubegate.controllers.workloads.podcontrol import is_available, is_ready
from kubegate.controllers.workloads.revisions import (
    HASH_LABEL,
    ensure_update_revision,
    truncate_history,
)
from kubegate.registry.objects import Event, ObjectKey

GENERATION_LABEL = "pod-template-generation"


def _scaled(value: Any, total: int, *, default: int) -> int:
    """An int-or-percent field of the update strategy (percentages round up, as upstream)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(int(value[:-1]) * total / 100)
    return default


class DaemonSetController(WorkloadController):
    name = "daemonset"
    component = "daemonset-controller"
    resource = ("apps", "daemonsets")
    kind = "DaemonSet"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watch(NODES, self._every_daemon_set)

    def _every_daemon_set(self, _: Event) -> Iterable[ObjectKey]:
        return self.initial_keys()

    async def reconcile(self, key: ObjectKey) -> None:
        ds = self.current(key)
        if ds is None or terminating(ds):
            return
        revision, revisions = await ensure_update_revision(self, ds)
        digest = str((revision["metadata"].get("labels") or {}).get(HASH_LABEL, ""))
        template = (ds.get("spec") or {}).get("template") or {}
        pod_spec = template.get("spec") or {}
        nodes = {s.obj["metadata"]["name"]: s.obj for s in self.informers.list(NODES)}
        pods_by_node: dict[str, list[dict[str, Any]]] = {}
        for pod in self.owned(("", "pods"), ds):
            pods_by_node.setdefault(daemon_nodes.node_of(pod), []).append(pod)
        wanted = {name for name, node in nodes.items() if daemon_nodes.eligible(pod_spec, node)}

        for node_name in sorted(wanted):
            pods = [p for p in pods_by_node.get(node_name, []) if not terminating(p)]
            failed = [p for p in pods if finished(p)]
            for pod in failed:
                await self.pods.delete_pod(ds, pod)
            running = [p for p in pods if not finished(p)]
            if not running and not failed and not pods_by_node.get(node_name):
                await self._create(ds, node_name, digest)
            for extra in sorted(running, key=lambda p: p["metadata"].get("creationTimestamp", ""))[1:]:
                await self.pods.delete_pod(ds, extra)
        for node_name, pods in pods_by_node.items():
            if node_name not in wanted:
                for pod in pods:
                    if not terminating(pod):
                        await self.pods.delete_pod(ds, pod)

        await self._rolling_update(ds, wanted, pods_by_node, digest)
        pods = self.owned(("", "pods"), ds)
        live = {r["metadata"]["name"] for r in revisions
                if (r["metadata"].get("labels") or {}).get(HASH_LABEL) in {(p["metadata"].get("labels") or {}).get(HASH_LABEL) for p in pods}}
        await truncate_history(self, ds, revisions, live=live | {revision["metadata"]["name"]})
        await self.write_status(ds, lambda old: self._status(ds, old, nodes, wanted, pods, digest))

    async def _create(self, ds: dict[str, Any], node_name: str, digest: str) -> None:
        template = (ds.get("spec") or {}).get("template") or {}
        pod_spec = template.get("spec") or {}
        await self.pods.create_pod(
            ds, template,
            labels={HASH_LABEL: digest, GENERATION_LABEL: str(ds["metadata"].get("generation", 1))},
            spec_changes={
                "affinity": daemon_nodes.pinned_affinity(pod_spec, node_name),
                "tolerations": daemon_nodes.daemon_tolerations(pod_spec),
            },
        )

    async def _rolling_update(
        self, ds: dict[str, Any], wanted: set[str], pods_by_node: dict[str, list[dict[str, Any]]], digest: str,
    ) -> None:
        spec = ds.get("spec") or {}
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = max(1, _scaled((strategy.get("rollingUpdate") or {}).get("maxUnavailable"), len(wanted), default=1))
        min_ready = int_field(spec, "minReadySeconds", 0)
        now = meta.now()
        unavailable = 0
        old: list[dict[str, Any]] = []
        for node_name in sorted(wanted):
            pods = [p for p in pods_by_node.get(node_name, []) if not finished(p)]
            if not pods or any(terminating(p) for p in pods) or not all(is_available(p, min_ready, now) for p in pods):
                unavailable += 1
                continue
            old += [p for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != digest]
        for pod in old[: max(0, max_unavailable - unavailable)]:
            await self.pods.delete_pod(ds, pod)

    def _status(
        self, ds: dict[str, Any], old: dict[str, Any], nodes: dict[str, Any], wanted: set[str],
        pods: list[dict[str, Any]], digest: str,
    ) -> dict[str, Any]:
        min_ready = int_field(ds.get("spec") or {}, "minReadySeconds", 0)
        now = meta.now()
        by_node: dict[str, list[dict[str, Any]]] = {}
        for pod in pods:
            if not terminating(pod) and not finished(pod):
                by_node.setdefault(daemon_nodes.node_of(pod), []).append(pod)
        scheduled = {n: p[0] for n, p in by_node.items() if n in wanted}
        status: dict[str, Any] = {
            **old,
            "currentNumberScheduled": len(scheduled),
            "desiredNumberScheduled": len(wanted),
            "numberMisscheduled": sum(1 for n in by_node if n not in wanted and n in nodes),
            "numberReady": sum(1 for p in scheduled.values() if is_ready(p)),
            "numberAvailable": sum(1 for p in scheduled.values() if is_available(p, min_ready, now)),
            "updatedNumberScheduled": sum(1 for p in scheduled.values()
                                          if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == digest),
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        status["numberUnavailable"] = len(wanted) - status["numberAvailable"]
        for omitted in ("numberAvailable", "numberUnavailable", "updatedNumberScheduled"):
            if status[omitted] == 0:
                status.pop(omitted)  # omitempty in apps/v1
        return status
