"""A Go slice over a caller's list, for the list merges whose results depend on aliasing."""

from __future__ import annotations

from typing import Any


class SharedSlice:
    """A Go slice over the caller's list: deletions and appends write into it as Go's do.

    Go deletes with `append(s[:i], s[i+1:]...)` and appends in place while there is room, so
    the live list the caller still holds changes under it; `$setElementOrder` then orders by
    that changed list, and the real results (the upstream tests pin them) depend on it.
    """

    def __init__(self, backing: list[Any]) -> None:
        self.backing = backing
        self.length = len(backing)
        self.overflow: list[Any] = []

    def view(self) -> list[Any]:
        return self.backing[: self.length] + self.overflow

    def delete(self, index: int) -> None:
        assert not self.overflow
        self.backing[index : self.length - 1] = self.backing[index + 1 : self.length]
        self.length -= 1

    def append(self, item: Any) -> None:
        if self.length < len(self.backing) and not self.overflow:
            self.backing[self.length] = item
            self.length += 1
        else:
            self.overflow.append(item)

    def set(self, index: int, item: Any) -> None:
        if index < self.length:
            self.backing[index] = item
        else:
            self.overflow[index - self.length] = item
