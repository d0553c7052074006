"""A watcher's pending events: a consumer far behind is dropped after what it already had."""

from __future__ import annotations

import asyncio

import pytest

from kubegate.storage import cache_events
from kubegate.storage.cache_events import Event, Watcher
from kubegate.storage.interface import Stored

CONFIGMAPS = ("", "configmaps")


def event(revision: int) -> Event:
    obj = {"metadata": {"name": f"c{revision}", "namespace": "default"}}
    return Event("ADDED", CONFIGMAPS, ("default", f"c{revision}"), Stored(obj, b"{}", revision))


async def test_a_consumer_far_behind_gets_what_was_pending_then_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped: list[Watcher] = []
    watcher = Watcher(CONFIGMAPS, "", on_stop=stopped.append)
    monkeypatch.setattr(cache_events, "WATCH_QUEUE_LIMIT", 3)
    for revision in range(1, 6):
        watcher.push(event(revision))
    assert watcher.overflowed and watcher.stopped and stopped == [watcher]
    assert [e.stored.revision for e in watcher.take()] == [1, 2, 3]
    await asyncio.wait_for(watcher.wait(asyncio.get_running_loop().time() + 60), 1)  # at once: stopped


async def test_wait_returns_at_its_time_or_at_the_next_event() -> None:
    loop = asyncio.get_running_loop()
    watcher = Watcher(CONFIGMAPS, "default", on_stop=lambda _: None)
    started = loop.time()
    await watcher.wait(started + 0.05)
    assert loop.time() >= started + 0.04 and watcher.take() == []
    waiting = asyncio.ensure_future(watcher.wait(loop.time() + 60))
    await asyncio.sleep(0)
    watcher.push(event(7))
    await asyncio.wait_for(waiting, 1)
    assert [e.stored.revision for e in watcher.take()] == [7]
    watcher.stop()
    watcher.push(event(8))  # after the stop: nothing more
    assert watcher.take() == []
