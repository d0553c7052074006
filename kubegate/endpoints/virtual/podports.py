"""One forwarded connection to a pod's port, as the container runtime makes it for the kubelet.

There are no containers, so a pod's port is this host's: the runtime's dial to `localhost:P`
inside the pod's network namespace becomes a dial to 127.0.0.1:P, then [::1]:P, as containerd
tries them. Bytes are copied both ways until one direction ends; the other then gets a second
(containerd's grace) before both are closed. A dial that fails comes back as the kubelet's error
text, which the caller writes on the port's error stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

#: how long the other direction may go on once one has ended (containerd's)
GRACE = 1.0
CHUNK = 32 * 1024
#: bytes from the client buffered for a slow target before the reader waits
HIGH_WATER = 1 << 20

Send = Callable[[bytes], Awaitable[None]]


def sandbox_id(pod: dict[str, Any]) -> str:
    """The id the runtime gives the pod's sandbox: 64 hex, fixed for the pod's uid."""
    uid = str((pod.get("metadata") or {}).get("uid") or "")
    return hashlib.sha256(f"{uid}/sandbox".encode()).hexdigest()


class DialFailed(Exception):
    """Neither loopback address took the connection; the message is the kubelet's text."""


class Inbox:
    """Bytes from the client for one target, holding the session's reader while it is full."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._ended = self._discarding = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()

    async def put(self, data: bytes) -> None:
        if self._ended or self._discarding or not data:
            return
        self._chunks.append(data)
        self._size += len(data)
        self._readable.set()
        if self._size > HIGH_WATER:
            self._writable.clear()
            await self._writable.wait()

    def end(self) -> None:
        """The client will send no more (FIN, reset, or it left)."""
        self._ended = True
        self._readable.set()

    def discard(self) -> None:
        """Nobody will read: drop what is held and everything that comes."""
        self._discarding = True
        self._chunks.clear()
        self._size = 0
        self._readable.set()
        self._writable.set()

    async def get(self) -> bytes | None:
        """The next bytes, or None once the client has ended."""
        while not self._chunks and not (self._ended or self._discarding):
            self._readable.clear()
            await self._readable.wait()
        if not self._chunks:
            return None
        data = self._chunks.popleft()
        self._size -= len(data)
        if self._size <= HIGH_WATER:
            self._writable.set()
        return data


async def forward(port: int, sandbox: str, inbox: Inbox, send: Send, *,
                  target_closed: Callable[[], Awaitable[None]]) -> str | None:
    """Copy between the client and the port; the kubelet's error text if it could not connect.

    `send` carries the target's bytes to the client; `target_closed` tells the client the target
    will send no more (a FIN on the data stream, where the protocol has one).
    """
    try:
        reader, writer = await _dial(port, sandbox)
    except DialFailed as failure:
        inbox.discard()
        return f"error forwarding port {port} to pod {sandbox}, uid : {failure}"
    up = asyncio.ensure_future(_client_to_target(inbox, writer))
    down = asyncio.ensure_future(_target_to_client(reader, send, target_closed))
    try:
        _, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        if pending:
            await asyncio.wait(pending, timeout=GRACE)
    finally:
        for task in (up, down):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
                await task
        inbox.discard()
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    return None


async def _client_to_target(inbox: Inbox, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while (data := await inbox.get()) is not None:
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # the client's half-close reaches the target


async def _target_to_client(reader: asyncio.StreamReader, send: Send, target_closed: Callable[[], Awaitable[None]]
                            ) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(CHUNK):
            await send(chunk)
    await target_closed()


async def _dial(port: int, sandbox: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    failures = []
    for network, host, shown in (("tcp4", "127.0.0.1", "127.0.0.1"), ("tcp6", "::1", "[::1]")):
        try:
            return await asyncio.open_connection(host, port)
        except OSError as error:
            failures.append(f"dial {network} {shown}:{port}: {_go_error(error)}")
    raise DialFailed(
        f'failed to execute portforward in network namespace "host": failed to connect to localhost:{port} '
        f'inside namespace "{sandbox}", IPv4: {failures[0]} IPv6 {failures[1]} ')


def _go_error(error: OSError) -> str:
    """Go's words for a failed dial: `connect: connection refused` (the C library's, lowercased)."""
    if error.errno is None:
        return f"connect: {error.strerror or error}"
    stage = "socket" if error.errno == errno.EAFNOSUPPORT else "connect"
    text = os.strerror(error.errno)
    return f"{stage}: {text[:1].lower()}{text[1:]}"
