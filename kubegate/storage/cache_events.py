"""What the watch cache hands out: events of one resource, and the watchers that receive them.

An `Event` is a backend's `KeyEvent` placed in its resource (group, plural) and object key
(namespace, name). A `Watcher` is one open watch's pending events; a consumer that falls
`WATCH_QUEUE_LIMIT` events behind is dropped, as the real watch cache drops slow watchers, and
its client re-lists.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kubegate.storage.interface import Stored
from kubegate.storage.keys import ObjectKey, ResourceKey

WATCH_QUEUE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    resource: ResourceKey
    key: ObjectKey
    stored: Stored
    #: the object before the change (MODIFIED and DELETED), for watchers with selectors
    previous: Stored | None = None


class Watcher:
    """One open watch on one resource, optionally narrowed to a namespace.

    The cache pushes events synchronously; the one consumer sleeps in `wait` on a single future
    (no task, no `wait_for` per event: a thousand watchers woken by one event cost a thousand
    future callbacks) and takes everything pending at once, so a burst is one write.
    """

    def __init__(self, resource: ResourceKey, namespace: str, *, on_stop: Callable[[Watcher], None]) -> None:
        self._on_stop = on_stop
        self.resource = resource
        self.namespace = namespace
        self._pending: deque[Event] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self.overflowed = False
        self.stopped = False

    def wants(self, event: Event) -> bool:
        return not self.namespace or event.key[0] == self.namespace

    def push(self, event: Event) -> None:
        if self.stopped:
            return
        if len(self._pending) >= WATCH_QUEUE_LIMIT:
            # A consumer this far behind is dropped, as the watch cache drops slow watchers;
            # the client sees the stream end and re-lists.
            self.overflowed = True
            self.stop()
            return
        self._pending.append(event)
        self._wake()

    def stop(self) -> None:
        """No more events: the consumer gets what is pending, then sees `stopped`."""
        self._on_stop(self)
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake()

    def take(self) -> list[Event]:
        """Every pending event, oldest first."""
        events = list(self._pending)
        self._pending.clear()
        return events

    async def wait(self, until: float) -> None:
        """Return once an event is pending, the watcher stopped, or the loop's clock reaches `until`."""
        if self._pending or self.stopped:
            return
        loop = asyncio.get_running_loop()
        if until <= loop.time():
            return
        timer = self._timer
        if timer is None or self._timer_at != until:
            # one timer for the consumer's next wake-up, re-armed only when that time changes
            if timer is not None:
                timer.cancel()
            self._timer = loop.call_at(until, self._expire)
            self._timer_at = until
        waiter = self._waiter = loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    def _expire(self) -> None:
        self._timer = None
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
