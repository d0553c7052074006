"""What a simulated container "printed": log lines derived from its status, never stored.

A container prints one line when it starts and, once it has exited, one when it stops; both are
stamped with the times its status shows, so the same container always has the same log, in any
process. `previous` reads the run in `lastState.terminated` (a restarted container's last run).
The endpoint that serves `pods/log` (endpoints/virtual/podlogs.py) applies the query options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import meta


@dataclass(frozen=True, slots=True)
class LogLine:
    time: datetime
    text: str

    def render(self, *, timestamps: bool) -> str:
        if not timestamps:
            return self.text + "\n"
        return self.time.strftime("%Y-%m-%dT%H:%M:%S.%f000Z") + " " + self.text + "\n"


def _time(text: Any) -> datetime:
    parsed = meta.parse_time(str(text or ""))
    return parsed if parsed is not None else meta.now()


def lines_of_run(container: str, image: str, state: dict[str, Any]) -> list[LogLine]:
    """The lines of one run: `state` is a running or terminated container state."""
    run = state.get("running") or state.get("terminated")
    if not isinstance(run, dict):
        return []
    result = [LogLine(_time(run.get("startedAt")), f"kubegate: container {container} started (image {image})")]
    terminated = state.get("terminated")
    if isinstance(terminated, dict):
        result.append(LogLine(
            _time(terminated.get("finishedAt")),
            f"kubegate: container {container} exited with code {terminated.get('exitCode', 0)}",
        ))
    return result
