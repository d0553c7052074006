"""Turning objects, lists, tables and Status errors into HTTP responses.

Stored objects keep their JSON bytes, so a JSON GET or LIST is bytes joined together, never a
second serialization; YAML and Table answers are built on demand. Every JSON document ends with
a newline, as the real server's encoder (Go's json.Encoder) writes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from aiohttp import web

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


def list_bytes(
    *,
    kind: str,
    api_version: str,
    items: Sequence[Stored],
    resource_version: str,
    continue_token: str = "",
    remaining: int | None = None,
) -> bytes:
    list_meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        list_meta["continue"] = continue_token
    if remaining is not None:
        list_meta["remainingItemCount"] = remaining
    head = orjson.dumps({"kind": kind, "apiVersion": api_version, "metadata": list_meta})
    # Splice the pre-serialized items into the list object: `{...,"items":[a,b]}` and the
    # encoder's newline, in one join (each `+` would copy the whole list again).
    parts = [head[:-1] + b',"items":[']
    for stored in items:
        parts.append(stored.raw)
        parts.append(b",")
    if len(parts) > 1:
        parts.pop()
    parts.append(b"]}\n")
    return b"".join(parts)


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
