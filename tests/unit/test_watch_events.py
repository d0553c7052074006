"""What a watcher with selectors sees of a change, and when bookmarks are due."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kubegate.endpoints.handlers import watch
from kubegate.registry.objects import ADDED, DELETED, MODIFIED, Event, Stored

KEY = ("", "configmaps")


def stored(revision: int, **labels: str) -> Stored:
    obj: dict[str, Any] = {"metadata": {"name": "x", "labels": labels, "resourceVersion": str(revision)}}
    return Stored(obj, orjson.dumps(obj), revision)


def front(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"]["labels"].get("tier") == "front")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event(ADDED, KEY, ("ns", "x"), stored(2, tier="front")), (ADDED, 2, "front")),
        (Event(ADDED, KEY, ("ns", "x"), stored(2, tier="back")), None),
        (Event(MODIFIED, KEY, ("ns", "x"), stored(3, tier="front"), stored(2, tier="back")), (ADDED, 3, "front")),
        (Event(MODIFIED, KEY, ("ns", "x"), stored(3, tier="front"), stored(2, tier="front")), (MODIFIED, 3, "front")),
        # leaving the selection: the last matching content, at the change's revision
        (Event(MODIFIED, KEY, ("ns", "x"), stored(3, tier="back"), stored(2, tier="front")), (DELETED, 3, "front")),
        (Event(DELETED, KEY, ("ns", "x"), stored(4, tier="front"), stored(3, tier="front")), (DELETED, 4, "front")),
        (Event(DELETED, KEY, ("ns", "x"), stored(4, tier="back"), stored(3, tier="back")), None),
    ],
)  # fmt: skip
def test_translate(event: Event, expected: tuple[str, int, str] | None) -> None:
    seen = watch.translate(event, front)
    if expected is None:
        assert seen is None
        return
    assert seen is not None
    kind, shown = seen
    assert (kind, shown.revision, shown.obj["metadata"]["labels"]["tier"]) == expected
    assert shown.obj["metadata"]["resourceVersion"] == str(expected[1])
    assert orjson.loads(shown.raw) == shown.obj


def test_bookmarks_come_every_minute_and_last_two_seconds_before_the_deadline() -> None:
    assert watch._next_bookmark(100.0, deadline=1000.0) == 160.0
    assert watch._next_bookmark(100.0, deadline=130.0) == 128.0
    assert watch._next_bookmark(100.0, deadline=101.0) is None
