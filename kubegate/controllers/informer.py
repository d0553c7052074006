"""Informers over the watch cache, and the controller shape every controller here takes.

A real controller lists and watches through a shared informer, turns each event into a key on
a work queue, and reconciles keys in workers: it reads the current state from the informer's
cache and writes through the API. kubegate's informers are the watch cache itself: it already
holds every object in memory and hands every change, from this process or another sharing the
backend, to its subscribers. `Informers` fans those changes out by resource; a `Controller`
maps them to keys and reconciles each key after the write that caused it has been answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from kubegate.controllers.workqueue import ShutDown, WorkQueue
from kubegate.registry.objects import Event, ObjectCache, ResourceKey, Stored

log = logging.getLogger("kubegate.controllers")

Handler = Callable[[Event], None]


class Informers:
    """Event handlers by resource, fed by one subscription to the cache."""

    def __init__(self, cache: ObjectCache) -> None:
        self.cache = cache
        self._handlers: dict[ResourceKey, list[Handler]] = {}
        self._any: list[Handler] = []
        self._unsubscribe = cache.subscribe(self._dispatch)

    def on(self, resource: ResourceKey | None, handler: Handler) -> None:
        """Call `handler` for every change of `resource` (every resource when None)."""
        if resource is None:
            self._any.append(handler)
        else:
            self._handlers.setdefault(resource, []).append(handler)

    def list(self, resource: ResourceKey, *, namespace: str = "") -> list[Stored]:
        """The lister: current objects of a resource from the cache, in key order."""
        return list(self.cache.scan(resource, namespace=namespace))

    def _dispatch(self, event: Event) -> None:
        for handler in (*self._handlers.get(event.resource, ()), *self._any):
            try:
                handler(event)
            except Exception:
                log.exception("informer handler failed on %s %s %s", event.type, event.resource, event.key)

    def close(self) -> None:
        self._unsubscribe()


class Controller:
    """Keys from events, reconciled by workers with retries; subclasses say which and how.

    Subclasses register their event handlers in `__init__` (through `self.watch`), list what
    exists in `initial_keys`, and implement `reconcile(key)`. A reconcile that raises is retried
    with backoff; one that wants to look again later calls `self.queue.add_after`.
    """

    name = "controller"
    workers = 1
    #: kube-controller-manager's controllers run only in the elected process; apiserver ones everywhere
    leader_elected = True

    def __init__(self, informers: Informers) -> None:
        self.informers = informers
        self.cache = informers.cache
        self.queue = WorkQueue()
        self._tasks: list[asyncio.Task[None]] = []
        self.running = False

    def watch(self, resource: ResourceKey | None, keys: Callable[[Event], Iterable[Hashable]]) -> None:
        """Enqueue `keys(event)` for every change of `resource`."""

        def enqueue(event: Event) -> None:
            if not self.running:
                return  # not started (or not leading): `initial_keys` covers it at start
            for key in keys(event):
                self.queue.add(key)

        self.informers.on(resource, enqueue)

    def initial_keys(self) -> Iterable[Hashable]:
        """Keys to reconcile at start, from what the cache already holds."""
        return ()

    async def reconcile(self, key: Any) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.queue = WorkQueue(on_change=self.queue._on_change)  # a fresh queue after a restart
        self.running = True
        for key in self.initial_keys():
            self.queue.add(key)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work(), name=f"{self.name}-{i}") for i in range(self.workers)]

    async def stop(self) -> None:
        self.running = False
        self.queue.shut_down()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks = []

    async def _work(self) -> None:
        queue = self.queue
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return
            try:
                await self.reconcile(key)
            except asyncio.CancelledError:
                queue.done(key)
                raise
            except Exception:  # a controller keeps going; the key comes back after a backoff
                log.exception("%s: reconciling %s failed", self.name, key)
                queue.add_rate_limited(key)
            else:
                queue.forget(key)
            queue.done(key)
