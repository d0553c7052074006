"""`--audit-log-path`: every event as one line, JSON (default) or the legacy text, written at once.

`-` means standard output. Writes happen in the request's path, as in the real server's default
`blocking` mode, whose failures are counted (`apiserver_audit_error_total{plugin="log"}`) and
logged without the event's content, but never fail the request.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Protocol

import orjson

from kubegate.audit.event import Event

log = logging.getLogger("kubegate.audit")

FORMAT_JSON = "json"
FORMAT_LEGACY = "legacy"
FORMATS = (FORMAT_LEGACY, FORMAT_JSON)


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class StdoutWriter:
    def write(self, data: bytes) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    def close(self) -> None:
        pass


@dataclass
class LogBackend:
    writer: Writer
    format: str = FORMAT_JSON
    name: str = "log"

    def process(self, event: Event) -> bool:
        if self.format == FORMAT_LEGACY:
            line = event.legacy_line().encode() + b"\n"
        else:
            line = orjson.dumps(event.to_dict()) + b"\n"
        try:
            self.writer.write(line)
        except OSError as exc:
            log.error("Error in audit plugin 'log' affecting 1 audit events: %s (audit ID %s)", exc, event.audit_id)
            return False
        return True

    async def close(self) -> None:
        self.writer.close()
