"""Carry out the fault rules (`--faults`, `Server.faults`): a Status, a delay, a reset, a timeout.

The filter sits where the real server's priority-and-fairness filter does (after
authentication and impersonation, before authorization), which is where a real 429 comes
from; the rule can so match on the user the request acts as. Each answer is the one the real
server would give for that code: a `Status` with the reason and message of
k8s.io/apimachinery's constructors, and `Retry-After` (header and `details.retryAfterSeconds`)
where the rule or the code asks for one, so that client-go retries exactly as it would.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.api.faults import REQUEST_TIMEOUT, FaultRule, Reply
from kubegate.api.gofmt import klog_pairs
from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.config import parse_duration
from kubegate.endpoints.context import REQUEST_INFO, USER, server_of
from kubegate.endpoints.filters.authorization import attributes_for, forbidden_error
from kubegate.endpoints.filters.types import Handler

log = logging.getLogger("kubegate.faults")

#: What fault a request met, for request logs (`Server`'s request log line shows it).
FAULT: Any = web.RequestKey("kubegate.fault", str) if hasattr(web, "RequestKey") else "kubegate.fault"

#: kube-apiserver's --request-timeout: how long `timeout: true` waits without `?timeout=`.
DEFAULT_REQUEST_TIMEOUT = 60.0

TIMEOUT_MESSAGE = "request did not complete within requested timeout - context deadline exceeded"

StatusBuilder = Callable[[Reply, RequestInfo, UserInfo], errors.StatusError]

#: The Status each code answers with, phrased as the real server's constructors phrase it.
STATUS_BUILDERS: dict[int, StatusBuilder] = {
    400: lambda reply, info, user: errors.bad_request(
        reply.message or "the server rejected our request for an unknown reason"
    ),
    401: lambda reply, info, user: errors.StatusError(401, "Unauthorized", reply.message or "Unauthorized"),
    403: lambda reply, info, user: forbidden_error(attributes_for(info, user), reply.message),
    404: lambda reply, info, user: (
        errors.not_found(info.resource, info.name, group=info.api_group)
        if info.resource and info.name else errors.path_not_found()
    ),
    409: lambda reply, info, user: errors.conflict(
        info.resource, info.name, reply.message or errors.MODIFIED_CONFLICT, group=info.api_group
    ),
    410: lambda reply, info, user: errors.expired(reply.message or "resource version too old"),
    429: lambda reply, info, user: errors.StatusError(
        429, "TooManyRequests", reply.message or "Too many requests, please try again later."
    ),
    500: lambda reply, info, user: errors.internal(reply.message or "fault injected by kubegate"),
    503: lambda reply, info, user: errors.service_unavailable(
        reply.message or "the server is currently unable to handle the request"
    ),
    504: lambda reply, info, user: errors.StatusError(504, "Timeout", f"Timeout: {reply.message or TIMEOUT_MESSAGE}"),
}


def status_for(reply: Reply, info: RequestInfo, user: UserInfo) -> errors.StatusError:
    error = STATUS_BUILDERS[reply.code](reply, info, user)
    if reply.reason:
        error = replace(error, reason=reply.reason)
    retry = reply.retry_after
    if retry:
        error = replace(
            error,
            details={**(error.details or {}), "retryAfterSeconds": retry},
            headers={**error.headers, "Retry-After": str(retry)},
        )
    return error


@web.middleware
async def faults_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    server = server_of(request)
    if not len(server.faults):
        return await handler(request)
    info: RequestInfo = request[REQUEST_INFO]
    user: UserInfo = request[USER]
    rule = server.faults.take(info, user.name)
    if rule is None:
        return await handler(request)
    request[FAULT] = rule.describe()
    log.info('"Fault injected" %s', klog_pairs(method=request.method, path=request.path, fault=request[FAULT]))
    if rule.latency:
        await asyncio.sleep(rule.latency)
    if rule.respond is not None:
        raise status_for(rule.respond, info, user)
    if rule.reset:
        reset_connection(request)
        # never sent (aiohttp finds the connection gone and drops it quietly); request logs show
        # nginx's 444, "closed without a response"
        return web.Response(status=444)
    if rule.timeout is not None:
        await asyncio.sleep(_timeout_seconds(rule, request))
        raise errors.StatusError(504, "Timeout", f"Timeout: {TIMEOUT_MESSAGE}")
    if rule.expire_watch:
        return await expired_watch(request, current=server.store.revision)
    if rule.end_watch is not None:
        request = _shortened_watch(request, rule.end_watch)
    return await handler(request)


def reset_connection(request: web.Request) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed or cut-off server would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # the connection is dropped all the same, with a FIN
    transport.abort()


def _timeout_seconds(rule: FaultRule, request: web.Request) -> float:
    if rule.timeout != REQUEST_TIMEOUT and rule.timeout is not None:
        return rule.timeout
    try:
        return parse_duration(request.query["timeout"]) or DEFAULT_REQUEST_TIMEOUT
    except (KeyError, ValueError):
        return DEFAULT_REQUEST_TIMEOUT


def _shortened_watch(request: web.Request, seconds: int) -> web.Request:
    """The watch as if it had asked for `timeoutSeconds` (its own, if shorter): it ends cleanly."""
    asked = request.query.get("timeoutSeconds", "")
    if asked.isdigit() and 0 < int(asked) <= seconds:
        return request
    return request.clone(rel_url=request.rel_url.update_query(timeoutSeconds=str(seconds)))


async def expired_watch(request: web.Request, *, current: int) -> web.StreamResponse:
    """A watch stream of one ERROR event, a 410 Expired, as the watch cache sends for a
    resourceVersion that left its history; the client has to list again."""
    asked = request.query.get("resourceVersion", "")
    requested = int(asked) if asked.isdigit() and int(asked) > 0 else 1
    error = errors.too_old_resource_version(requested, current)
    response = web.StreamResponse(headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(orjson.dumps({"type": "ERROR", "object": error.to_status()}) + b"\n")
    await response.write_eof()
    return response
