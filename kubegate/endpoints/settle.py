"""`GET /debug/kubegate/settle`: wait, from outside the process, until the cluster is idle.

Tests that drive kubegate over HTTP (kubectl, client libraries, another language's test suite)
call it instead of sleeping: it answers once the watch cache holds every acknowledged write and
no controller has work queued, in flight, or due within two seconds. `?timeout=SECONDS` bounds
the wait (default 30); past it the answer is a 504 Status. It is a non-resource URL, so RBAC
decides who may call it (cluster-admin may).
"""

from __future__ import annotations

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.nonresource import page_not_found
from kubegate.endpoints.state import APIServer

PATH = ("debug", "kubegate", "settle")
MAX_TIMEOUT = 300.0


async def settle(request: web.Request, parts: list[str]) -> web.StreamResponse:
    if tuple(parts) != PATH:
        return page_not_found()
    text = request.rel_url.query.get("timeout", "30")
    try:
        timeout = float(text[:20])
    except ValueError:
        raise errors.bad_request(f"invalid timeout {text[:20]!r}: seconds expected") from None
    if not 0 < timeout <= MAX_TIMEOUT:
        raise errors.bad_request(f"timeout must be between 0 and {MAX_TIMEOUT:g} seconds")
    server = server_of(request)
    try:
        await server.settle(timeout=timeout)
    except TimeoutError:
        raise errors.StatusError(504, "Timeout", f"Timeout: the cluster did not settle within {timeout:g}s") from None
    body = {"settled": True, "resourceVersion": str(server.store.revision)}
    return web.Response(body=orjson.dumps(body) + b"\n", content_type="application/json")


def install(state: APIServer) -> None:
    state.nonresource_routes["debug"] = settle
