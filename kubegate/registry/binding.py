"""Binding a pod to a node: what `POST pods/NAME/binding` does, shared with the scheduler.

kube-apiserver's BindingREST writes the pod directly in storage, past the pod update
validation that forbids changing `spec.nodeName`: inside one guaranteed update it refuses a pod
being deleted, one already on a node and one still gated, then sets `spec.nodeName`, merges the
Binding's annotations and sets the PodScheduled condition True. The Binding's uid and
resourceVersion, when given, are preconditions. Refusals are 409s on `pods/binding`; a missing
pod is a 404 and a failed precondition a 409 on `pods`, as storage errors read.

The scheduler binds through the same function in-process, as kube-scheduler binds through the
API; the HTTP endpoint only decodes and checks the Binding object around it.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.gofmt import go_quote
from kubegate.registry.rest import GenericStore
from kubegate.registry.storage_errors import as_status
from kubegate.storage.interface import Preconditions, Stored

PODS = ("", "pods")
POD_SCHEDULED = "PodScheduled"


def set_condition(pod: dict[str, Any], condition: dict[str, Any]) -> bool:
    """podutil.UpdatePodCondition: add or replace a condition, keeping lastTransitionTime while
    the status stays; True when anything changed."""
    status = pod.setdefault("status", {})
    conditions = status.get("conditions")
    if not isinstance(conditions, list):
        conditions = status["conditions"] = []
    wanted = {"type": condition["type"], "status": condition["status"], "lastProbeTime": None,
              "lastTransitionTime": meta.format_time(meta.now())}
    for extra in ("reason", "message"):
        if condition.get(extra):
            wanted[extra] = condition[extra]
    for index, old in enumerate(conditions):
        if isinstance(old, dict) and old.get("type") == condition["type"]:
            if old.get("status") == wanted["status"]:
                wanted["lastTransitionTime"] = old.get("lastTransitionTime", wanted["lastTransitionTime"])
            changed = any(old.get(k) != wanted.get(k) for k in ("status", "reason", "message", "lastTransitionTime"))
            conditions[index] = wanted
            return changed
    conditions.append(wanted)
    return True


def _refuse(name: str, err: str) -> errors.StatusError:
    return errors.conflict("pods/binding", name, err)


def bound(pod: dict[str, Any], *, node: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """The pod bound to `node`, or the 409 the binding gets."""
    name = str(pod.get("metadata", {}).get("name", ""))
    if pod["metadata"].get("deletionTimestamp"):
        raise _refuse(name, f"pod {name} is being deleted, cannot be assigned to a host")
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        raise _refuse(name, f"pod {name} is already assigned to node {go_quote(str(spec['nodeName']))}")
    if spec.get("schedulingGates"):
        raise _refuse(name, f"pod {name} has non-empty .spec.schedulingGates")
    pod = copy.deepcopy(pod)
    pod.setdefault("spec", {})["nodeName"] = node
    if annotations:
        pod["metadata"]["annotations"] = {**(pod["metadata"].get("annotations") or {}), **annotations}
    set_condition(pod, {"type": POD_SCHEDULED, "status": "True"})
    return pod


async def bind(
    rest: GenericStore, *, namespace: str, name: str, node: str, uid: str = "", resource_version: str = "",
    annotations: dict[str, str] | None = None, dry_run: bool = False,
) -> Stored | None:
    """Bind pod `namespace/name` to `node` (None for a dry run, which only checks)."""
    key = (namespace, name)
    preconditions = None
    if uid or resource_version:
        revision = int(resource_version) if resource_version.isdigit() else -1 if resource_version else None
        preconditions = Preconditions(uid=uid, resource_version=revision)
    if dry_run:
        current = rest.store.get(PODS, key)
        if current is None:
            raise errors.not_found("pods", name)
        with as_status(plural="pods", name=name):
            if preconditions is not None:
                preconditions.check(f"/pods/{namespace}/{name}", current)
        bound(current.obj, node=node, annotations=annotations)
        return None

    async def assign(current: Stored | None) -> dict[str, Any]:
        if current is None:
            raise errors.not_found("pods", name)
        return bound(current.obj, node=node, annotations=annotations)

    with as_status(plural="pods", name=name):
        return await rest.store.guaranteed_update(PODS, key, assign, preconditions=preconditions)
