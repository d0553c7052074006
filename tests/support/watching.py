"""Reading a watch stream from an in-process server until the events a test waits for arrived.

The stream is closed as soon as `until` is satisfied, so tests never sit out a watch's timeout.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from tests.support.inprocess import Identity, InProcessServer

Event = dict[str, Any]


async def watch_events(
    server: InProcessServer, identity: Identity, path: str, *, until: Callable[[list[Event]], bool],
    headers: dict[str, str] | None = None,
) -> list[Event]:
    """Events of the watch at `path` until `until(events)` holds or the server ends the stream."""
    context = ssl.create_default_context(cafile=str(server.ca_file))
    if identity.cert is not None:
        context.load_cert_chain(str(identity.cert), str(identity.key))
    events: list[Event] = []
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(server.url + path, headers=headers or {}) as response,
    ):
        assert response.status == 200, await response.text()
        async for line in response.content:
            events.append(orjson.loads(line))
            if until(events):
                break
    return events


def count(n: int) -> Callable[[list[Event]], bool]:
    return lambda events: len(events) >= n


def seen(event_type: str) -> Callable[[list[Event]], bool]:
    return lambda events: bool(events) and events[-1]["type"] == event_type
