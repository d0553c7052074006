"""A fresh in-process kubegate per test and the official Python client logged in as its admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.python_client import api_client


@pytest.fixture
async def server(start_server: StartServer) -> InProcessServer:
    return await start_server()


@pytest.fixture
def admin_api(server: InProcessServer, admin: Identity, tmp_path: Path) -> Iterator[client.ApiClient]:
    with api_client(server, admin, workdir=tmp_path / "admin") as api:
        yield api
