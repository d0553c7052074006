"""The storage interface every backend implements, modelled on k8s.io/apiserver's `storage.Interface`.

Keys are strings relative to the backend's prefix, laid out as the real apiserver lays them out
in etcd (`namespaces/NAME`, `configmaps/NS/NAME`; see `kubegate.storage.keys`). Values are JSON
objects. Every write takes a new revision from one counter shared by all keys, and an object's
`metadata.resourceVersion` is always the revision that last wrote it: backends strip it before
storing and stamp it when reading, as the etcd3 store does.

`guaranteed_update` is the heart of it: read the current object, let `try_update` compute the
new one (a patch, a scale, a status write), and write it only if nobody wrote in between;
otherwise read again and call `try_update` again. Concurrent writers therefore all succeed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kubegate.storage.errors import Conflict

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Stored:
    """An object as stored: the dict (read-only by convention), its JSON bytes and its revision."""

    obj: dict[str, Any]
    raw: bytes
    revision: int


@dataclass(frozen=True, slots=True)
class Preconditions:
    """What must hold of the current object for a write to go ahead (else `Conflict`)."""

    uid: str = ""
    resource_version: int | None = None

    def check(self, key: str, current: Stored) -> None:
        """Raise `Conflict` with the real precondition text when `current` does not qualify."""
        metadata = current.obj.get("metadata") or {}
        if self.uid and metadata.get("uid") != self.uid:
            raise Conflict(f"Precondition failed: UID in precondition: {self.uid}, UID in object meta: "
                           f"{metadata.get('uid', '')}", key=key)
        if self.resource_version is not None and current.revision != self.resource_version:
            raise Conflict(f"Precondition failed: ResourceVersion in precondition: {self.resource_version}, "
                           f"ResourceVersion in object meta: {current.revision}", key=key)


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One change of one key, as a backend's watch reports it."""

    type: str
    key: str
    #: the object after the change; for DELETED, the last state stamped with the deleting revision
    stored: Stored
    #: the object before the change (MODIFIED and DELETED), for watchers with selectors
    previous: Stored | None = None


#: Computes the new object from the current one (None when `ignore_not_found` and absent).
#: It may raise to abort the update; returning an object equal to the current one writes nothing.
TryUpdate = Callable[[Stored | None], Awaitable[dict[str, Any]]]


def replacing(obj: dict[str, Any]) -> TryUpdate:
    """A try_update that writes `obj` whatever is stored (guard it with preconditions)."""

    async def replace(_: Stored | None) -> dict[str, Any]:
        return obj

    return replace


class Watch(Protocol):
    """An open watch: events in revision order until `stop()` or the backend ends it."""

    def __aiter__(self) -> AsyncIterator[KeyEvent]: ...

    def stop(self) -> None: ...


class Interface(Protocol):
    """What every backend offers (memory, sqlite, etcd3), and all the cacher needs."""

    #: a short name for the ready line and errors: "memory", "sqlite", "etcd3"
    name: str
    #: True when objects survive a restart of the process
    persistent: bool

    async def get(self, key: str) -> Stored | None:
        """The current object at `key`, or None."""

    async def list(self, prefix: str, *, revision: int = 0) -> tuple[list[tuple[str, Stored]], int]:
        """Every (key, object) under `prefix` in key order, at `revision` (0: the current one).

        Returns the objects and the revision they were read at. Raises `TooOldRevision` for a
        compacted revision and `FutureRevision` for one not reached yet.
        """

    async def create(self, key: str, obj: dict[str, Any]) -> Stored:
        """Store a new object; raises `KeyExists` when the key is taken."""

    async def guaranteed_update(
        self, key: str, try_update: TryUpdate, *, preconditions: Preconditions | None = None,
        ignore_not_found: bool = False,
    ) -> Stored:
        """Read, compute, compare-and-swap, retrying on a lost race (see the module docstring).

        Raises `KeyNotFound` when the key is empty (unless `ignore_not_found`, which calls
        `try_update(None)` and creates) and `Conflict` when `preconditions` fail.
        """

    async def delete(self, key: str, *, preconditions: Preconditions | None = None) -> Stored:
        """Remove the object; returns it stamped with the deleting revision."""

    async def watch(self, prefix: str, *, since: int) -> Watch:
        """Every change under `prefix` after revision `since` (`TooOldRevision` if compacted)."""

    async def current_revision(self) -> int:
        """The newest revision written (a quorum read for etcd3)."""

    async def compacted_revision(self) -> int:
        """The oldest revision a list or watch can still start from."""

    async def close(self) -> None:
        """Release connections and files; open watches end."""
