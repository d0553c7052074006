"""A window of recent events, bounded by count and by bytes: what watch resumes and 410s rest on.

The memory backend keeps one for watches and lists at a past revision; the watch cache keeps
one for the same reasons above any backend. A count alone is not a bound: 150 replacements of a
900 KB ConfigMap would pin 150 copies, so the objects' encoded size counts as well. What leaves
the window moves `compacted`: a watch or list must start at or after it (else 410 Expired).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from kubegate.storage.errors import TooOldRevision
from kubegate.storage.interface import Stored


class _HasStored(Protocol):
    @property
    def stored(self) -> Stored: ...


E = TypeVar("E", bound=_HasStored)


class History(Generic[E]):
    def __init__(self, *, limit: int, limit_bytes: int) -> None:
        self._events: deque[E] = deque()
        self._limit = max(1, limit)
        self._limit_bytes = limit_bytes
        self._bytes = 0
        #: the newest revision that left the window: resuming at or after it is still possible
        self.compacted = 0

    @property
    def limit(self) -> int:
        return self._limit

    def append(self, event: E) -> None:
        self._events.append(event)
        self._bytes += len(event.stored.raw)
        while len(self._events) > self._limit or (self._bytes > self._limit_bytes and len(self._events) > 1):
            old = self._events.popleft()
            self._bytes -= len(old.stored.raw)
            self.compacted = max(self.compacted, old.stored.revision)

    def clear(self, *, compacted: int) -> None:
        self._events.clear()
        self._bytes = 0
        self.compacted = compacted

    def after(self, revision: int) -> Iterator[E]:
        """Events newer than `revision`, oldest first (`TooOldRevision` if it left the window)."""
        if revision < self.compacted:
            raise TooOldRevision(revision, self.compacted)
        return (event for event in self._events if event.stored.revision > revision)

    def newest_first(self) -> Iterator[E]:
        return reversed(self._events)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._events)
