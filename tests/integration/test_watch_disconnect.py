"""A watch whose client goes away ends at once, as the real server cancels the request's context.

Without it, each informer that reconnects would leave a watcher behind, queueing events for
nobody until the next matching change or the stream's 30-60 minute deadline.
"""

from __future__ import annotations

import asyncio

from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import count, watch_events


def _open_watchers(server: InProcessServer) -> int:
    return sum(len(watchers) for watchers in server.state.store._watchers.values())


async def test_a_watch_ends_when_its_client_disconnects(api: InProcessServer, admin: Identity) -> None:
    created = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin, json={"metadata": {"name": "watched"}}
    )
    assert created.status == 201, created.text
    path = "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dwatched"
    events = await watch_events(api, admin, path, until=count(1))  # then the client hangs up
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "watched")]
    # The server learns of the hang-up on its next turn or so; nothing is written to the stream.
    for _ in range(200):
        if _open_watchers(api) == 0:
            break
        await asyncio.sleep(0.01)
    assert _open_watchers(api) == 0
