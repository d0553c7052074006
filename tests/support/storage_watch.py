"""Reading a storage watch in tests: the next N events, or a clear timeout."""

from __future__ import annotations

import asyncio
from typing import Any

from kubegate.storage.interface import KeyEvent


async def next_events(watch: Any, count: int, *, timeout: float = 10) -> list[KeyEvent]:
    seen: list[KeyEvent] = []

    async def collect() -> None:
        async for event in watch:
            seen.append(event)
            if len(seen) == count:
                return

    await asyncio.wait_for(collect(), timeout)
    return seen
