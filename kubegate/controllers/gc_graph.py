"""The garbage collector's dependency graph: which objects name which owners.

kube-controller-manager's GraphBuilder keeps a node per object with its owners and dependents.
kubegate's collector reads owners straight from the watch cache that feeds the graph (both see
the same changes in the same order), so it only needs the other direction: for every owner uid, the objects whose ownerReferences
name it, and for every such object the references it had, so a change can be diffed into
references added, removed, or no longer blocking their owner's deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.registry.objects import ResourceKey


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object's identity: its resource, where it lives, and the uid that makes it *this* one."""

    resource: ResourceKey
    namespace: str
    name: str
    uid: str


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """The parts of a metav1.OwnerReference the collector acts on."""

    api_version: str
    kind: str
    name: str
    uid: str
    block_owner_deletion: bool = False

    @classmethod
    def parse_all(cls, value: Any) -> tuple[OwnerRef, ...]:
        """The well-formed entries of `metadata.ownerReferences` (others are not references)."""
        if not isinstance(value, list):
            return ()
        refs = []
        for item in value:
            if not isinstance(item, dict):
                continue
            fields = (item.get("apiVersion"), item.get("kind"), item.get("name"), item.get("uid"))
            if all(isinstance(f, str) and f for f in fields):
                api_version, kind, name, uid = (str(f) for f in fields)
                refs.append(cls(api_version, kind, name, uid, item.get("blockOwnerDeletion") is True))
        return tuple(refs)


@dataclass(frozen=True, slots=True)
class ReferenceChanges:
    """How an object's ownerReferences moved between two observations."""

    added: tuple[OwnerRef, ...] = ()
    #: owners that a blocking reference no longer holds back (removed, or unblocked)
    unblocked: tuple[OwnerRef, ...] = ()
    removed: tuple[OwnerRef, ...] = ()


class DependencyGraph:
    def __init__(self) -> None:
        self._owners: dict[str, tuple[OwnerRef, ...]] = {}  # dependent uid -> its references
        self._refs: dict[str, ObjectRef] = {}  # dependent uid -> where it is stored
        self._dependents: dict[str, dict[str, None]] = {}  # owner uid -> dependent uids, in order

    def observe(self, ref: ObjectRef, owners: tuple[OwnerRef, ...]) -> ReferenceChanges:
        """Record the object's current references; returns what changed since the last time."""
        old = self._owners.get(ref.uid, ())
        old_by_uid = {owner.uid: owner for owner in old}
        new_by_uid = {owner.uid: owner for owner in owners}
        added = tuple(o for o in owners if o.uid not in old_by_uid)
        removed = tuple(o for o in old if o.uid not in new_by_uid)
        unblocked = tuple(o for o in removed if o.block_owner_deletion) + tuple(
            o for o in owners
            if o.uid in old_by_uid and old_by_uid[o.uid].block_owner_deletion and not o.block_owner_deletion
        )
        for owner in removed:
            self._unlink(owner.uid, ref.uid)
        if owners:
            self._owners[ref.uid] = owners
            self._refs[ref.uid] = ref
            for owner in added:
                self._dependents.setdefault(owner.uid, {})[ref.uid] = None
        else:
            self._owners.pop(ref.uid, None)
            self._refs.pop(ref.uid, None)
        return ReferenceChanges(added=added, unblocked=unblocked, removed=removed)

    def forget(self, uid: str) -> tuple[OwnerRef, ...]:
        """The object is gone: drop it as a dependent; returns the owners it named."""
        owners = self._owners.pop(uid, ())
        self._refs.pop(uid, None)
        for owner in owners:
            self._unlink(owner.uid, uid)
        return owners

    def _unlink(self, owner_uid: str, dependent_uid: str) -> None:
        dependents = self._dependents.get(owner_uid)
        if dependents is not None:
            dependents.pop(dependent_uid, None)
            if not dependents:
                del self._dependents[owner_uid]

    def owners_of(self, uid: str) -> tuple[OwnerRef, ...]:
        return self._owners.get(uid, ())

    def dependents_of(self, owner_uid: str) -> list[ObjectRef]:
        return [self._refs[uid] for uid in self._dependents.get(owner_uid, ())]

    def has_dependents(self, owner_uid: str) -> bool:
        return bool(self._dependents.get(owner_uid))

    def blocking_dependents(self, owner_uid: str) -> list[ObjectRef]:
        """Dependents whose reference to the owner has blockOwnerDeletion: true."""
        return [
            self._refs[uid]
            for uid in self._dependents.get(owner_uid, ())
            if any(o.uid == owner_uid and o.block_owner_deletion for o in self._owners.get(uid, ()))
        ]
