"""The garbage collector: kube-controller-manager's, running inside kubegate.

It watches every write (a store listener), keeps the owner-uid -> dependents index
(`gc_graph`), and works through two queues, as the real one does:

- *attempt to delete*: an object whose references may have gone stale (it was just given an
  owner, or an owner of it disappeared, or an owner began a foreground deletion). It is
  judged by `gc_decisions.attempt_to_delete`: kept, stripped of dead references, or deleted.
  An owner in foreground deletion is also judged here: once no dependent with
  `blockOwnerDeletion: true` is left, its `foregroundDeletion` finalizer is removed, so it goes.
- *attempt to orphan*: an owner deleted with the `orphan` finalizer. Every dependent loses its
  reference to it, then the finalizer is removed, so it goes.

Owners are looked up in the store by the reference's kind and name (in the dependent's own
namespace for namespaced kinds; by name alone for cluster-scoped ones), and count only when the
uid matches. Work is scheduled on events with `call_soon`, never polled; the collector's own
writes go through the generic REST store and so feed it (and every watcher) new events.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import FINALIZER_FOREGROUND, FINALIZER_ORPHAN, DeleteOptions
from kubegate.controllers import gc_decisions
from kubegate.controllers.gc_graph import DependencyGraph, ObjectRef, OwnerRef
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.memory import DELETED, Event, ResourceKey, Stored

log = logging.getLogger("kubegate.controllers.garbage_collector")

#: Items handled in one turn of the event loop before the collector lets others run.
BATCH = 1000


class GarbageCollector:
    def __init__(self, rest: GenericStore, catalog: Catalog) -> None:
        self._rest = rest
        self._store = rest.store
        self._catalog = catalog
        self.graph = DependencyGraph()
        self._to_delete: dict[str, ObjectRef] = {}
        self._to_orphan: dict[str, ObjectRef] = {}
        self._scheduled = False
        self._sync()
        self._store.add_listener(self._observe)

    # observing ---------------------------------------------------------------------------

    def _sync(self) -> None:
        """The informers' initial list: everything stored before the collector started."""
        seen: set[ResourceKey] = set()
        for spec in list(self._catalog):
            resource = (spec.group, spec.plural)
            if resource in seen:
                continue
            seen.add(resource)
            for stored in list(self._store.scan(resource)):
                metadata = stored.obj.get("metadata") or {}
                self._observe_object(resource, (str(metadata.get("namespace") or ""), str(metadata.get("name"))), stored, None)

    def _observe(self, event: Event) -> None:
        try:
            if event.type == DELETED:
                self._observe_deletion(event)
            else:
                self._observe_object(event.resource, event.key, event.stored, event.previous)
        except Exception:  # a listener must never fail the write that triggered it
            log.exception("garbage collector: observing %s %s %s failed", event.type, event.resource, event.key)

    def _observe_object(self, resource: ResourceKey, key: tuple[str, str], stored: Stored, previous: Stored | None) -> None:
        metadata = stored.obj.get("metadata") or {}
        uid = metadata.get("uid")
        if not isinstance(uid, str) or not uid:
            return
        ref = ObjectRef(resource, key[0], key[1], uid)
        changes = self.graph.observe(ref, OwnerRef.parse_all(metadata.get("ownerReferences")))
        for owner in changes.unblocked:
            self._enqueue_waiting_owner(owner, ref)
        if changes.added:
            self._enqueue_delete(ref)  # every new reference must name a live owner
        old = (previous.obj.get("metadata") or {}) if previous is not None else {}
        if _starts_deletion_with(old, metadata, FINALIZER_ORPHAN):
            self._to_orphan[uid] = ref
            self._schedule()
        elif _starts_deletion_with(old, metadata, FINALIZER_FOREGROUND):
            for dependent in self.graph.dependents_of(uid):
                self._enqueue_delete(dependent)
            self._enqueue_delete(ref)

    def _observe_deletion(self, event: Event) -> None:
        uid = (event.stored.obj.get("metadata") or {}).get("uid")
        if not isinstance(uid, str):
            return
        ref = ObjectRef(event.resource, event.key[0], event.key[1], uid)
        for owner in self.graph.forget(uid):
            self._enqueue_waiting_owner(owner, ref)
        for dependent in self.graph.dependents_of(uid):
            self._enqueue_delete(dependent)

    def _enqueue_delete(self, ref: ObjectRef) -> None:
        self._to_delete[ref.uid] = ref
        self._schedule()

    def _enqueue_waiting_owner(self, owner: OwnerRef, dependent: ObjectRef) -> None:
        """An owner in foreground deletion may be free to go: one of its dependents left it."""
        ref = self._owner_ref(owner, dependent)
        stored = self._live(ref) if ref is not None else None
        if ref is not None and stored is not None and _deleting_dependents(stored.obj["metadata"]):
            self._enqueue_delete(ref)

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)

    # working -----------------------------------------------------------------------------

    def _run(self) -> None:
        self._scheduled = False
        for _ in range(BATCH):
            if self._to_orphan:
                ref = self._to_orphan.pop(next(iter(self._to_orphan)))
                self._guarded(self._orphan_dependents, ref)
            elif self._to_delete:
                ref = self._to_delete.pop(next(iter(self._to_delete)))
                self._guarded(self._attempt_to_delete, ref)
            else:
                return
        self._schedule()  # more left: let other callbacks run first

    def _guarded(self, work: Callable[[ObjectRef], None], ref: ObjectRef) -> None:
        try:
            work(ref)
        except Exception:  # a controller keeps going; the next event about it retries
            log.exception("garbage collector: %s of %s failed", work.__name__, ref)

    def _attempt_to_delete(self, ref: ObjectRef) -> None:
        stored = self._live(ref)
        if stored is None:
            return
        metadata = stored.obj["metadata"]
        if metadata.get("deletionTimestamp"):
            # Being deleted is a one-way trip; only a foreground owner still needs the collector.
            if _deleting_dependents(metadata):
                self._process_deleting_dependents(ref)
            return
        owners = OwnerRef.parse_all(metadata.get("ownerReferences"))
        if not owners:
            return
        dependents = self.graph.dependents_of(ref.uid)
        decision = gc_decisions.attempt_to_delete(
            [(owner, self._classify(owner, ref)) for owner in owners],
            finalizers=list(metadata.get("finalizers") or []),
            has_dependents=bool(dependents),
            a_dependent_waits_too=any(self._is_deleting_dependents(d) for d in dependents),
        )
        if decision.action == gc_decisions.REMOVE_REFERENCES:
            self._update_references(ref, lambda refs: [r for r in refs if _uid(r) not in decision.remove])
        elif decision.action == gc_decisions.DELETE:
            if decision.unblock:
                self._update_references(ref, lambda refs: [{**r, "blockOwnerDeletion": False} for r in refs])
            log.debug("garbage collector: deleting %s (%s)", ref, decision.policy)
            self._delete(ref, decision.policy)

    def _process_deleting_dependents(self, owner: ObjectRef) -> None:
        blocking = self.graph.blocking_dependents(owner.uid)
        if not blocking:
            self._remove_finalizer(owner, FINALIZER_FOREGROUND)
            return
        for dependent in blocking:
            if not self._is_deleting_dependents(dependent):
                self._enqueue_delete(dependent)

    def _orphan_dependents(self, owner: ObjectRef) -> None:
        stored = self._live(owner)
        if stored is None:
            return
        metadata = stored.obj["metadata"]
        if not metadata.get("deletionTimestamp") or FINALIZER_ORPHAN not in (metadata.get("finalizers") or ()):
            return
        for dependent in self.graph.dependents_of(owner.uid):
            self._update_references(dependent, lambda refs: [r for r in refs if _uid(r) != owner.uid])
        self._remove_finalizer(owner, FINALIZER_ORPHAN)

    # reading -----------------------------------------------------------------------------

    def _live(self, ref: ObjectRef) -> Stored | None:
        """The stored object if it is still the one `ref` means (same uid)."""
        stored = self._store.get(ref.resource, (ref.namespace, ref.name))
        if stored is None or (stored.obj.get("metadata") or {}).get("uid") != ref.uid:
            return None
        return stored

    def _is_deleting_dependents(self, ref: ObjectRef) -> bool:
        stored = self._live(ref)
        return stored is not None and _deleting_dependents(stored.obj["metadata"])

    def _owner_spec(self, owner: OwnerRef) -> ResourceSpec | None:
        group, _, version = owner.api_version.rpartition("/")
        return self._catalog.by_kind(group, version, owner.kind)

    def _owner_ref(self, owner: OwnerRef, dependent: ObjectRef) -> ObjectRef | None:
        spec = self._owner_spec(owner)
        if spec is None or (spec.namespaced and not dependent.namespace):
            return None
        return ObjectRef((spec.group, spec.plural), dependent.namespace if spec.namespaced else "", owner.name, owner.uid)

    def _classify(self, owner: OwnerRef, dependent: ObjectRef) -> str:
        spec = self._owner_spec(owner)
        if spec is None or (spec.namespaced and not dependent.namespace):
            return gc_decisions.UNKNOWN  # an unserved kind, or a namespaced owner of a cluster-scoped object
        namespace = dependent.namespace if spec.namespaced else ""
        stored = self._store.get((spec.group, spec.plural), (namespace, owner.name))
        return gc_decisions.classify(stored.obj["metadata"] if stored is not None else None, owner)

    def _spec_of(self, ref: ObjectRef, obj: dict[str, Any]) -> ResourceSpec | None:
        """The spec serving the object's own apiVersion, so an update keeps it."""
        group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
        spec = self._catalog.lookup(group, version, ref.resource[1])
        if spec is None:
            spec = next((s for s in self._catalog if (s.group, s.plural) == ref.resource), None)
        return spec

    # writing -----------------------------------------------------------------------------

    def _update_references(self, ref: ObjectRef, change: Callable[[list[Any]], list[Any]]) -> None:
        def apply(metadata: dict[str, Any]) -> None:
            references = change(list(metadata.get("ownerReferences") or []))
            if references:
                metadata["ownerReferences"] = references
            else:
                metadata.pop("ownerReferences", None)

        self._update_metadata(ref, apply)

    def _remove_finalizer(self, ref: ObjectRef, finalizer: str) -> None:
        def apply(metadata: dict[str, Any]) -> None:
            left = [f for f in metadata.get("finalizers") or [] if f != finalizer]
            if left:
                metadata["finalizers"] = left
            else:
                metadata.pop("finalizers", None)

        self._update_metadata(ref, apply)

    def _update_metadata(self, ref: ObjectRef, apply: Callable[[dict[str, Any]], None]) -> None:
        stored = self._live(ref)
        spec = self._spec_of(ref, stored.obj) if stored is not None else None
        if stored is None or spec is None:
            return
        obj = copy.deepcopy(stored.obj)
        apply(obj["metadata"])
        if obj == stored.obj:
            return
        try:  # carries the live resourceVersion: a concurrent change makes this a 409, then a new event
            self._rest.update(spec, ref.namespace, ref.name, obj)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise

    def _delete(self, ref: ObjectRef, policy: str) -> None:
        stored = self._live(ref)
        spec = self._spec_of(ref, stored.obj) if stored is not None else None
        if spec is None:
            return
        try:
            self._rest.delete(spec, ref.namespace, ref.name, DeleteOptions(propagation_policy=policy, precondition_uid=ref.uid))
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone already, or a new object took the name
                raise


def _uid(reference: Any) -> str:
    return str(reference.get("uid", "")) if isinstance(reference, dict) else ""


def _deleting_dependents(metadata: dict[str, Any]) -> bool:
    return bool(metadata.get("deletionTimestamp")) and FINALIZER_FOREGROUND in (metadata.get("finalizers") or ())


def _starts_deletion_with(old: dict[str, Any], new: dict[str, Any], finalizer: str) -> bool:
    """deletionStartsWithFinalizer: the object is now deleting with `finalizer`, and was not."""
    if not new.get("deletionTimestamp") or finalizer not in (new.get("finalizers") or ()):
        return False
    return not old.get("deletionTimestamp") or finalizer not in (old.get("finalizers") or ())
