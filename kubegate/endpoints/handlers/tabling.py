"""Answering with a Table instead of objects, for `kubectl get`.

A Table of thousands of rows is tens of megabytes (each row carries its object's metadata); it is
encoded in blocks of rows and written as a `ListBody`, never joined into one bytes object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.responses import ListBody, list_response
from kubegate.registry.spec import ResourceSpec
from kubegate.registry.tables import build_table, columns_of

_INCLUDE_OBJECT = ("None", "Metadata", "Object")


def include_object(request: web.Request) -> str:
    value = request.rel_url.query.get("includeObject", "Metadata") or "Metadata"
    if value not in _INCLUDE_OBJECT:
        raise errors.bad_request(f'includeObject: Unsupported value: "{value}": supported values: "None", "Metadata", "Object"')
    return value


def table_for(
    request: web.Request, spec: ResourceSpec, objects: Iterable[dict[str, Any]], **list_meta: Any
) -> dict[str, Any]:
    return build_table(
        objects,
        columns_of(spec),
        spec=spec,
        include_object=include_object(request),
        **list_meta,
    )


#: rows encoded together: large enough that orjson does the work, small enough to stream
ROWS_PER_BLOCK = 256


def table_response(
    request: web.Request, spec: ResourceSpec, objects: Iterable[dict[str, Any]], **list_meta: Any
) -> web.Response:
    """The Table's JSON (rows last, as encoded whole) written as its head and blocks of rows."""
    table = table_for(request, spec, objects, **list_meta)
    rows = table.pop("rows")
    head = orjson.dumps(table)[:-1] + b',"rows":['
    blocks = [orjson.dumps(rows[i : i + ROWS_PER_BLOCK])[1:-1] for i in range(0, len(rows), ROWS_PER_BLOCK)]
    return list_response(ListBody(head, blocks))
