"""Turning objects, lists, tables and Status errors into HTTP responses.

Stored objects keep their JSON bytes, so a JSON GET or LIST is bytes joined together, never a
second serialization; YAML and Table answers are built on demand. Every JSON document ends with
a newline, as the real server's encoder (Go's json.Encoder) writes one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload

from kubegate.api.errors import StatusError
from kubegate.endpoints.negotiation import Accepted, Output, to_yaml
from kubegate.registry.objects import Stored

JSON_TYPE = "application/json"
YAML_TYPE = "application/yaml"


def json_response(payload: bytes, *, status: int = 200, content_type: str = JSON_TYPE) -> web.Response:
    return web.Response(body=payload, status=status, headers={"Content-Type": content_type})


def value_response(value: Any, accepted: Accepted, *, status: int = 200) -> web.Response:
    if accepted.output is Output.YAML:
        return json_response(to_yaml(value), status=status, content_type=YAML_TYPE)
    return json_response(orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE), status=status)


def stored_response(stored: Stored, accepted: Accepted, *, status: int = 200) -> web.Response:
    if accepted.output is Output.YAML:
        return json_response(to_yaml(stored.obj), status=status, content_type=YAML_TYPE)
    return json_response(stored.raw + b"\n", status=status)


class ListBody(Payload):
    """A list's JSON as it is written: the head, the stored items' bytes, the tail.

    A LIST of thousands of objects is tens of megabytes; joining it into one bytes object first
    costs a copy, a large allocation and the time to the first byte. The body is written in
    blocks of about `BLOCK` bytes instead, and its size is known up front, so the answer keeps
    its Content-Length. `joined()` gives the same bytes in one piece (audit, deletecollection).
    """

    BLOCK = 256 * 1024

    def __init__(self, head: bytes, items: Sequence[bytes]) -> None:
        super().__init__(items, content_type=JSON_TYPE)
        self._head = head
        self._items = items
        self._size = len(head) + sum(map(len, items)) + max(len(items) - 1, 0) + len(_LIST_TAIL)

    def blocks(self) -> Iterator[bytes]:
        block: list[bytes] = [self._head]
        filled = len(self._head)
        first = True
        for raw in self._items:
            if not first:
                block.append(b",")
            first = False
            block.append(raw)
            filled += len(raw) + 1
            if filled >= self.BLOCK:
                yield b"".join(block)
                block, filled = [], 0
        block.append(_LIST_TAIL)
        yield b"".join(block)

    def joined(self) -> bytes:
        return b"".join(self.blocks())

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self.joined().decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.joined()

    async def write(self, writer: AbstractStreamWriter) -> None:
        for block in self.blocks():
            await writer.write(block)


#: the end of a list: the items array, the object, and the encoder's newline
_LIST_TAIL = b"]}\n"


def list_body(
    *,
    kind: str,
    api_version: str,
    items: Sequence[Stored],
    resource_version: str,
    continue_token: str = "",
    remaining: int | None = None,
) -> ListBody:
    list_meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        list_meta["continue"] = continue_token
    if remaining is not None:
        list_meta["remainingItemCount"] = remaining
    head = orjson.dumps({"kind": kind, "apiVersion": api_version, "metadata": list_meta})
    # The pre-serialized items are spliced into the list object: `{...,"items":[a,b]}\n`.
    return ListBody(head[:-1] + b',"items":[', [stored.raw for stored in items])


def list_bytes(**fields: Any) -> bytes:
    """The list's JSON in one piece, for answers small enough not to stream."""
    return list_body(**fields).joined()


def list_response(body: ListBody) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": JSON_TYPE})


def body_size(response: web.StreamResponse) -> int | None:
    """The bytes of a prepared answer's body, without joining a streamed list (None: not known)."""
    if not isinstance(response, web.Response):
        return None
    body = response.body
    if isinstance(body, bytes):
        return len(body)
    return body.size if isinstance(body, ListBody) else None


def body_bytes(response: web.StreamResponse, *, join: bool) -> bytes | None:
    """An answer's body as bytes, a streamed list's only when `join` asks (it copies it whole)."""
    if not isinstance(response, web.Response):
        return None
    body = response.body
    if isinstance(body, bytes):
        return body
    return body.joined() if join and isinstance(body, ListBody) else None


def status_response(error: StatusError) -> web.Response:
    response = json_response(orjson.dumps(error.to_status(), option=orjson.OPT_APPEND_NEWLINE), status=error.code)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def success_status(details: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
