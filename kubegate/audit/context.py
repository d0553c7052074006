"""One request on its way through auditing: its ID, its level, and the event its stages send.

The `AuditContext` is made for every request before anything else runs (the ID is answered as
`Audit-Id` even when nothing is audited) and is shared by every later step: the audit filter
fills the event once the user is known, authorization adds its annotations, the handlers hand
over the request body. `process_stage` sends a copy of the event as it stands, unless the
policy omits that stage.

The `Auditor` is the configured policy and backends of a server, with an observer that the
metrics hang on (`apiserver_audit_*`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.audit import checker
from kubegate.audit.backends import Backend
from kubegate.audit.checker import RequestAuditConfig
from kubegate.audit.event import Event
from kubegate.audit.policy import Level, Policy


class AuditObserver(Protocol):
    """What the metrics count: evaluated levels, events sent, events a backend failed to keep."""

    def level(self, level: Level) -> None: ...

    def event(self) -> None: ...

    def error(self, plugin: str, count: int = 1) -> None: ...


class _Unobserved:
    def level(self, level: Level) -> None:
        pass

    def event(self) -> None:
        pass

    def error(self, plugin: str, count: int = 1) -> None:
        pass


@dataclass
class Auditor:
    policy: Policy
    backends: Sequence[Backend]
    observer: AuditObserver = field(default_factory=_Unobserved)

    def evaluate(self, info: RequestInfo, user: UserInfo | None) -> RequestAuditConfig:
        config = checker.evaluate(self.policy, info, user)
        self.observer.level(config.level)
        return config

    def process(self, event: Event) -> bool:
        self.observer.event()
        kept = True
        for backend in self.backends:
            if not backend.process(event):
                self.observer.error(backend.name)
                kept = False
        return kept

    async def close(self) -> None:
        for backend in self.backends:
            await backend.close()


@dataclass
class AuditContext:
    audit_id: str
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    auditor: Auditor | None = None
    config: RequestAuditConfig | None = None
    event: Event | None = None
    #: the body a handler read, and its Content-Type, for requestObject and objectRef
    request_body: bytes | None = None
    request_content_type: str = ""
    long_running: bool = False
    response_started: bool = False

    @property
    def enabled(self) -> bool:
        return self.event is not None

    @property
    def level(self) -> Level:
        return self.config.level if self.config is not None else Level.NONE

    def add_annotation(self, key: str, value: str) -> None:
        if self.event is not None:
            self.event.annotations.setdefault(key, value)

    def process_stage(self, stage: str, *, now: datetime | None = None) -> bool:
        if self.event is None or self.auditor is None or self.config is None:
            return True
        if stage in self.config.omit_stages:
            return True
        self.event.stage = stage
        self.event.stage_timestamp = self.received if stage == "RequestReceived" else now or datetime.now(UTC)
        return self.auditor.process(copy.copy(self.event))
