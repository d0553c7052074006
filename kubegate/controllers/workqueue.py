"""A rate-limited work queue, as client-go's: what a controller has left to reconcile.

A key waiting in the queue is held once however often it is added; a key being processed is
not handed to a second worker, and if it is added meanwhile it comes back once the first is
done. A failed key returns after a per-key exponential backoff (5 ms doubling to 1000 s, as
client-go's default controller rate limiter), and `forget` resets that backoff after a success.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Hashable

BASE_DELAY = 0.005
MAX_DELAY = 1000.0


class ShutDown(Exception):
    """The queue was shut down: its workers stop."""


class WorkQueue:
    def __init__(self, *, on_change: Callable[[], None] | None = None) -> None:
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        #: key -> loop time it is due at, for keys added with a delay
        self._delayed: dict[Hashable, float] = {}
        self._ready = asyncio.Event()
        self._on_change = on_change
        self._shut = False

    # adding ------------------------------------------------------------------------------------

    def add(self, key: Hashable) -> None:
        if self._shut or key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._ready.set()
        self._changed()

    def add_after(self, key: Hashable, delay: float) -> None:
        if self._shut:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        if key in self._delayed and self._delayed[key] <= due:
            return
        self._delayed[key] = due
        loop.call_at(due, self._release, key, due)
        self._changed()

    def add_rate_limited(self, key: Hashable) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(MAX_DELAY, BASE_DELAY * (2 ** failures)))

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def _release(self, key: Hashable, due: float) -> None:
        if self._delayed.get(key) == due:
            del self._delayed[key]
            self.add(key)
            self._changed()

    # taking ------------------------------------------------------------------------------------

    async def get(self) -> Hashable:
        """The next key; raises `ShutDown` once the queue is shut down (even if a worker
        swallowed the cancellation meant to stop it, as asyncio.wait_for can before 3.12)."""
        while not self._queue:
            if self._shut:
                raise ShutDown
            self._ready.clear()
            await self._ready.wait()
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: Hashable) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)  # added again while it was processed
            self._ready.set()
        self._changed()

    def shut_down(self) -> None:
        self._shut = True
        self._queue.clear()
        self._dirty.clear()
        self._delayed.clear()
        self._ready.set()

    # state ---------------------------------------------------------------------------------------

    def busy(self, *, horizon: float) -> bool:
        """Work queued, in flight, or due within `horizon` seconds."""
        if self._queue or self._processing:
            return True
        if not self._delayed:
            return False
        limit = asyncio.get_running_loop().time() + horizon
        return any(due <= limit for due in self._delayed.values())

    def __len__(self) -> int:
        return len(self._queue)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
