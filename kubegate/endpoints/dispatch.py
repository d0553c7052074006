"""The last step of the pipeline: hand the request to its verb's handler.

Handlers are split by verb, never by resource (ARCHITECTURE.md); non-resource paths have their
own small table.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.api import errors
from kubegate.api.requestinfo import RequestInfo
from kubegate.endpoints.context import REQUEST_INFO
from kubegate.endpoints.filters.types import Handler
from kubegate.endpoints.handlers.create import create
from kubegate.endpoints.handlers.delete import delete, delete_collection
from kubegate.endpoints.handlers.get import get
from kubegate.endpoints.handlers.list import list_
from kubegate.endpoints.handlers.patch import patch
from kubegate.endpoints.handlers.update import update
from kubegate.endpoints.handlers.watch import watch
from kubegate.endpoints.nonresource import serve_nonresource

VERB_HANDLERS: dict[str, Handler] = {
    "get": get,
    "list": list_,
    "watch": watch,
    "create": create,
    "update": update,
    "patch": patch,
    "delete": delete,
    "deletecollection": delete_collection,
}


async def dispatch(request: web.Request) -> web.StreamResponse:
    info: RequestInfo = request[REQUEST_INFO]
    if not info.is_resource_request:
        return await serve_nonresource(request)
    handler = VERB_HANDLERS.get(info.verb)
    if handler is None:
        raise errors.method_not_supported(info.resource, info.verb, group=info.api_group)
    return await handler(request)
