"""`--max-requests-inflight` / `--max-mutating-requests-inflight`: the real 429 past the budget.

The filter runs in a bare aiohttp app whose handler waits on an event, so "a request in
progress" is a fact the test controls rather than a race it hopes to win.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.config import ServerConfig
from kubegate.endpoints.context import REQUEST_INFO, USER
from kubegate.endpoints.filters import maxinflight
from kubegate.endpoints.filters.types import Handler


def _info(method: str, path: str) -> RequestInfo:
    verb = {"GET": "list", "POST": "create"}[method]
    subresource = ""
    if "watch=1" in path:
        verb = "watch"
    if path.endswith("/log"):
        verb, subresource = "get", "log"
    return RequestInfo(
        is_resource_request=True, path=path, verb=verb, api_prefix="api", api_group="", api_version="v1",
        namespace="default", resource="pods", subresource=subresource, name="", parts=("pods",),
    )


@web.middleware
async def identify(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_INFO] = _info(request.method, request.path_qs)
    groups = ("system:masters",) if request.headers.get("X-Test-Admin") else ()
    request[USER] = UserInfo(request.headers.get("X-Test-User", "alice"), groups=groups)
    return await handler(request)


class Held:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def handler(self, request: web.Request) -> web.Response:
        self.entered += 1
        if request.query.get("hold"):
            await self.release.wait()
        return web.Response(text="ok")


@pytest.fixture
async def held() -> Held:
    return Held()


@pytest.fixture
async def client(held: Held) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application(middlewares=[identify, maxinflight.max_inflight_filter])
    maxinflight.install(app, ServerConfig(max_requests_inflight=1, max_mutating_requests_inflight=1))
    app.router.add_route("*", "/{path:.*}", held.handler)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _hold(client: TestClient[web.Request, web.Application], held: Held, method: str, path: str) -> asyncio.Task[aiohttp.ClientResponse]:
    before = held.entered
    task = asyncio.create_task(client.request(method, path + ("&" if "?" in path else "?") + "hold=1"))
    while held.entered == before:
        await asyncio.sleep(0.001)
    return task


async def test_a_read_past_the_budget_gets_the_real_429(client: TestClient[web.Request, web.Application], held: Held) -> None:
    first = await _hold(client, held, "GET", "/api/v1/namespaces/default/pods")
    refused = await client.get("/api/v1/namespaces/default/pods")
    assert refused.status == 429
    assert await refused.text() == "Too many requests, please try again later.\n"
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.headers["Retry-After"] == "1"
    held.release.set()
    assert (await first).status == 200
    assert (await client.get("/api/v1/namespaces/default/pods")).status == 200  # the slot is free again


async def test_reads_and_writes_have_separate_budgets(client: TestClient[web.Request, web.Application], held: Held) -> None:
    read = await _hold(client, held, "GET", "/api/v1/namespaces/default/pods")
    assert (await client.post("/api/v1/namespaces/default/pods")).status == 200
    write = await _hold(client, held, "POST", "/api/v1/namespaces/default/pods")
    assert (await client.post("/api/v1/namespaces/default/pods")).status == 429
    held.release.set()
    assert (await read).status == (await write).status == 200


async def test_system_masters_and_long_running_requests_are_exempt(
    client: TestClient[web.Request, web.Application], held: Held
) -> None:
    first = await _hold(client, held, "GET", "/api/v1/namespaces/default/pods")
    assert (await client.get("/api/v1/namespaces/default/pods", headers={"X-Test-Admin": "1"})).status == 200
    assert (await client.get("/api/v1/namespaces/default/pods?watch=1")).status == 200
    assert (await client.get("/api/v1/namespaces/default/pods/web/log")).status == 200
    held.release.set()
    await first


def test_the_defaults_are_kube_apiservers() -> None:
    config = ServerConfig()
    assert (config.max_requests_inflight, config.max_mutating_requests_inflight) == (400, 200)
