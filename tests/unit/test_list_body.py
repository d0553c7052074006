"""A LIST answer written in blocks is byte for byte the list the encoder would write, with its size."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kubegate.endpoints.responses import ListBody, list_body, list_bytes
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
