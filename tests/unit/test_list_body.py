"""A LIST or Table answer written in blocks is byte for byte what one encoding would write, with its size."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from kubegate.api import clock
from kubegate.endpoints.handlers import tabling
from kubegate.endpoints.responses import ListBody, list_body, list_bytes
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.storage.interface import Stored


def stored(index: int) -> Stored:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{index}"}, "data": {"v": "x" * index}}
    return Stored(obj=obj, raw=orjson.dumps(obj), revision=index + 1)


def expected(items: list[Stored], **list_meta: Any) -> bytes:
    whole = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": list_meta, "items": [s.obj for s in items]}
    return orjson.dumps(whole, option=orjson.OPT_APPEND_NEWLINE)


class Collected:
    """Stands in for aiohttp's payload writer: keeps what is written."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.written.append(chunk)


@pytest.mark.parametrize("count", [0, 1, 2, 300])
async def test_the_blocks_are_the_encoded_list(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ListBody, "BLOCK", 1000)  # many blocks, boundaries inside the items
    items = [stored(i) for i in range(count)]
    body = list_body(kind="ConfigMapList", api_version="v1", items=items, resource_version="7", continue_token="abc", remaining=3)
    want = expected(items, resourceVersion="7", **{"continue": "abc"}, remainingItemCount=3)
    writer = Collected()
    await body.write(writer)  # type: ignore[arg-type]
    assert b"".join(writer.written) == want
    assert body.joined() == want
    assert body.size == len(want)
    if count == 300:
        assert len(writer.written) > 10


def test_the_joined_list_has_no_paging_fields_unless_paging() -> None:
    items = [stored(i) for i in range(3)]
    assert list_bytes(kind="ConfigMapList", api_version="v1", items=items, resource_version="9") == expected(items, resourceVersion="9")


@pytest.mark.parametrize("count", [0, 1, 256, 257, 600])
def test_a_streamed_table_is_the_whole_table_encoded(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 2, tzinfo=UTC))  # one Age for both encodings
    spec = next(s for s in BUILTIN_RESOURCES if s.plural == "configmaps")
    objects = [{"metadata": {"name": f"c{i}", "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"k": "v"}} for i in range(count)]
    request: Any = SimpleNamespace(rel_url=SimpleNamespace(query={}))  # what table_response reads
    for list_meta in ({}, {"resource_version": "5", "continue_token": "x", "remaining": 3}):
        whole = orjson.dumps(tabling.table_for(request, spec, objects, **list_meta), option=orjson.OPT_APPEND_NEWLINE)
        answer = tabling.table_response(request, spec, objects, **list_meta)
        assert isinstance(answer.body, ListBody)
        assert answer.body.joined() == whole
        assert answer.body.size == len(whole)
