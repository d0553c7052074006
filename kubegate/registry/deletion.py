"""The rules a delete follows, as pure functions over an object's metadata.

These mirror k8s.io/apiserver: `rest.BeforeDelete` (preconditions, graceful deletion and the
shortening of a pending grace period), and from the generic store `shouldOrphanDependents`,
`shouldDeleteDependentsInForeground`, `deletionFinalizersForGarbageCollection`, `markAsDeleting`
and `ShouldDeleteDuringUpdate`. `GenericStore.delete` strings them together in the order of the
real `Store.Delete`; keeping them here, free of storage, lets them be tested as tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.deleteoptions import (
    BACKGROUND,
    FINALIZER_FOREGROUND,
    FINALIZER_ORPHAN,
    FOREGROUND,
    ORPHAN,
    DeleteOptions,
)
from kubegate.registry.delete_strategy import ORPHAN_DEPENDENTS, UNSUPPORTED, DeleteStrategy
from kubegate.registry.spec import ResourceSpec

NAMESPACES = ("", "namespaces")


def check_preconditions(spec: ResourceSpec, obj: dict[str, Any], options: DeleteOptions) -> None:
    """BeforeDelete's early precondition check: 409 on the object's Kind when one fails."""
    metadata = obj["metadata"]
    uid = str(metadata.get("uid", ""))
    if options.precondition_uid and options.precondition_uid != uid:
        raise errors.conflict(
            spec.kind, str(metadata.get("name", "")),
            f"the UID in the precondition ({options.precondition_uid}) does not match the UID in record ({uid}). "
            "The object might have been deleted and then recreated",
            group=spec.group,
        )
    version = str(metadata.get("resourceVersion", ""))
    if options.precondition_resource_version and options.precondition_resource_version != version:
        raise errors.conflict(
            spec.kind, str(metadata.get("name", "")),
            f"the ResourceVersion in the precondition ({options.precondition_resource_version}) does not match "
            f"the ResourceVersion in record ({version}). The object might have been modified",
            group=spec.group,
        )


def check_namespace_preconditions(obj: dict[str, Any], options: DeleteOptions) -> None:
    """The namespace registry checks preconditions itself, with the storage layer's words."""
    metadata = obj["metadata"]
    name = str(metadata.get("name", ""))
    if options.precondition_uid and options.precondition_uid != metadata.get("uid"):
        raise errors.conflict(
            "namespaces", name,
            f"Precondition failed: UID in precondition: {options.precondition_uid}, "
            f"UID in object meta: {metadata.get('uid')}",
        )
    version = metadata.get("resourceVersion")
    if options.precondition_resource_version and options.precondition_resource_version != version:
        raise errors.conflict(
            "namespaces", name,
            f"Precondition failed: ResourceVersion in precondition: {options.precondition_resource_version}, "
            f"ResourceVersion in object meta: {version}",
        )


@dataclass(frozen=True, slots=True)
class GracefulDecision:
    """What BeforeDelete decided: delete gracefully (with `grace`), or a deletion is already pending."""

    graceful: bool = False
    pending: bool = False
    grace: int = 0


def before_delete(
    strategy: DeleteStrategy, obj: dict[str, Any], options: DeleteOptions, *, now: datetime
) -> GracefulDecision:
    """rest.BeforeDelete after the preconditions: updates `obj`'s metadata when graceful."""
    metadata = obj["metadata"]
    requested = options.grace_period_seconds
    if requested is not None and requested < 0:
        requested = 1  # negative grace periods mean "as short as possible, but graceful"
    existing = metadata.get("deletionGracePeriodSeconds")
    if isinstance(existing, int) and existing < 0:
        existing = metadata["deletionGracePeriodSeconds"] = 1
    if strategy.check_graceful_delete is None:
        return GracefulDecision()
    if metadata.get("deletionTimestamp"):
        # Already being deleted: only a shorter grace period changes anything.
        if not existing:
            return GracefulDecision()  # grace 0 (or none) left: the deletion may complete now
        if requested is None:
            return GracefulDecision(pending=True, grace=existing)
        if requested >= existing:
            return GracefulDecision(pending=True, grace=existing)
        started = _parse(metadata["deletionTimestamp"], now) - timedelta(seconds=existing)
        deadline = started + timedelta(seconds=requested)
        period = requested
        if deadline < now:
            deadline = now
            if period != 0:
                period = 1  # the whole grace period has passed, but a graceful delete stays graceful
        metadata["deletionTimestamp"] = meta.format_time(deadline)
        metadata["deletionGracePeriodSeconds"] = period
        return GracefulDecision(graceful=True, grace=period)
    period = strategy.check_graceful_delete(obj, requested)
    metadata["deletionTimestamp"] = meta.format_time(now + timedelta(seconds=period))
    metadata["deletionGracePeriodSeconds"] = period
    if int(metadata.get("generation") or 0) > 0:
        metadata["generation"] = int(metadata["generation"]) + 1
    return GracefulDecision(graceful=True, grace=period)


def should_orphan(policy: str, finalizers: list[str], options: DeleteOptions) -> bool:
    """shouldOrphanDependents: options first, then the object's finalizers, then the default."""
    if policy == UNSUPPORTED:
        return False
    if options.orphan_dependents is not None:
        return options.orphan_dependents
    if options.propagation_policy == ORPHAN:
        return True
    if options.propagation_policy in (BACKGROUND, FOREGROUND):
        return False
    for finalizer in finalizers:
        if finalizer == FINALIZER_ORPHAN:
            return True
        if finalizer == FINALIZER_FOREGROUND:
            return False
    return policy == ORPHAN_DEPENDENTS


def should_delete_in_foreground(policy: str, finalizers: list[str], options: DeleteOptions) -> bool:
    """shouldDeleteDependentsInForeground; the deprecated orphanDependents never asks for it."""
    if policy == UNSUPPORTED or options.orphan_dependents is not None:
        return False
    if options.propagation_policy == FOREGROUND:
        return True
    if options.propagation_policy in (BACKGROUND, ORPHAN):
        return False
    for finalizer in finalizers:
        if finalizer == FINALIZER_FOREGROUND:
            return True
        if finalizer == FINALIZER_ORPHAN:
            return False
    return False


def gc_finalizers(policy: str, finalizers: list[str], options: DeleteOptions) -> tuple[bool, list[str]]:
    """deletionFinalizersForGarbageCollection: (whether they change, the finalizers to store)."""
    orphan = should_orphan(policy, finalizers, options)
    foreground = should_delete_in_foreground(policy, finalizers, options)
    wanted = [f for f in finalizers if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)]
    if orphan:
        wanted.append(FINALIZER_ORPHAN)
    if foreground:
        wanted.append(FINALIZER_FOREGROUND)
    if set(wanted) == set(finalizers):
        return False, finalizers
    return True, wanted


def namespace_gc_finalizers(finalizers: list[str], options: DeleteOptions) -> list[str]:
    """The namespace registry's own version: only explicit options add or remove them."""

    def wanted(finalizer: str, orphan_means: bool, policy: str) -> bool:
        if options.orphan_dependents is not None:
            return options.orphan_dependents is orphan_means
        if options.propagation_policy:
            return options.propagation_policy == policy
        return finalizer in finalizers

    keep = [f for f in finalizers if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)]
    if wanted(FINALIZER_ORPHAN, True, ORPHAN):
        keep.append(FINALIZER_ORPHAN)
    if wanted(FINALIZER_FOREGROUND, False, FOREGROUND):
        keep.append(FINALIZER_FOREGROUND)
    return keep


def mark_as_deleting(metadata: dict[str, Any], *, now: datetime) -> None:
    """markAsDeleting: an object held by finalizers gets its deletionTimestamp, grace 0."""
    existing = metadata.get("deletionTimestamp")
    if not existing and int(metadata.get("generation") or 0) > 0:
        metadata["generation"] = int(metadata["generation"]) + 1
    if not existing or _parse(existing, now) > now:
        metadata["deletionTimestamp"] = meta.format_time(now)
    metadata["deletionGracePeriodSeconds"] = 0


def should_delete_during_update(spec: ResourceSpec, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """ShouldDeleteDuringUpdate: the last finalizer went and no grace period is running."""
    old_meta = old.get("metadata") or {}
    if new.get("metadata", {}).get("finalizers") or not old_meta.get("deletionTimestamp"):
        return False
    if (spec.group, spec.plural) == NAMESPACES and (new.get("spec") or {}).get("finalizers"):
        return False  # the namespace controller's `kubernetes` finalizer still holds it
    return not old_meta.get("deletionGracePeriodSeconds")


def _parse(text: Any, fallback: datetime) -> datetime:
    parsed = meta.parse_time(str(text))
    return parsed if parsed is not None else fallback
