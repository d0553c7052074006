"""The store: revisions, optimistic concurrency and resumable watches with bounded history."""

from __future__ import annotations

import pytest

from kubegate.api.errors import StatusError
from kubegate.storage.memory import ADDED, DELETED, MODIFIED, Store

PODS = ("", "pods")


def obj(name: str, **extra: object) -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": "ns"}, **extra}


def test_every_write_takes_the_next_revision() -> None:
    store = Store()
    a = store.create(PODS, ("ns", "a"), obj("a"))
    b = store.create(PODS, ("ns", "b"), obj("b"))
    assert a is not None and b is not None
    assert (a.revision, b.revision) == (1, 2)
    assert b.obj["metadata"]["resourceVersion"] == "2"
    assert store.create(PODS, ("ns", "a"), obj("a")) is None  # taken


def test_update_needs_the_current_revision() -> None:
    store = Store()
    created = store.create(PODS, ("ns", "a"), obj("a"))
    assert created is not None
    assert store.update(PODS, ("ns", "a"), obj("a", spec={}), expected=created.revision + 5) is None
    updated = store.update(PODS, ("ns", "a"), obj("a", spec={}), expected=created.revision)
    assert updated is not None and updated.revision == 2


def test_lists_come_in_key_order_and_resume_after_a_key() -> None:
    store = Store()
    for name in ("c", "a", "b"):
        store.create(PODS, ("ns", name), obj(name))
    assert [s.obj["metadata"]["name"] for s in store.scan(PODS)] == ["a", "b", "c"]
    assert [s.obj["metadata"]["name"] for s in store.scan(PODS, after=("ns", "a"))] == ["b", "c"]


async def test_watch_resumes_from_a_revision() -> None:
    store = Store()
    store.create(PODS, ("ns", "a"), obj("a"))
    second = store.create(PODS, ("ns", "b"), obj("b"))
    assert second is not None
    watcher, backlog = store.watch(PODS, since=1)
    assert [(e.type, e.key) for e in backlog] == [(ADDED, ("ns", "b"))]
    store.update(PODS, ("ns", "b"), obj("b", spec={}), expected=second.revision)
    store.delete(PODS, ("ns", "a"))
    first, then = await watcher.queue.get(), await watcher.queue.get()
    assert first is not None and then is not None
    assert (first.type, then.type) == (MODIFIED, DELETED)
    assert then.stored.revision == 4  # a deletion is a revision of its own
    watcher.stop()
    assert await watcher.queue.get() is None


def test_watch_older_than_history_is_410() -> None:
    store = Store(history=2)
    for name in "abcd":
        store.create(PODS, ("ns", name), obj(name))
    with pytest.raises(StatusError) as caught:
        store.watch(PODS, since=1)
    assert caught.value.code == 410
    assert caught.value.message == "too old resource version: 1 (2)"  # (oldest kept - 1), as the watch cache says
    _, backlog = store.watch(PODS, since=2)
    assert [e.key[1] for e in backlog] == ["c", "d"]
