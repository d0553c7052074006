"""Deleting one object: the generic store's `Delete`, step by step as the real one takes them.

1. The preconditions (uid, resourceVersion) and graceful deletion (`deletion.before_delete`).
   A graceful deletion already under way with no shorter grace period asked for changes nothing.
2. The garbage collector's finalizers: `orphan` or `foregroundDeletion`, from the propagation
   policy, the deprecated orphanDependents, or the resource's default policy.
3. If the object is graceful, or holds finalizers, or its finalizers change, it is *updated*:
   deletionTimestamp (in the future for a graceful pod), deletionGracePeriodSeconds, finalizers.
   It stays until its finalizers are gone and its grace period has run out: the garbage
   collector removes its own finalizers, and for pods kubegate plays the kubelet (see
   `kubegate.controllers.pod_termination`).
4. Otherwise, or when the grace period is zero and nothing holds it, it is removed now.

Namespaces take their own registry's path: the first delete only marks them Terminating (with
the collector's finalizers if asked for); the namespace controller does the rest.

Dry runs go through every step, store nothing and answer with what would have been stored.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.api import errors, meta
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.registry import deletion
from kubegate.registry.customresources import crd_strategy
from kubegate.registry.delete_strategy import delete_strategy_for
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.cacher import Cacher
from kubegate.storage.errors import Conflict, KeyNotFound
from kubegate.storage.interface import Preconditions, Stored, replacing
from kubegate.storage.keys import ObjectKey

CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
#: How often a deletion decides again after another writer changed the object under it.
RETRIES = 10


@dataclass(frozen=True, slots=True)
class DeleteResult:
    #: the object as removed, or as updated while its deletion waits
    stored: Stored
    #: removed from storage now (the real registry's `deleted` return value)
    deleted: bool


async def delete(store: Cacher, spec: ResourceSpec, key: ObjectKey, options: DeleteOptions) -> DeleteResult:
    """Decide and write; when another writer changed the object meanwhile, decide again."""
    for _ in range(RETRIES):
        try:
            return await _delete_once(store, spec, key, options)
        except Conflict:
            await store.wait_fresh()
        except KeyNotFound:
            raise errors.not_found(spec.plural, key[1], group=spec.group) from None
    raise errors.conflict(spec.plural, key[1], errors.MODIFIED_CONFLICT, group=spec.group)


async def _delete_once(store: Cacher, spec: ResourceSpec, key: ObjectKey, options: DeleteOptions) -> DeleteResult:
    resource = (spec.group, spec.plural)
    current = store.get(resource, key)
    if current is None:
        raise errors.not_found(spec.plural, key[1], group=spec.group)
    if resource == CRDS and not current.obj["metadata"].get("deletionTimestamp"):
        # the CRD registry's own Delete: mark it and let the CRD controller remove its instances
        return DeleteResult(await crd_strategy.mark_for_deletion(store, spec, key, current, options), False)
    if resource == deletion.NAMESPACES:
        deletion.check_namespace_preconditions(current.obj, options)
        if not current.obj["metadata"].get("deletionTimestamp"):
            return DeleteResult(await _terminate_namespace(store, spec, key, current, options), False)
        if (current.obj.get("spec") or {}).get("finalizers"):
            return DeleteResult(current, False)  # its content is still being removed
    else:
        deletion.check_preconditions(spec, current.obj, options)
    strategy = delete_strategy_for(spec)
    now = meta.now()
    obj = copy.deepcopy(current.obj)
    metadata = obj["metadata"]
    decision = deletion.before_delete(strategy, obj, options, now=now)
    if decision.pending:
        # A graceful deletion is under way: its finalizers cannot change through DeleteOptions.
        return DeleteResult(current, False)
    finalizers = list(metadata.get("finalizers") or [])
    changed, wanted = deletion.gc_finalizers(strategy.gc_policy, finalizers, options)
    if decision.graceful or finalizers or changed:
        if changed:
            _set_finalizers(metadata, wanted)
        pending_finalizers = bool(metadata.get("finalizers"))
        if decision.graceful or pending_finalizers:
            if not decision.graceful:
                deletion.mark_as_deleting(metadata, now=now)
            updated = await _update(store, spec, key, current, obj, dry_run=options.dry_run)
            if pending_finalizers or decision.grace > 0:
                return DeleteResult(updated, False)
            if options.dry_run:
                return DeleteResult(updated, True)
            current = updated  # grace 0 and nothing holds it: the update is followed by the removal
    if options.dry_run:
        return DeleteResult(current, True)
    final = await store.delete(resource, key, preconditions=Preconditions(resource_version=current.revision))
    return DeleteResult(final, True)


async def _terminate_namespace(
    store: Cacher, spec: ResourceSpec, key: ObjectKey, current: Stored, options: DeleteOptions
) -> Stored:
    obj = copy.deepcopy(current.obj)
    metadata = obj["metadata"]
    metadata["deletionTimestamp"] = meta.format_time(meta.now())
    obj["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
    finalizers = list(metadata.get("finalizers") or [])
    wanted = deletion.namespace_gc_finalizers(finalizers, options)
    if set(wanted) != set(finalizers):
        _set_finalizers(metadata, wanted)
    return await _update(store, spec, key, current, obj, dry_run=options.dry_run)


def _set_finalizers(metadata: dict[str, Any], finalizers: list[str]) -> None:
    if finalizers:
        metadata["finalizers"] = finalizers
    else:
        metadata.pop("finalizers", None)


async def _update(
    store: Cacher, spec: ResourceSpec, key: ObjectKey, current: Stored, obj: dict[str, Any], *, dry_run: bool
) -> Stored:
    """Write the decided object if `current` is still current (else `Conflict`: decide again)."""
    if dry_run:
        return Stored(obj, orjson.dumps(obj), current.revision)
    precondition = Preconditions(resource_version=current.revision)
    return await store.guaranteed_update((spec.group, spec.plural), key, replacing(obj), preconditions=precondition)
