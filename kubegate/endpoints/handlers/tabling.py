"""Answering with a Table instead of objects, for `kubectl get`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.responses import json_response
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


def table_response(
    request: web.Request, spec: ResourceSpec, objects: Iterable[dict[str, Any]], **list_meta: Any
) -> web.Response:
    return json_response(orjson.dumps(table_for(request, spec, objects, **list_meta), option=orjson.OPT_APPEND_NEWLINE))
