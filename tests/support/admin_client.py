"""An HTTPS client holding the admin certificate of a `kubegate serve` process's PKI directory.

For tests that drive a server in another process (restarts, kill -9, several processes over one
etcd) the way a client library would: JSON in, JSON out, a watch read line by line.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson


class AdminClient:
    def __init__(self, url: str, pki_dir: Path) -> None:
        self.url = url
        context = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
        context.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    async def request(
        self, method: str, path: str, body: Any = None, *, content_type: str = "application/json"
    ) -> tuple[int, Any]:
        data = None if body is None else orjson.dumps(body)
        headers = {"Content-Type": content_type} if body is not None else {}
        async with self._session.request(method, self.url + path, data=data, headers=headers) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None

    async def ok(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json") -> Any:
        status, answer = await self.request(method, path, body, content_type=content_type)
        assert status in (200, 201), (status, answer)
        return answer

    async def settle(self) -> None:
        await self.ok("GET", "/debug/kubegate/settle")

    async def watch(self, path: str) -> AsyncIterator[dict[str, Any]]:
        """The events of a watch (`path` carries `watch=1` and its options), until the stream ends."""
        async with self._session.get(self.url + path) as response:
            assert response.status == 200, await response.text()
            async for line in response.content:
                if line.strip():
                    yield orjson.loads(line)
