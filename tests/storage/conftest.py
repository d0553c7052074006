"""One backend per parameter: every test in this ring runs against memory, sqlite and etcd3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kubegate.storage.interface import Interface
from tests.support import etcd_server

BACKENDS = ("memory", "sqlite", "etcd3")


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Interface]:
    made = await make_backend(request.param, tmp_path, request)
    try:
        yield made
    finally:
        await made.close()


async def make_backend(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Interface:
    if name == "memory":
        from kubegate.storage.memory import MemoryBackend

        return MemoryBackend(history=50)
    if name == "sqlite":
        from kubegate.storage.sqlite import SqliteBackend

        return await SqliteBackend.open(tmp_path / "data", history=50)
    from kubegate.storage.etcd3 import Etcd3Backend

    server = request.getfixturevalue("etcd")
    # A prefix of its own per test: tests share one etcd and must not see each other's keys.
    return await Etcd3Backend.connect([server.url], prefix=f"/t-{etcd_server.unique()}/registry")
