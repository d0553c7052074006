"""An event loop on a thread of its own, so that synchronous code can block while a server serves.

kubectl in a subprocess, the official Python client, `requests`: a test written with them
blocks its thread on every call, so the server it talks to must run elsewhere. `LoopThread`
is that elsewhere (uvloop when installed, as `kubegate serve`); `call_in` hands it coroutines
from any other thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """A daemon thread running one event loop until `stop`, which then finishes and closes it."""

    def __init__(self, name: str) -> None:
        self.loop = _new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def flush(self, turns: int = 3) -> None:
        """Let the loop go round a few times (work that was about to finish, finishes)."""
        try:
            asyncio.run_coroutine_threadsafe(_ticks(turns), self.loop).result(timeout=1.0)
        except (TimeoutError, RuntimeError):
            pass

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()

    def _run(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def call_in(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on `loop` and wait for its result, from a thread that is not running `loop`
    (waiting from the loop's own thread could never end: RuntimeError instead)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coroutine.close()
        raise RuntimeError("on the server's own loop, await the a-method instead (aapply, atoken, asettle)")
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


async def _ticks(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but not on every platform
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
