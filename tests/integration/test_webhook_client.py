"""The generic webhook client: which failures are retried, and how a call gives up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from kubegate.webhook.client import Backoff, GenericWebhook, WebhookError
from kubegate.webhook.kubeconfig import WebhookClientConfig

FAST = Backoff(initial=0.001, factor=1.0, jitter=0.0, steps=3)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[GenericWebhook]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler, **options: object) -> GenericWebhook:
        app = web.Application()
        app.router.add_post("/review", handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        config = WebhookClientConfig(f"http://127.0.0.1:{port}/review", None)
        return GenericWebhook(config, backoff=FAST, **options)  # type: ignore[arg-type]

    yield start
    for runner in runners:
        await runner.cleanup()


def answering(*statuses: int) -> tuple[Handler, list[int]]:
    seen: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        status = statuses[min(len(seen), len(statuses) - 1)]
        seen.append(status)
        return web.json_response({"status": {"authenticated": True}} if status == 200 else {"message": "busy"}, status=status)

    return handler, seen


@pytest.mark.parametrize("transient", [500, 504, 429])
async def test_transient_answers_are_retried(serve: Callable[[Handler], Awaitable[GenericWebhook]], transient: int) -> None:
    handler, seen = answering(transient, transient, 200)
    webhook = await serve(handler)
    assert await webhook.post({"kind": "TokenReview"}) == {"status": {"authenticated": True}}
    assert seen == [transient, transient, 200]


async def test_retries_give_up_after_the_last_step(serve: Callable[[Handler], Awaitable[GenericWebhook]]) -> None:
    handler, seen = answering(500)
    webhook = await serve(handler)
    with pytest.raises(WebhookError, match="500: busy"):
        await webhook.post({})
    assert len(seen) == FAST.steps


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_other_errors_fail_at_once(serve: Callable[[Handler], Awaitable[GenericWebhook]], status: int) -> None:
    handler, seen = answering(status)
    webhook = await serve(handler)
    with pytest.raises(WebhookError, match=f"^{status}: busy$"):
        await webhook.post({})
    assert len(seen) == 1


async def test_not_json_is_an_error(serve: Callable[[Handler], Awaitable[GenericWebhook]]) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>")

    webhook = await serve(handler)
    with pytest.raises(WebhookError, match="answer is not JSON"):
        await webhook.post({})


async def test_a_silent_webhook_times_out(serve: Callable[..., Awaitable[GenericWebhook]]) -> None:
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    webhook = await serve(handler, timeout=0.2)
    try:
        with pytest.raises(WebhookError, match="no answer within 0.2s"):
            await webhook.post({})
    finally:
        release.set()


def test_backoff_grows_by_the_factor() -> None:
    delays = Backoff(initial=0.5, factor=1.5, jitter=0.0, steps=5).delays()
    assert delays == [0.5, 0.75, 1.125, 1.6875]
