"""The garbage collector: kube-controller-manager's, running inside kubegate.

It follows every change in the watch cache (an informer on every resource), keeps the
owner-uid -> dependents index (`gc_graph`) current from those events, and works through two
kinds of work-queue keys, as the real one does:

- *attempt to delete*: an object whose references may have gone stale (it was just given an
  owner, or an owner of it disappeared, or an owner began a foreground deletion). It is
  judged by `gc_decisions.attempt_to_delete`: kept, stripped of dead references, or deleted.
  An owner in foreground deletion is also judged here: once no dependent with
  `blockOwnerDeletion: true` is left, its `foregroundDeletion` finalizer is removed, so it goes.
- *attempt to orphan*: an owner deleted with the `orphan` finalizer. Every dependent loses its
  reference to it, then the finalizer is removed, so it goes.

Owners are looked up in the cache by the reference's kind and name (in the dependent's own
namespace for namespaced kinds; by name alone for cluster-scoped ones), and count only when the
uid matches. The graph follows events whether or not this process leads; keys are reconciled
only while it does. The collector's own writes go through the generic REST store (reference
and finalizer removals inside a guaranteed update, so a concurrent change is kept, not lost)
and so feed it (and every watcher) new events.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import FINALIZER_FOREGROUND, FINALIZER_ORPHAN, DeleteOptions
from kubegate.controllers import gc_decisions
from kubegate.controllers.gc_graph import DependencyGraph, ObjectRef, OwnerRef
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event, ObjectKey, ResourceKey, Stored
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.garbage_collector")

ATTEMPT_TO_DELETE = "attempt-to-delete"
ATTEMPT_TO_ORPHAN = "attempt-to-orphan"
#: a work-queue key: which attempt, on which object
Key = tuple[str, ObjectRef]


class GarbageCollector(Controller):
    """Keys are (ATTEMPT_TO_DELETE or ATTEMPT_TO_ORPHAN, object)."""

    name = "garbage-collector"

    def __init__(self, informers: Informers, rest: GenericStore, catalog: Catalog) -> None:
        super().__init__(informers)
        self._rest = rest
        self._catalog = catalog
        self.graph = DependencyGraph()
        for resource, key, stored in self._everything():  # the informers' initial list
            self._observe_object(resource, key, stored, None)
        informers.on(None, self._observe)

    # observing ---------------------------------------------------------------------------

    def _everything(self) -> Iterable[tuple[ResourceKey, ObjectKey, Stored]]:
        """Every object the cache holds of a served resource."""
        seen: set[ResourceKey] = set()
        for spec in list(self._catalog):
            resource = (spec.group, spec.plural)
            if resource in seen:
                continue
            seen.add(resource)
            for stored in list(self.informers.list(resource)):
                metadata = stored.obj.get("metadata") or {}
                yield resource, (str(metadata.get("namespace") or ""), str(metadata.get("name"))), stored

    def initial_keys(self) -> Iterable[Key]:
        """Everything the real collector's initial list leads to: each object as if just added."""
        keys: dict[Key, None] = {}
        for resource, key, stored in self._everything():
            for item in self._observe_object(resource, key, stored, None, initial=True):
                keys[item] = None
        return list(keys)

    def _observe(self, event: Event) -> None:
        try:
            if event.type == DELETED:
                keys = self._observe_deletion(event)
            else:
                keys = self._observe_object(event.resource, event.key, event.stored, event.previous)
        except Exception:  # a broken event must not stop the graph
            log.exception("garbage collector: observing %s %s %s failed", event.type, event.resource, event.key)
            return
        if self.running:  # not leading: `initial_keys` covers it at start
            for key in keys:
                self.queue.add(key)

    def _observe_object(
        self, resource: ResourceKey, key: ObjectKey, stored: Stored, previous: Stored | None, *, initial: bool = False
    ) -> list[Key]:
        """Record the object in the graph; returns the work its change calls for."""
        metadata = stored.obj.get("metadata") or {}
        uid = metadata.get("uid")
        if not isinstance(uid, str) or not uid:
            return []
        ref = ObjectRef(resource, key[0], key[1], uid)
        owners = OwnerRef.parse_all(metadata.get("ownerReferences"))
        changes = self.graph.observe(ref, owners)
        keys: list[Key] = []
        for owner in changes.unblocked:
            keys.extend(self._waiting_owner(owner, ref))
        if changes.added or (initial and owners):
            keys.append((ATTEMPT_TO_DELETE, ref))  # every new reference must name a live owner
        old = (previous.obj.get("metadata") or {}) if previous is not None else {}
        if _starts_deletion_with(old, metadata, FINALIZER_ORPHAN):
            keys.append((ATTEMPT_TO_ORPHAN, ref))
        elif _starts_deletion_with(old, metadata, FINALIZER_FOREGROUND):
            keys.extend((ATTEMPT_TO_DELETE, dependent) for dependent in self.graph.dependents_of(uid))
            keys.append((ATTEMPT_TO_DELETE, ref))
        return keys

    def _observe_deletion(self, event: Event) -> list[Key]:
        uid = (event.stored.obj.get("metadata") or {}).get("uid")
        if not isinstance(uid, str):
            return []
        ref = ObjectRef(event.resource, event.key[0], event.key[1], uid)
        keys: list[Key] = []
        for owner in self.graph.forget(uid):
            keys.extend(self._waiting_owner(owner, ref))
        keys.extend((ATTEMPT_TO_DELETE, dependent) for dependent in self.graph.dependents_of(uid))
        return keys

    def _waiting_owner(self, owner: OwnerRef, dependent: ObjectRef) -> list[Key]:
        """An owner in foreground deletion may be free to go: one of its dependents left it."""
        ref = self._owner_ref(owner, dependent)
        stored = self._live(ref) if ref is not None else None
        if ref is not None and stored is not None and _deleting_dependents(stored.obj["metadata"]):
            return [(ATTEMPT_TO_DELETE, ref)]
        return []

    # working -----------------------------------------------------------------------------

    async def reconcile(self, key: Key) -> None:
        attempt, ref = key
        if attempt == ATTEMPT_TO_ORPHAN:
            await self._orphan_dependents(ref)
        else:
            await self._attempt_to_delete(ref)

    async def _attempt_to_delete(self, ref: ObjectRef) -> None:
        stored = self._live(ref)
        if stored is None:
            return
        metadata = stored.obj["metadata"]
        if metadata.get("deletionTimestamp"):
            # Being deleted is a one-way trip; only a foreground owner still needs the collector.
            if _deleting_dependents(metadata):
                await self._process_deleting_dependents(ref)
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
            await self._update_references(ref, lambda refs: [r for r in refs if _uid(r) not in decision.remove])
        elif decision.action == gc_decisions.DELETE:
            if decision.unblock:
                await self._update_references(ref, lambda refs: [{**r, "blockOwnerDeletion": False} for r in refs])
            log.debug("garbage collector: deleting %s (%s)", ref, decision.policy)
            await self._delete(ref, decision.policy)

    async def _process_deleting_dependents(self, owner: ObjectRef) -> None:
        blocking = self.graph.blocking_dependents(owner.uid)
        if not blocking:
            await self._remove_finalizer(owner, FINALIZER_FOREGROUND)
            return
        for dependent in blocking:
            if not self._is_deleting_dependents(dependent):
                self.queue.add((ATTEMPT_TO_DELETE, dependent))

    async def _orphan_dependents(self, owner: ObjectRef) -> None:
        stored = self._live(owner)
        if stored is None:
            return
        metadata = stored.obj["metadata"]
        if not metadata.get("deletionTimestamp") or FINALIZER_ORPHAN not in (metadata.get("finalizers") or ()):
            return
        for dependent in self.graph.dependents_of(owner.uid):
            await self._update_references(dependent, lambda refs: [r for r in refs if _uid(r) != owner.uid])
        await self._remove_finalizer(owner, FINALIZER_ORPHAN)

    # reading -----------------------------------------------------------------------------

    def _live(self, ref: ObjectRef) -> Stored | None:
        """The cached object if it is still the one `ref` means (same uid)."""
        stored = self.cache.get(ref.resource, (ref.namespace, ref.name))
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
        stored = self.cache.get((spec.group, spec.plural), (namespace, owner.name))
        return gc_decisions.classify(stored.obj["metadata"] if stored is not None else None, owner)

    def _spec_of(self, ref: ObjectRef, obj: dict[str, Any]) -> ResourceSpec | None:
        """The spec serving the object's own apiVersion, so an update keeps it."""
        group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
        spec = self._catalog.lookup(group, version, ref.resource[1])
        if spec is None:
            spec = next((s for s in self._catalog if (s.group, s.plural) == ref.resource), None)
        return spec

    # writing -----------------------------------------------------------------------------

    async def _update_references(self, ref: ObjectRef, change: Callable[[list[Any]], list[Any]]) -> None:
        def apply(metadata: dict[str, Any]) -> None:
            references = change(list(metadata.get("ownerReferences") or []))
            if references:
                metadata["ownerReferences"] = references
            else:
                metadata.pop("ownerReferences", None)

        await self._update_metadata(ref, apply)

    async def _remove_finalizer(self, ref: ObjectRef, finalizer: str) -> None:
        def apply(metadata: dict[str, Any]) -> None:
            left = [f for f in metadata.get("finalizers") or [] if f != finalizer]
            if left:
                metadata["finalizers"] = left
            else:
                metadata.pop("finalizers", None)

        await self._update_metadata(ref, apply)

    async def _update_metadata(self, ref: ObjectRef, apply: Callable[[dict[str, Any]], None]) -> None:
        """Change the live object's metadata, inside a guaranteed update (so it is re-done on races)."""
        stored = self._live(ref)
        spec = self._spec_of(ref, stored.obj) if stored is not None else None
        if stored is None or spec is None:
            return
        obj = copy.deepcopy(stored.obj)
        apply(obj["metadata"])
        if obj == stored.obj:
            return

        async def changed(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or (live.get("metadata") or {}).get("uid") != ref.uid:
                raise errors.not_found(spec.plural, ref.name, group=spec.group)  # gone, or another object
            new = copy.deepcopy(live)
            apply(new["metadata"])
            return new

        try:
            await self._rest.update(spec, ref.namespace, ref.name, changed)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise

    async def _delete(self, ref: ObjectRef, policy: str) -> None:
        stored = self._live(ref)
        spec = self._spec_of(ref, stored.obj) if stored is not None else None
        if spec is None:
            return
        try:
            await self._rest.delete(
                spec, ref.namespace, ref.name, DeleteOptions(propagation_policy=policy, precondition_uid=ref.uid)
            )
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
