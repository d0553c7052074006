"""Who owns which fields after a change: structured-merge-diff's `merge.Updater`.

An *update* (create, PUT, any non-apply patch) gives the updating manager every field it
added or changed, and takes from other managers the fields it changed or removed. An *apply*
merges the configuration into the live object, gives the applier exactly the fields the
configuration sets, removes fields it applied before and no longer sets (unless someone else
owns them), and fails with conflicts when it would change a field another manager owns,
unless forced, in which case the other manager loses it.

Objects are compared over their zero-value skeleton (`zero.fill`), as the real server compares
typed objects; merging and pruning work on the objects as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.api.managedfields import compare as diff
from kubegate.api.managedfields import merge, typed, zero
from kubegate.api.managedfields.fieldpath import FieldSet, Path
from kubegate.api.managedfields.schema import TypeRef, TypeSchema


@dataclass(frozen=True, slots=True)
class VersionedSet:
    fields: FieldSet
    api_version: str
    applied: bool


ManagerSets = dict[str, VersionedSet]


class Conflicts(Exception):
    """Fields an apply would take from other managers: (manager identity, path) pairs."""

    def __init__(self, conflicts: list[tuple[str, Path]]) -> None:
        super().__init__(f"{len(conflicts)} conflict(s)")
        self.conflicts = conflicts


@dataclass(frozen=True, slots=True)
class TypedKind:
    """A kind's type and how its objects are compared: the typed view the updater works on."""

    schema: TypeSchema
    root: TypeRef
    #: the Go zero value laid under objects before comparing (empty for custom resources)
    skeleton: dict[str, Any]
    #: fields this endpoint resets (status on the main resource, say): never owned through it
    ignored: FieldSet | None = None

    def typed_view(self, obj: Any) -> Any:
        return zero.fill(obj, self.skeleton)

    def compare(self, old: Any, new: Any) -> diff.Comparison:
        result = diff.compare(self.schema, self.typed_view(old), self.typed_view(new), self.root)
        return result.filtered(self.ignored)

    def field_set(self, obj: Any) -> FieldSet:
        return typed.to_field_set(self.schema, obj, self.root)

    def ensure(self, fields: FieldSet) -> FieldSet:
        return typed.ensure_named_fields(self.schema, fields, self.root)

    def without(self, obj: Any, fields: FieldSet) -> Any:
        return merge.remove_items(self.schema, obj, fields, self.root)


class Updater:
    def __init__(self, kind: TypedKind) -> None:
        self.kind = kind

    def _settle(
        self, old: Any, new: Any, managers: ManagerSets, workflow: str, *, force: bool
    ) -> diff.Comparison:
        """Take changed fields from every manager but `workflow`; conflicts unless forced."""
        comparison = self.kind.compare(old, new)
        changed = comparison.modified.union(comparison.added)
        conflicts: dict[str, FieldSet] = {}
        for manager, owned in managers.items():
            if manager == workflow:
                continue
            clash = owned.fields.intersection(changed)
            if not clash.empty():
                conflicts[manager] = clash
        if conflicts and not force:
            raise Conflicts(
                [(manager, path) for manager in sorted(conflicts) for path in conflicts[manager].paths()]
            )
        for manager, owned in list(managers.items()):
            if manager == workflow:
                continue
            left = owned.fields.difference(conflicts.get(manager, FieldSet())).difference(comparison.removed)
            managers[manager] = VersionedSet(left, owned.api_version, owned.applied)
        for manager in [m for m, owned in managers.items() if owned.fields.empty()]:
            del managers[manager]
        return comparison

    def update(self, live: Any, new: Any, version: str, managers: ManagerSets, manager: str) -> ManagerSets:
        comparison = self._settle(live, new, managers, manager, force=True)
        previous = managers.get(manager)
        owned = previous.fields if previous is not None else FieldSet()
        owned = owned.difference(comparison.removed).union(comparison.modified).union(comparison.added)
        if self.kind.ignored is not None:
            owned = owned.recursive_difference(self.kind.ignored)
        managers[manager] = VersionedSet(owned, version, False)
        if owned.empty():
            del managers[manager]
        return managers

    def apply(
        self, live: Any, config: Any, version: str, managers: ManagerSets, manager: str, *, force: bool
    ) -> tuple[Any | None, ManagerSets]:
        """(the new object, or None when nothing changes; the managers after the apply)."""
        kind = self.kind
        merged = merge.merge(kind.schema, live, config, kind.root)
        last = managers.get(manager)
        claimed = kind.field_set(config)
        if kind.ignored is not None:
            claimed = claimed.recursive_difference(kind.ignored)
        managers[manager] = VersionedSet(claimed, version, True)
        merged = self._prune(merged, managers, last)
        self._settle(live, merged, managers, manager, force=force)
        return (None if typed.equal(live, merged) else merged), managers

    def _prune(self, merged: Any, managers: ManagerSets, last: VersionedSet | None) -> Any:
        """Drop what the applier set last time and no longer sets, unless someone owns it."""
        if last is None or last.fields.empty():
            return merged
        kind = self.kind
        previous = kind.ensure(last.fields)
        pruned = kind.without(merged, previous)
        owned = FieldSet()
        for entry in managers.values():
            owned = owned.union(entry.fields)
        merged_set = kind.ensure(kind.field_set(merged))
        pruned_set = kind.ensure(kind.field_set(pruned))
        pruned = kind.without(merged, merged_set.difference(pruned_set.union(kind.ensure(owned))))
        pruned_set = kind.ensure(kind.field_set(pruned))
        return kind.without(merged, merged_set.difference(pruned_set).intersection(previous))
