"""GET of one object (or of a subresource that reads as the object, such as status)."""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import resolve_target
from kubegate.endpoints.handlers.tabling import table_response
from kubegate.endpoints.negotiation import Output
from kubegate.endpoints.responses import stored_response


async def get(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="get")
    stored = server_of(request).rest.get(target.spec, target.namespace, target.name)
    if target.accepted.output is Output.TABLE:
        return table_response(request, target.spec, [stored.obj], resource_version=str(stored.revision))
    return stored_response(stored, target.accepted)
