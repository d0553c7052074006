"""Port-forward as SPDY/3.1 streams inside a WebSocket: what kubectl 1.31+ and client-go speak.

For each local connection the client opens two streams with the same `port` and `requestid`
headers, `streamtype: error` and then `streamtype: data`, and waits for each SYN_REPLY. Once a
pair is complete the server connects to the port and copies bytes on the data stream; a failure
is written as text on the error stream, which the server then closes. The kubelet's rules hold:
a stream without a valid `port` or `streamtype` is reset (CANCEL), a pair missing its second
stream after 30 s is told so on its error stream, an odd PING from the client is echoed.

The peer (moby/spdystream) does no flow control, so neither side sends WINDOW_UPDATE; instead a
data stream whose target is slow holds the reader (`podports.Inbox`), as spdystream's own frame
workers do. A frame that is not SPDY ends the session with GOAWAY(PROTOCOL_ERROR).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSMsgType, web

from kubegate.endpoints.virtual import podports, spdy

log = logging.getLogger("kubegate.endpoints.portforward")
#: how long a pair may wait for its second stream (the kubelet's stream creation timeout)
STREAM_CREATION_TIMEOUT = 30.0
ERROR, DATA = "error", "data"


class StreamRejected(Exception):
    """A stream the kubelet would reset: its headers do not name a port and a stream type."""


@dataclasses.dataclass(eq=False)
class _Stream:
    stream_id: int
    kind: str
    port: int
    inbox: podports.Inbox = dataclasses.field(default_factory=podports.Inbox)
    closed: bool = False  # our FIN sent, or the client reset it


@dataclasses.dataclass(eq=False)
class _Pair:
    request_id: str
    streams: dict[str, _Stream] = dataclasses.field(default_factory=dict)
    timer: asyncio.Task[None] | None = None


def stream_port_and_kind(headers: dict[str, str]) -> tuple[int, str]:
    """The kubelet's checks of a new stream's headers (its texts, for the log)."""
    raw = headers.get("port", "")
    if not raw:
        raise StreamRejected('"port" header is required')
    if not raw.isdigit() or int(raw) > 0xFFFF:
        raise StreamRejected(f'unable to parse "{raw}" as a port')
    if int(raw) < 1:
        raise StreamRejected(f'port "{raw}" must be > 0')
    kind = headers.get("streamtype", "")
    if not kind:
        raise StreamRejected('"streamType" header is required')
    if kind not in (ERROR, DATA):
        raise StreamRejected(f'invalid stream type "{kind}"')
    return int(raw), kind


class Session:
    """One upgraded connection: any number of forwarded connections, until the client leaves."""

    def __init__(self, ws: web.WebSocketResponse, *, sandbox: str) -> None:
        self._ws = ws
        self._sandbox = sandbox
        self._reader = spdy.FrameReader()
        self._writer = spdy.FrameWriter()
        self._send_lock = asyncio.Lock()  # frames go out in the order their headers were deflated
        self._streams: dict[int, _Stream] = {}
        self._pairs: dict[str, _Pair] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_stream_id = 0
        self._going_away = False

    async def run(self) -> None:
        try:
            async for message in self._ws:
                if message.type is WSMsgType.BINARY:
                    for frame in self._reader.feed(message.data):
                        await self._handle(frame)
        except spdy.ProtocolError as error:
            log.info("port-forward session ended: %s", error)
            await self._send(spdy.GoAway(self._last_stream_id, spdy.GOAWAY_PROTOCOL_ERROR))
        finally:
            await self._stop()

    async def _stop(self) -> None:
        for stream in self._streams.values():
            stream.inbox.discard()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pair in self._pairs.values():
            if pair.timer is not None:
                pair.timer.cancel()

    async def _send(self, frame: spdy.Frame) -> None:
        async with self._send_lock:
            if not self._ws.closed:
                with contextlib.suppress(ConnectionError):
                    await self._ws.send_bytes(self._writer.encode(frame))

    async def _handle(self, frame: spdy.Frame) -> None:
        match frame:
            case spdy.SynStream():
                await self._open(frame)
            case spdy.Data(stream_id, data, fin):
                stream = self._streams.get(stream_id)
                if stream is not None and stream.kind == DATA:  # the error stream is write-only
                    await stream.inbox.put(data)
                if stream is not None and fin:
                    stream.inbox.end()
            case spdy.RstStream(stream_id):
                stream = self._streams.pop(stream_id, None)
                if stream is not None:
                    stream.closed = True
                    stream.inbox.discard()
            case spdy.Ping(ping_id) if ping_id % 2 == 1:  # the client's; ours would be even
                await self._send(frame)
            case spdy.GoAway():
                self._going_away = True
            # SYN_REPLY (we open no streams), HEADERS, SETTINGS, WINDOW_UPDATE, unknown: ignored

    async def _open(self, frame: spdy.SynStream) -> None:
        if self._going_away:
            return
        if frame.stream_id % 2 == 0 or frame.stream_id <= self._last_stream_id:
            await self._send(spdy.RstStream(frame.stream_id, spdy.PROTOCOL_ERROR_STATUS))
            return
        self._last_stream_id = frame.stream_id
        try:
            port, kind = stream_port_and_kind(dict(frame.headers))
        except StreamRejected as rejected:
            log.info("port-forward stream %d rejected: %s", frame.stream_id, rejected)
            await self._send(spdy.RstStream(frame.stream_id, spdy.CANCEL))
            return
        stream = _Stream(frame.stream_id, kind, port)
        self._streams[stream.stream_id] = stream
        await self._send(spdy.SynReply(stream.stream_id, {}))
        if frame.fin:
            stream.inbox.end()
        await self._pair(stream, self._request_id(frame))

    @staticmethod
    def _request_id(frame: spdy.SynStream) -> str:
        """The `requestid` header; clients too old to send one get the kubelet's guess."""
        given = frame.headers.get("requestid", "")
        if given:
            return given
        return str(frame.stream_id if frame.headers.get("streamtype") == ERROR else frame.stream_id - 2)

    async def _pair(self, stream: _Stream, request_id: str) -> None:
        pair = self._pairs.get(request_id)
        if pair is None:
            pair = self._pairs[request_id] = _Pair(request_id)
            pair.timer = self._spawn(self._expire(pair))
        if stream.kind in pair.streams:
            stream.inbox.discard()  # nobody will forward it; its data must not hold the reader
            await self._error(pair, f"error processing stream for request {request_id}: "
                                    f"{stream.kind} stream already assigned")
            return
        pair.streams[stream.kind] = stream
        if len(pair.streams) == 2:
            del self._pairs[request_id]
            if pair.timer is not None:
                pair.timer.cancel()
            self._spawn(self._forward(pair))

    async def _expire(self, pair: _Pair) -> None:
        await asyncio.sleep(STREAM_CREATION_TIMEOUT)
        if self._pairs.get(pair.request_id) is pair:
            del self._pairs[pair.request_id]
            await self._error(pair, f"(request={pair.request_id}) timed out waiting for streams")
            for stream in pair.streams.values():
                stream.inbox.discard()
                await self._close(stream)
                self._streams.pop(stream.stream_id, None)

    async def _error(self, pair: _Pair, message: str) -> None:
        stream = pair.streams.get(ERROR)
        if stream is not None and not stream.closed:
            await self._send(spdy.Data(stream.stream_id, message.encode()))

    async def _forward(self, pair: _Pair) -> None:
        data = pair.streams[DATA]

        async def send(chunk: bytes) -> None:
            if not data.closed:
                await self._send(spdy.Data(data.stream_id, chunk))

        async def target_closed() -> None:
            await self._close(data)

        try:
            message = await podports.forward(data.port, self._sandbox, data.inbox, send, target_closed=target_closed)
            if message is not None:
                await self._error(pair, message)
            await self._close(pair.streams[ERROR])
            await self._close(data)
        finally:
            for stream in pair.streams.values():
                self._streams.pop(stream.stream_id, None)

    async def _close(self, stream: _Stream) -> None:
        """Our half-close (FIN) of a stream, once."""
        if not stream.closed:
            stream.closed = True
            await self._send(spdy.Data(stream.stream_id, b"", fin=True))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
