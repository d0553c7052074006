"""Refuse requests past `--max-requests-inflight` / `--max-mutating-requests-inflight` with a 429.

k8s.io/apiserver's `WithMaxInFlightLimit`: read-only requests (get, list, watch) and mutating
ones each have a budget of requests in progress; the one past it is answered at once with
`429 Too many requests, please try again later.` in plain text and `Retry-After: 1`, which
client-go retries. Long-running requests (watches, exec, logs, port-forward, proxy) hold no
slot, and members of system:masters are served even past the budget, so an administrator can
always get in. The filter sits after impersonation, as the real one does, so the exemption
follows the user the request acts as.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import SYSTEM_PRIVILEGED_GROUP, UserInfo
from kubegate.config import ServerConfig
from kubegate.endpoints.auditing import is_long_running
from kubegate.endpoints.context import REQUEST_INFO, USER
from kubegate.endpoints.filters.types import Handler

READ_ONLY_VERBS = frozenset({"get", "list", "watch"})
TOO_MANY_REQUESTS = "Too many requests, please try again later.\n"


@dataclass
class _Budget:
    limit: int  # 0: no limit
    inflight: int = 0


@dataclass
class InflightLimits:
    read_only: _Budget
    mutating: _Budget

    @classmethod
    def from_config(cls, config: ServerConfig) -> InflightLimits:
        return cls(_Budget(max(0, config.max_requests_inflight)), _Budget(max(0, config.max_mutating_requests_inflight)))


LIMITS_KEY: web.AppKey[InflightLimits] = web.AppKey("kubegate.inflight_limits", InflightLimits)


def install(app: web.Application, config: ServerConfig) -> None:
    app[LIMITS_KEY] = InflightLimits.from_config(config)


def too_many_requests() -> web.Response:
    """Go's `http.Error(w, "Too many requests, please try again later.", 429)` with Retry-After."""
    return web.Response(
        status=429, text=TOO_MANY_REQUESTS, content_type="text/plain", charset="utf-8",
        headers={"Retry-After": "1", "X-Content-Type-Options": "nosniff"},
    )


@web.middleware
async def max_inflight_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app.get(LIMITS_KEY)
    info: RequestInfo | None = request.get(REQUEST_INFO)
    if limits is None or info is None or is_long_running(info):
        return await handler(request)
    budget = limits.read_only if info.verb in READ_ONLY_VERBS else limits.mutating
    if budget.limit == 0:
        return await handler(request)
    if budget.inflight >= budget.limit:
        user: UserInfo | None = request.get(USER)
        if user is not None and SYSTEM_PRIVILEGED_GROUP in user.groups:
            return await handler(request)  # served past the budget, holding no slot
        return too_many_requests()
    budget.inflight += 1
    try:
        return await handler(request)
    finally:
        budget.inflight -= 1
