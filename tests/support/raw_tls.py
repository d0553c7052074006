"""Raw bytes over TLS to an in-process kubegate: for requests no HTTP client would send.

Hostile-input tests need CR inside a header value, two Content-Lengths, a 2 MB request line,
bytes that are not UTF-8: the connection here writes exactly what it is given and reads until
the server closes or a deadline passes.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.support.inprocess import Identity, InProcessServer


@dataclass
class RawAnswer:
    raw: bytes
    closed: bool  # the server closed the connection (else the deadline passed first)

    @property
    def status(self) -> int:
        return int(self.raw.split(b" ", 2)[1]) if self.raw.startswith(b"HTTP/") else 0

    @property
    def head(self) -> bytes:
        return self.raw.split(b"\r\n\r\n", 1)[0]

    @property
    def body(self) -> bytes:
        return self.raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.raw else b""

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return None


def client_context(api: InProcessServer, identity: Identity | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(api.ca_file))
    if identity is not None and identity.cert is not None:
        context.load_cert_chain(str(identity.cert), str(identity.key))
    return context


def address(api: InProcessServer) -> tuple[str, int]:
    url = urlsplit(api.url)
    assert url.hostname is not None and url.port is not None
    return url.hostname, url.port


async def open_tls(
    api: InProcessServer, identity: Identity | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = address(api)
    return await asyncio.open_connection(host, port, ssl=client_context(api, identity), server_hostname=host)


async def read_until_closed(reader: asyncio.StreamReader, *, timeout: float) -> RawAnswer:
    data = b""
    try:
        async with asyncio.timeout(timeout):
            while chunk := await reader.read(65536):
                data += chunk
    except TimeoutError:
        return RawAnswer(data, closed=False)
    except (ConnectionError, ssl.SSLError):
        pass
    return RawAnswer(data, closed=True)


async def send(
    api: InProcessServer, raw: bytes, *, identity: Identity | None = None, timeout: float = 5.0
) -> RawAnswer:
    """Write `raw` on a new connection; what came back once the server closed it (or, for a
    request it keeps alive, once `timeout` passed)."""
    reader, writer = await open_tls(api, identity)
    try:
        writer.write(raw)
        await writer.drain()
        return await read_until_closed(reader, timeout=timeout)
    finally:
        writer.close()
