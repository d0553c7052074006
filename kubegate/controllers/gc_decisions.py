"""What the garbage collector does with one object, decided from facts, as a pure function.

This is the heart of kube-controller-manager's `attemptToDeleteItem`: every ownerReference of
the object is classified against the live owner,

- *solid*: the owner exists (same uid) and is not waiting for its dependents;
- *dangling*: no such owner, or an object of that name with another uid (deleted and recreated);
- *waiting*: the owner is being deleted in the foreground (`foregroundDeletion` finalizer);
- *unknown*: the reference names a kind the server does not serve, or a cluster-scoped object
  names a namespaced owner; the real collector retries such an item forever, so it is left alone,

and then: an object with a solid owner lives on, losing only its dangling and waiting
references; an object whose owners are all gone is deleted (Background, unless its own
finalizers ask for Orphan or Foreground); an object whose owner waits in the foreground and
which has dependents itself is deleted in the foreground too, so deletion cascades down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubegate.api.deleteoptions import (
    BACKGROUND,
    FINALIZER_FOREGROUND,
    FINALIZER_ORPHAN,
    FOREGROUND,
    ORPHAN,
)
from kubegate.controllers.gc_graph import OwnerRef

SOLID = "solid"
DANGLING = "dangling"
WAITING = "waiting"
UNKNOWN = "unknown"

NOTHING = "nothing"
REMOVE_REFERENCES = "remove-references"
DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Decision:
    action: str = NOTHING
    #: owner uids to drop from the object's ownerReferences (REMOVE_REFERENCES)
    remove: tuple[str, ...] = ()
    #: the propagation policy of the collector's DELETE
    policy: str = ""
    #: first make the object's own references non-blocking (breaks foreground-deletion cycles)
    unblock: bool = False


def classify(owner_metadata: dict[str, Any] | None, reference: OwnerRef) -> str:
    """One reference's class, given the metadata of the object it names (None: not found)."""
    if owner_metadata is None or owner_metadata.get("uid") != reference.uid:
        return DANGLING
    if owner_metadata.get("deletionTimestamp") and FINALIZER_FOREGROUND in (owner_metadata.get("finalizers") or ()):
        return WAITING
    return SOLID


def attempt_to_delete(
    classified: Sequence[tuple[OwnerRef, str]],
    *,
    finalizers: Sequence[str],
    has_dependents: bool,
    a_dependent_waits_too: bool = False,
) -> Decision:
    """The decision for an object that is not itself being deleted.

    `has_dependents`: something names this object as its owner. `a_dependent_waits_too`: one
    of those is itself being deleted in the foreground (a cycle the real collector breaks by
    unblocking this object's references before deleting it).
    """
    if not classified or any(cls == UNKNOWN for _, cls in classified):
        return Decision()
    solid = [ref.uid for ref, cls in classified if cls == SOLID]
    gone = [ref.uid for ref, cls in classified if cls == DANGLING]
    waiting = [ref.uid for ref, cls in classified if cls == WAITING]
    if solid:
        if not gone and not waiting:
            return Decision()
        return Decision(REMOVE_REFERENCES, remove=tuple(gone + waiting))
    if waiting and has_dependents:
        return Decision(DELETE, policy=FOREGROUND, unblock=a_dependent_waits_too)
    if FINALIZER_ORPHAN in finalizers:
        return Decision(DELETE, policy=ORPHAN)
    if FINALIZER_FOREGROUND in finalizers:
        return Decision(DELETE, policy=FOREGROUND)
    return Decision(DELETE, policy=BACKGROUND)
