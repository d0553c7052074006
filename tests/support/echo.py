"""A "container port" for port-forward tests: a loopback TCP server that answers in upper case.

Upper-casing (rather than echoing) proves the bytes went through the server and came back, not
merely looped in the client. `serving` is for in-process tests (on the test's event loop);
`serving_in_thread` for tests that drive subprocesses synchronously. `closed_port` is a port
nothing listens on, for the refused-connection cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data.upper())
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[int]:
    """The port of an upper-casing server on 127.0.0.1, for the length of the block."""
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.contextmanager
def serving_in_thread() -> Iterator[int]:
    """The same server on a thread, for synchronous tests."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            while data := conn.recv(65536):
                conn.sendall(data.upper())

    def accept() -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set():
                conn, _ = listener.accept()
                threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A loopback port that was free a moment ago (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def round_trip(port: int, payload: bytes, *, timeout: float = 10) -> bytes:
    """Send `payload` to 127.0.0.1:port and read back as many bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received
