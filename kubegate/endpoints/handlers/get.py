"""GET of one object (or of a subresource that reads as the object, such as status).

Subresources that answer something else than an object (the text of `pods/log`, the WebSocket
of `pods/exec`) have their own handler in `STREAMED`, looked up first.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import resolve_target
from kubegate.endpoints.handlers.freshness import wait_until_fresh
from kubegate.endpoints.handlers.tabling import table_response
from kubegate.endpoints.negotiation import Output
from kubegate.endpoints.responses import stored_response, value_response
from kubegate.endpoints.state import VirtualHandler
from kubegate.endpoints.virtual import podstreams

#: GET handlers of subresources that are not objects, by (group, plural, subresource)
STREAMED: dict[tuple[str, str, str], VirtualHandler] = {
    ("", "pods", "log"): podstreams.get_log,
    ("", "pods", "exec"): podstreams.connect_exec,  # WebSocket upgrades
    ("", "pods", "attach"): podstreams.connect_exec,
    ("", "pods", "portforward"): podstreams.connect_portforward,
}


async def get(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="get")
    server = server_of(request)
    # resourceVersion N reads state at least that new, waiting for it if need be.
    await wait_until_fresh(server.rest, request.rel_url.query.get("resourceVersion", ""))
    streamed = STREAMED.get((target.spec.group, target.spec.plural, target.subresource))
    if streamed is not None:
        return await streamed(request, target)
    storage = server.virtual_subresources.get((target.spec.group, target.spec.plural, target.subresource))
    if storage is not None:  # a subresource computed from its parent (scale)
        return value_response(storage.get(server.rest, target), target.accepted)
    stored = server.rest.get(target.spec, target.namespace, target.name)
    if target.accepted.output is Output.TABLE:
        return table_response(request, target.spec, [stored.obj], resource_version=str(stored.revision))
    return stored_response(stored, target.accepted)
