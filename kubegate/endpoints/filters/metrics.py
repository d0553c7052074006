"""Counting requests as kube-apiserver's instrumented routes do, plus authentication and authorization.

`metrics_filter` sits last, where the real server instruments its REST routes: only requests
that were authorized and name a served resource (or `/healthz`, `/livez`, `/readyz`) are counted
in `apiserver_request_total` and `apiserver_request_duration_seconds` (time since the request
arrived), with `apiserver_response_sizes` for GET and LIST answers. Long-running requests
(watches, logs, exec) are in `apiserver_longrunning_requests` while open; every other request,
served resource or not, in `apiserver_current_inflight_requests` (as max-inflight counts them).

`observe_authentication` and `observe_authorization` are called by those two filters.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client import Gauge
from prometheus_client.metrics import MetricWrapperBase

from kubegate.api import errors
from kubegate.api.requestinfo import RequestInfo
from kubegate.authn.authenticator import AuthResult
from kubegate.authz.authorizer import Decision, Verdict
from kubegate.endpoints.auditing import audit_of, is_long_running
from kubegate.endpoints.context import REQUEST_INFO, server_of
from kubegate.endpoints.filters.types import Handler
from kubegate.endpoints.metrics import labels
from kubegate.endpoints.metrics.registry import ServerMetrics, compress_username
from kubegate.endpoints.responses import body_size

M = TypeVar("M", bound=MetricWrapperBase)

#: metric -> label values -> its child: prometheus_client's `labels()` validates and sorts the
#: label names on every call, nine calls a request; the children never change once made.
_CHILDREN: weakref.WeakKeyDictionary[Any, dict[tuple[tuple[str, str], ...], Any]] = weakref.WeakKeyDictionary()


def _child(metric: M, **values: str) -> M:
    children = _CHILDREN.get(metric)
    if children is None:
        children = _CHILDREN[metric] = {}
    key = tuple(values.items())
    child = children.get(key)
    if child is None:
        child = children[key] = metric.labels(**values)
    return child


#: non-resource paths the real server instruments (its healthz handlers)
INSTRUMENTED_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


def _served(request: web.Request, info: RequestInfo) -> bool:
    if not info.is_resource_request:
        return info.path in INSTRUMENTED_PATHS
    spec = server_of(request).catalog.lookup(info.api_group, info.api_version, info.resource)
    return spec is not None and (not info.subresource or spec.subresource(info.subresource) is not None)


@web.middleware
async def metrics_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    info: RequestInfo = request[REQUEST_INFO]
    metrics = server_of(request).metrics
    long_running = is_long_running(info)
    if not _served(request, info):
        if long_running:
            return await handler(request)
        with _open(_child(metrics.inflight, request_kind=labels.request_kind(info))):
            return await handler(request)
    route = _route(request, info)
    gauge = (_child(metrics.long_running, **route) if long_running
             else _child(metrics.inflight, request_kind=labels.request_kind(info)))
    with _open(gauge):
        try:
            response = await handler(request)
        except errors.StatusError as error:
            _record(metrics, request, route, error.code, None)
            raise
        except web.HTTPException as exc:
            _record(metrics, request, route, exc.status, None)
            raise
        except (asyncio.CancelledError, ConnectionResetError):
            if long_running:  # a watch whose client went away has still been served
                _record(metrics, request, route, 200, None)
            raise
    _record(metrics, request, route, response.status, body_size(response))
    return response


@contextmanager
def _open(gauge: Gauge) -> Iterator[None]:
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def _route(request: web.Request, info: RequestInfo) -> dict[str, str]:
    """The labels a request is counted under (all but dry_run and code)."""
    content_type = request.headers.get("Content-Type", "")
    route = {
        "verb": labels.verb(request.method, info, request.rel_url.query, content_type=content_type),
        "group": info.api_group, "version": info.api_version, "resource": info.resource,
        "subresource": info.subresource, "scope": labels.scope(info), "component": labels.APISERVER_COMPONENT,
    }
    if not info.is_resource_request:  # the healthz handlers: the path as subresource, no component
        route.update(subresource=info.path, component="")
    return route


def _record(metrics: ServerMetrics, request: web.Request, route: dict[str, str], code: int, size: int | None) -> None:
    context = audit_of(request)
    received = context.received if context is not None else datetime.now(UTC)
    elapsed = max((datetime.now(UTC) - received).total_seconds(), 0.0)
    dry_run = labels.dry_run(request.rel_url.query.getall("dryRun", []))
    _child(metrics.requests, dry_run=dry_run, code=str(code), **route).inc()
    _child(metrics.request_duration, dry_run=dry_run, **route).observe(elapsed)
    if size is not None and route["verb"] in ("GET", "LIST"):
        _child(metrics.response_sizes, **route).observe(size)


def observe_authentication(request: web.Request, result: AuthResult | None, *, failed: bool, started: float) -> None:
    """authentication_attempts: success (and the user's category), failure (no one), error (a bad credential)."""
    metrics = server_of(request).metrics
    outcome = "error" if failed else "failure" if result is None else "success"
    if result is not None:
        _child(metrics.authenticated_users, username=compress_username(result.user.name)).inc()
    _child(metrics.authentication_attempts, result=outcome).inc()
    _child(metrics.authentication_duration, result=outcome).observe(time.perf_counter() - started)


def observe_authorization(request: web.Request, verdict: Verdict, *, started: float) -> None:
    metrics = server_of(request).metrics
    if verdict.decision is Decision.ALLOW:
        outcome = "allowed"
    elif verdict.evaluation_error:
        outcome = "error"
    elif verdict.decision is Decision.DENY:
        outcome = "denied"
    else:
        outcome = "no-opinion"
    _child(metrics.authorization_attempts, result=outcome).inc()
    _child(metrics.authorization_duration, result=outcome).observe(time.perf_counter() - started)
