"""What the StatefulSet, DaemonSet, Job, CronJob and disruption controllers share.

Each of them watches its own kind and the objects it controls, and keys its queue by the
owner's (namespace, name): a pod's change wakes the controller of the pod (its ownerReference
with `controller: true`), the way upstream's `resolveControllerRef` does. Pod writes and pod facts (ready, available,
active) come from `podcontrol`, shared with the Deployment controllers; here are conditions that
keep `lastTransitionTime` while their status holds, revision hashes, and a status write that
writes nothing when nothing changed.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from kubegate.api import errors, labels
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.workloads import hashing
from kubegate.controllers.workloads.podcontrol import PodControl, controller_of, is_controlled_by
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import Event, ObjectKey, ResourceKey, Stored
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.workloads")

PODS: ResourceKey = ("", "pods")
NODES: ResourceKey = ("", "nodes")
CONTROLLER_REVISIONS: ResourceKey = ("apps", "controllerrevisions")


def selector_of(obj: dict[str, Any]) -> labels.LabelSelector:
    """The object's spec.selector; an unparseable one selects nothing (logged, never raised)."""
    try:
        return labels.selector_from_label_selector_object((obj.get("spec") or {}).get("selector"))
    except errors.StatusError:
        log.warning("%s %s has an invalid selector", obj.get("kind"), obj["metadata"].get("name"))
        return labels.NOTHING


# pods ----------------------------------------------------------------------------------------

def terminating(pod: dict[str, Any]) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def finished(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


# status and conditions --------------------------------------------------------------------------

def set_condition(conditions: list[dict[str, Any]], new: dict[str, Any], *, now: str) -> list[dict[str, Any]]:
    """Replace the condition of `new["type"]`, keeping its transition time while its status holds."""
    out = [dict(c) for c in conditions if c.get("type") != new["type"]]
    old = next((c for c in conditions if c.get("type") == new["type"]), None)
    condition = {**new}
    if old is not None and old.get("status") == new.get("status"):
        condition["lastTransitionTime"] = old.get("lastTransitionTime", now)
    else:
        condition["lastTransitionTime"] = now
    if "lastProbeTime" in new or (old is not None and "lastProbeTime" in old):
        condition["lastProbeTime"] = now
    out.append(condition)
    return out


def revision_hash(data: Any, *, collision_count: int = 0) -> str:
    """controller.ComputeHash's shape: FNV-1a over the canonical JSON, spelled with SafeEncodeString."""
    raw = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    if collision_count:
        raw += collision_count.to_bytes(4, "little", signed=False)
    return hashing.safe_encode(str(hashing.fnv32a(raw)))


def int_field(obj: dict[str, Any], name: str, default: int) -> int:
    value = obj.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# the controller shape ------------------------------------------------------------------------

class WorkloadController(Controller):
    """Keys are (namespace, name) of the owning workload; pods wake their controller."""

    #: (group, plural) and Kind of the workload this controller owns
    resource: ResourceKey = ("", "")
    kind = ""
    component = ""

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *, field_managers: FieldManagers | None = None,
        client: ControllerClient | None = None,
    ) -> None:
        super().__init__(informers)
        self.rest = rest
        self.catalog = catalog
        self.client = client or ControllerClient(rest, catalog, field_managers=field_managers)
        self.recorder = EventRecorder(rest, catalog, self.component)
        self.pods = PodControl(self.client, self.recorder)
        self.watch(self.resource, self._own_keys)
        self.watch(PODS, self.owner_keys)

    def api(self, group: str, plural: str) -> ResourceSpec:
        spec = self.catalog.lookup(group, "v1", plural)
        if spec is None:
            raise LookupError(f"{group}/v1 {plural} is not served")
        return spec

    def _own_keys(self, event: Event) -> Iterable[ObjectKey]:
        return (event.key,)

    def owner_keys(self, event: Event) -> Iterable[ObjectKey]:
        """The workload controlling the changed object (before and after the change)."""
        keys = []
        for stored in (event.stored, event.previous):
            reference = None if stored is None else controller_of(stored.obj)
            if reference is not None and reference.get("kind") == self.kind:
                keys.append((event.key[0], str(reference.get("name"))))
        return keys

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [(str(s.obj["metadata"].get("namespace", "")), s.obj["metadata"]["name"]) for s in self.informers.list(self.resource)]

    def owned(self, resource: ResourceKey, owner: dict[str, Any]) -> list[dict[str, Any]]:
        namespace = owner["metadata"].get("namespace", "")
        return [s.obj for s in self.informers.list(resource, namespace=namespace) if is_controlled_by(s.obj, owner)]

    def current(self, key: ObjectKey) -> dict[str, Any] | None:
        stored: Stored | None = self.cache.get(self.resource, key)
        return None if stored is None else stored.obj

    async def write_status(self, obj: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Write `change(status)` to the status subresource unless it equals the live status."""
        spec = self.api(*self.resource)
        metadata = obj["metadata"]

        async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or live["metadata"].get("uid") != metadata.get("uid"):
                raise errors.not_found(spec.plural, metadata["name"], group=spec.group)
            status = change(copy.deepcopy(live.get("status") or {}))
            return {**live, "status": status}

        live = self.current((metadata.get("namespace", ""), metadata["name"]))
        if live is not None and change(copy.deepcopy(live.get("status") or {})) == (live.get("status") or {}):
            return
        try:
            await self.rest.update(
                spec, metadata.get("namespace", ""), metadata["name"], updated, subresource="status",
                track=self.client.track(spec, "status"),
            )
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise
