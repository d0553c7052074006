"""Ownership of `spec.replicas` across a workload and its `/scale` subresource.

A Scale is a view of its parent's replicas, so its managedFields are a view of the parent's:
a manager owning the parent's `.spec.replicas` owns the Scale's, and whoever writes the Scale
ends up owning the parent's `.spec.replicas` in an entry marked `subresource: scale`
(k8s.io/apimachinery `managedfields/scalehandler.go`).
"""

from __future__ import annotations

from typing import Any

from kubegate.api.managedfields import entries
from kubegate.api.managedfields.fieldpath import FieldSet, PathElement
from kubegate.api.managedfields.updater import VersionedSet

SCALE_GROUP_VERSION = "autoscaling/v1"
REPLICAS = (PathElement.field("spec"), PathElement.field("replicas"))


def to_subresource(parent_entries: Any) -> list[dict[str, Any]] | None:
    """The Scale's entries: every parent manager that owns `.spec.replicas`."""
    parent = _decode(parent_entries)
    scale = entries.Managed()
    for manager, owned in parent.sets.items():
        if owned.fields.has(REPLICAS):
            scale.sets[manager] = VersionedSet(FieldSet.of(REPLICAS), SCALE_GROUP_VERSION, owned.applied)
            scale.times[manager] = parent.times.get(manager)
    return entries.encode(scale)


def to_parent(parent_entries: Any, scale_entries: Any, *, parent_group_version: str) -> list[dict[str, Any]] | None:
    """The parent's entries after a Scale write whose resulting entries are `scale_entries`."""
    parent = _decode(parent_entries)
    scale = _decode(scale_entries)
    out = entries.Managed()
    for manager, owned in parent.sets.items():
        if not owned.fields.has(REPLICAS):
            out.sets[manager], out.times[manager] = owned, parent.times.get(manager)
        elif manager in scale.sets:
            out.sets[manager], out.times[manager] = owned, parent.times.get(manager)
            del scale.sets[manager]
        else:
            left = owned.fields.difference(FieldSet.of(REPLICAS))
            if not left.empty():
                out.sets[manager] = VersionedSet(left, owned.api_version, owned.applied)
                out.times[manager] = parent.times.get(manager)
    for manager, owned in scale.sets.items():
        if owned.fields.has(REPLICAS):
            out.sets[manager] = VersionedSet(FieldSet.of(REPLICAS), parent_group_version, owned.applied)
            # The real handler looks the time up among the parent's managers, where a new
            # scale writer is not yet: such an entry has no time.
            out.times[manager] = parent.times.get(manager)
    return entries.encode(out)


def _decode(raw: Any) -> entries.Managed:
    try:
        return entries.decode(raw)
    except ValueError:
        return entries.Managed()
