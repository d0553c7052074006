"""Where audit events go: each backend takes one event at a time and says whether it kept it.

`log` writes JSON lines (or the legacy text) to a file it rotates, or to stdout; `webhook` posts
batches of events to a remote service. The `Auditor` hands every event to each of them.
"""

from __future__ import annotations

from typing import Protocol

from kubegate.audit.event import Event


class Backend(Protocol):
    #: the plugin name the real server counts errors under (`log`, `webhook`)
    name: str

    def process(self, event: Event) -> bool: ...

    async def close(self) -> None: ...
