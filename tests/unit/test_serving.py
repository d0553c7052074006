"""The connection layer on its own (plain TCP, a bare app): what reaches the client and the log
when a handler fails past every filter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web

from kubegate.server import serving


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app = web.Application()
    app.router.add_get("/broken", broken)
    app.on_response_prepare.append(serving.drop_server_header)
    runner = serving.make_runner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = serving.listen("127.0.0.1", 0)
    await serving.start_site(runner, sock, ssl_context=None)
    yield sock.getsockname()[1]
    await runner.cleanup()


async def exchange(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    try:
        async with asyncio.timeout(5):
            return await reader.read()
    finally:
        writer.close()


async def test_an_escaped_exception_is_a_status_500_and_one_log_line(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await exchange(port, b"GET /broken HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 500")
    assert b"Content-Type: application/json" in head and b"Server:" not in head
    assert orjson.loads(body)["message"] == (
        "Internal error occurred: an unexpected error occurred; the server log has the details"
    )
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.name for record in errors] == ["kubegate.serving"]
    assert errors[0].getMessage() == '"Unhandled error" method="GET" path="/broken"'


async def test_a_refusal_has_no_server_header(port: int) -> None:
    answer = await exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400 Bad Request\r\n")
    assert b"Server:" not in answer and answer.endswith(b"\r\n\r\n400 Bad Request")
