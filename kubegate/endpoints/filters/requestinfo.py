"""Resolve what the request is about (verb, resource, namespace, name) before authentication.

As in the real server this runs first, because the 401 and 403 answers are phrased from it.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.api.requestinfo import RequestInfoError, resolve_request_info
from kubegate.endpoints.context import REQUEST_INFO
from kubegate.endpoints.filters.types import Handler


@web.middleware
async def requestinfo_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        request[REQUEST_INFO] = resolve_request_info(request.method, request.path, request.rel_url.query)
    except RequestInfoError as error:
        # the real server answers this one with plain text, not a Status
        return web.Response(status=500, text=error.response_text(request.path_qs), content_type="text/plain")
    return await handler(request)
