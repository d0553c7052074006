"""Creating and deleting pods for a workload controller, and the pod facts they all judge by.

Every workload controller (ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job) makes
pods the same way kube-controller-manager's `PodControl` does: the pod is the template's labels,
annotations, finalizers and spec, owned by the controller through a controller reference with
`blockOwnerDeletion: true` (so the garbage collector and `--cascade` work), and each create and
delete is recorded as an Event on the owner (`SuccessfulCreate` `Created pod: <name>`,
`FailedCreate` `Error creating: <err>`, and the Delete pair). Controllers with their own event
texts (StatefulSet) pass `record=False` and record their own.

Readiness and availability are judged as upstream's podutil does: Ready is the pod's `Ready`
condition; available is ready for at least `minReadySeconds` (by the condition's
`lastTransitionTime`); active is neither finished (Succeeded/Failed) nor being deleted.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.registry.objects import Stored
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.workloads")

PODS = ("", "pods")


# controller references -------------------------------------------------------------------------


def controller_ref(owner: dict[str, Any]) -> dict[str, Any]:
    """The ownerReference a controller puts on what it makes (metav1.NewControllerRef)."""
    metadata = owner.get("metadata") or {}
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The ownerReference with `controller: true`, if any (metav1.GetControllerOf)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller") is True:
            return ref
    return None


def is_controlled_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == (owner.get("metadata") or {}).get("uid")


def with_controller_ref(obj: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    """`obj` adopted by `owner` (a copy); unchanged if it already has a controller."""
    if controller_of(obj) is not None:
        return obj
    new = copy.deepcopy(obj)
    refs = list(new["metadata"].get("ownerReferences") or [])
    new["metadata"]["ownerReferences"] = [*refs, controller_ref(owner)]
    return new


def without_owner(obj: dict[str, Any], uid: str) -> dict[str, Any]:
    """`obj` released by the owner with `uid` (a copy); unchanged if not owned by it."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    kept = [ref for ref in refs if not (isinstance(ref, dict) and ref.get("uid") == uid)]
    if len(kept) == len(refs):
        return obj
    new = copy.deepcopy(obj)
    if kept:
        new["metadata"]["ownerReferences"] = kept
    else:
        new["metadata"].pop("ownerReferences", None)
    return new


# pod facts ---------------------------------------------------------------------------------------


def find_condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The status condition of type `kind` of a pod (or any object), if it has one."""
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def is_active(pod: dict[str, Any]) -> bool:
    """Not finished and not being deleted (controller.IsPodActive)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not (pod.get("metadata") or {}).get("deletionTimestamp")


def is_ready(pod: dict[str, Any]) -> bool:
    cond = find_condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: dict[str, Any]) -> datetime | None:
    """When the pod last became Ready, or None if it is not."""
    cond = find_condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    return meta.parse_time(str(cond.get("lastTransitionTime") or "")) or meta.now()


def is_available(pod: dict[str, Any], min_ready_seconds: int, now: datetime | None = None) -> bool:
    """Ready for at least `min_ready_seconds` (podutil.IsPodAvailable)."""
    since = ready_since(pod)
    if since is None:
        return False
    if min_ready_seconds <= 0:
        return True
    return ((now or meta.now()) - since).total_seconds() >= min_ready_seconds


def seconds_until_available(pod: dict[str, Any], min_ready_seconds: int, now: datetime | None = None) -> float | None:
    """How long until a ready pod counts as available; None if not ready or already available."""
    since = ready_since(pod)
    if since is None or min_ready_seconds <= 0:
        return None
    left = min_ready_seconds - ((now or meta.now()) - since).total_seconds()
    return left if left > 0 else None


# creating and deleting ---------------------------------------------------------------------------


def pod_from_template(
    owner: dict[str, Any], template: dict[str, Any], *, generate_name: str = "", name: str = "",
    labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The pod a controller creates from its template (controller.GetPodFromTemplate)."""
    template_meta = template.get("metadata") or {}
    metadata: dict[str, Any] = {
        "labels": {**(template_meta.get("labels") or {}), **(labels or {})},
        "ownerReferences": [controller_ref(owner)],
    }
    if name:
        metadata["name"] = name
    else:
        metadata["generateName"] = generate_name or f"{(owner.get('metadata') or {}).get('name', '')}-"
    merged_annotations = {**(template_meta.get("annotations") or {}), **(annotations or {})}
    if merged_annotations:
        metadata["annotations"] = merged_annotations
    if template_meta.get("finalizers"):
        metadata["finalizers"] = list(template_meta["finalizers"])
    return {"metadata": metadata, "spec": copy.deepcopy(template.get("spec") or {})}


@dataclass
class PodControl:
    """Pod writes on behalf of one controller; events go through its recorder."""

    client: ControllerClient
    recorder: EventRecorder

    async def create_pod(
        self, owner: dict[str, Any], template: dict[str, Any], *, generate_name: str = "", name: str = "",
        labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
        spec_changes: dict[str, Any] | None = None, record: bool = True,
    ) -> Stored | None:
        """Create a pod from `template` owned by `owner`; None if the namespace cannot take it.

        `spec_changes` are merged into the pod spec (a StatefulSet's hostname, a DaemonSet's
        node affinity). Any other failure is recorded as FailedCreate and raised.
        """
        namespace = str((owner.get("metadata") or {}).get("namespace") or "")
        pod = pod_from_template(
            owner, template, generate_name=generate_name, name=name, labels=labels, annotations=annotations
        )
        if spec_changes:
            pod["spec"].update(copy.deepcopy(spec_changes))
        if not pod["metadata"]["labels"]:
            del pod["metadata"]["labels"]
        try:
            stored = await self.client.create(self.client.spec("pods"), namespace, pod)
        except errors.StatusError as error:
            if record:
                await self.recorder.event(owner, WARNING, "FailedCreate", f"Error creating: {error.message}")
            raise
        if stored is not None and record:
            await self.recorder.event(owner, NORMAL, "SuccessfulCreate", f"Created pod: {stored.obj['metadata']['name']}")
        return stored

    async def delete_pod(self, owner: dict[str, Any], pod: dict[str, Any], *, record: bool = True) -> None:
        """Delete `pod` (only that incarnation, by uid); recorded as SuccessfulDelete or FailedDelete."""
        metadata = pod.get("metadata") or {}
        name = str(metadata.get("name", ""))
        try:
            await self.client.delete(
                self.client.spec("pods"), str(metadata.get("namespace", "")), name, uid=str(metadata.get("uid", ""))
            )
        except errors.StatusError as error:
            if record:
                await self.recorder.event(owner, WARNING, "FailedDelete", f"Error deleting: {error.message}")
            raise
        if record:
            await self.recorder.event(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")


# claiming (ControllerRefManager) -----------------------------------------------------------------


async def claim(
    client: ControllerClient, spec: ResourceSpec, owner: dict[str, Any], candidates: list[dict[str, Any]],
    matches: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """The candidates `owner` controls once orphans that match are adopted and owned ones that no
    longer match are released (both written with a guaranteed update).

    An owner being deleted adopts nothing; an object being deleted is neither adopted nor released.
    """
    owner_meta = owner.get("metadata") or {}
    uid = str(owner_meta.get("uid", ""))
    claimed: list[dict[str, Any]] = []
    for obj in candidates:
        metadata = obj.get("metadata") or {}
        ref = controller_of(obj)
        namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches(obj) or metadata.get("deletionTimestamp"):
                claimed.append(obj)
                continue
            await client.change(spec, namespace, name, lambda live: without_owner(live, uid))
            continue
        if owner_meta.get("deletionTimestamp") or metadata.get("deletionTimestamp") or not matches(obj):
            continue
        adopted = await client.change(spec, namespace, name, lambda live: with_controller_ref(live, owner))
        if adopted is not None and is_controlled_by(adopted.obj, owner):
            claimed.append(adopted.obj)
    return claimed
