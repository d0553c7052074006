"""An in-process kubegate per test, with the options the test asks for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from kubegate import pki
from tests.support.inprocess import InProcessServer, start_in_process

StartServer = Callable[..., Awaitable[InProcessServer]]


@pytest.fixture
async def start_server(pki_files: pki.PkiFiles) -> AsyncIterator[StartServer]:
    servers: list[InProcessServer] = []

    async def start(**options: Any) -> InProcessServer:
        server = await start_in_process(pki_files, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server()
