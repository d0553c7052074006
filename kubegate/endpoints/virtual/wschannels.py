"""Port-forward over the kubelet's channel WebSocket protocol, for clients that are not client-go.

The official Python client (and others) open a WebSocket on pods/NAME/portforward with
`?ports=P,Q` and the subprotocol `v4.channel.k8s.io`, `v4.base64.channel.k8s.io` or none; the
real apiserver passes such a request through to the kubelet, which serves this. Port number i
(in the order given) owns channel 2i for data, both ways, and 2i+1 for its error text; the
first message on each channel is the port as 2 bytes little-endian. Every message starts with
its channel: a byte, or a digit character followed by base64 data in the base64 flavour.

The kubelet connects every port as soon as the WebSocket is open. A client cannot half-close a
channel, so once a target has closed, the grace passes and that port is done; the WebSocket
closes when every port is done, or when the client leaves.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib

from aiohttp import WSMsgType, web

from kubegate.endpoints.virtual import podports

#: subprotocol -> whether messages are base64 text; "" is a client that offered none
PROTOCOLS = {"": False, "v4.channel.k8s.io": False, "v4.base64.channel.k8s.io": True}


def negotiate(offered: list[str]) -> str | None:
    """The first offered protocol the kubelet knows ("" when none was offered), else None."""
    if not offered:
        return ""
    return next((protocol for protocol in offered if protocol and protocol in PROTOCOLS), None)


class ChannelSession:
    """One WebSocket, one data and one error channel per requested port."""

    def __init__(self, ws: web.WebSocketResponse, *, ports: list[int], sandbox: str) -> None:
        self._ws = ws
        self._ports = ports
        self._sandbox = sandbox
        self._base64 = PROTOCOLS.get(ws.ws_protocol or "", False)
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        inboxes = [podports.Inbox() for _ in self._ports]
        for index, port in enumerate(self._ports):
            for channel in (2 * index, 2 * index + 1):
                await self._send(channel, port.to_bytes(2, "little"))
        forwards: asyncio.Future[list[None]] = asyncio.ensure_future(asyncio.gather(
            *(self._forward(index, port, inboxes[index]) for index, port in enumerate(self._ports))))
        reader: asyncio.Future[None] = asyncio.ensure_future(self._read(inboxes))
        try:
            await asyncio.wait((forwards, reader), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, forwards):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._ws.close()

    async def _forward(self, index: int, port: int, inbox: podports.Inbox) -> None:
        async def send(chunk: bytes) -> None:
            await self._send(2 * index, chunk)

        async def target_closed() -> None:
            return None  # no end-of-data on a channel: the grace, then the port is done

        message = await podports.forward(port, self._sandbox, inbox, send, target_closed=target_closed)
        if message is not None:
            await self._send(2 * index + 1, message.encode())

    async def _read(self, inboxes: list[podports.Inbox]) -> None:
        async for message in self._ws:
            if message.type is WSMsgType.BINARY:
                raw = bytes(message.data)
            elif message.type is WSMsgType.TEXT:
                raw = str(message.data).encode("latin-1", "replace")
            else:
                continue
            if not raw:
                continue
            channel, data = raw[0], raw[1:]
            if self._base64:
                channel -= ord("0")
                try:
                    data = base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    continue  # the kubelet logs such a frame and goes on
            # only the data channels are read; the error channels are the server's
            if 0 <= channel < 2 * len(inboxes) and channel % 2 == 0:
                await inboxes[channel // 2].put(data)
        for inbox in inboxes:
            inbox.end()

    async def _send(self, channel: int, data: bytes) -> None:
        async with self._lock:
            if self._ws.closed:
                return
            with contextlib.suppress(ConnectionError):
                if self._base64:
                    await self._ws.send_str(chr(ord("0") + channel) + base64.b64encode(data).decode())
                else:
                    await self._ws.send_bytes(bytes([channel]) + data)
