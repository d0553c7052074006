"""A resource's objects at one revision, in etcd key order, read without copying the resource.

A paged list reads every page at the first page's revision. Copying and sorting the whole
resource for each page made 20 pages cost 16 full lists; instead the watch cache keeps each
resource's keys sorted as etcd orders them (`namespace/name`, compared as strings, which is byte
order for the characters names may hold), and a snapshot is that live index plus an overlay of
what changed after the revision (from the history, usually nothing): a page is a bisection and
as many steps as the page has objects.

A snapshot reads the live objects: use it before the event loop runs again.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from kubegate.storage.interface import Stored
from kubegate.storage.keys import ObjectKey


def composite(key: ObjectKey) -> str:
    """The key as etcd orders it under a resource's prefix: `namespace/name` (`/name` if cluster-scoped)."""
    return f"{key[0]}/{key[1]}"


def split(text: str) -> ObjectKey:
    namespace, _, name = text.partition("/")
    return namespace, name


def upper_bound(prefix: str) -> str | None:
    """The first string after every string starting with `prefix` (which ends in `/`)."""
    return prefix[:-1] + "0" if prefix else None


class Snapshot:
    """The objects whose composite keys start with `prefix`, as they were at a revision."""

    __slots__ = ("_extra", "_hi", "_index", "_lo", "_objects", "_overlay", "_prefix", "_upper")

    def __init__(
        self, objects: dict[ObjectKey, Stored], index: list[str], overlay: dict[str, Stored | None], prefix: str
    ) -> None:
        self._objects = objects
        self._index = index
        self._overlay = overlay
        self._prefix = prefix
        self._upper = upper = upper_bound(prefix)
        self._lo = bisect.bisect_left(index, prefix) if prefix else 0
        self._hi = bisect.bisect_left(index, upper) if upper is not None else len(index)
        # keys deleted since the revision: in the snapshot, no longer in the index
        self._extra = sorted(
            text for text, stored in overlay.items()
            if stored is not None and split(text) not in objects and self._within(text)
        )

    def items(self, start: str = "") -> Iterator[tuple[str, Stored]]:
        """(composite key, object) in key order, from the first key >= `start`."""
        index, objects, overlay, extra = self._index, self._objects, self._overlay, self._extra
        position = max(self._lo, bisect.bisect_left(index, start, self._lo, self._hi)) if start else self._lo
        hi = self._hi
        if not overlay:  # at the current revision: the live index as it is
            for text in index[position:hi]:
                yield text, objects[split(text)]
            return
        other = bisect.bisect_left(extra, start) if start else 0
        while position < hi:
            text = index[position]
            while other < len(extra) and extra[other] < text:
                yield extra[other], overlay[extra[other]]  # type: ignore[misc]
                other += 1
            position += 1
            if overlay and text in overlay:
                was = overlay[text]
                if was is not None:
                    yield text, was
            else:
                yield text, objects[split(text)]
        for text in extra[other:]:
            yield text, overlay[text]  # type: ignore[misc]

    def count_after(self, key: str) -> int:
        """How many objects of the snapshot have a key after `key`."""
        count = self._hi - max(self._lo, bisect.bisect_right(self._index, key, self._lo, self._hi))
        count += len(self._extra) - bisect.bisect_right(self._extra, key)
        for text, was in self._overlay.items():
            # absent at the revision but in the index now
            if was is None and text > key and self._within(text) and split(text) in self._objects:
                count -= 1
        return count

    def _within(self, text: str) -> bool:
        return text >= self._prefix and (self._upper is None or text < self._upper)
