"""One line per request an embedded server answered: kept by the server, and logged.

`Server.requests` keeps the recent lines (the pytest plugin puts a failing test's lines in its
report, whatever the logging configuration); the same lines go to the `kubegate.requests`
logger at INFO for anyone who configures it. A line says who asked, what came back and which
injected fault the request met:

    12:00:01.234 GET /api/v1/namespaces/default/pods 403 jane 1.2ms
    12:00:01.240 GET /api/v1/pods 429 kubernetes-admin 0.4ms fault=429 TooManyRequests
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from kubegate.endpoints.context import IMPERSONATED_USER, USER
from kubegate.endpoints.filters.faults import FAULT
from kubegate.testing import REQUESTS_LOGGER

logger = logging.getLogger(REQUESTS_LOGGER)

#: How many lines a server keeps (a session-long server drops the oldest).
KEPT_LINES = 10_000


class RequestLines:
    """A server's recent request lines, counted so that a reader can take those after a mark."""

    def __init__(self, limit: int = KEPT_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.count = 0

    def append(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            self.count += 1

    def since(self, mark: int) -> list[str]:
        """The lines logged after `count` was `mark` (as many of them as are still kept)."""
        with self._lock:
            wanted = min(self.count - mark, len(self._lines))
            return list(self._lines)[len(self._lines) - wanted:] if wanted > 0 else []


LINES_KEY = web.AppKey("kubegate.request_lines", RequestLines)


class RequestLog(AbstractAccessLogger):
    """aiohttp's access logger for embedded servers: into the app's RequestLines, and the logger."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time_taken: float) -> None:
        user = request.get(USER)
        acting = request.get(IMPERSONATED_USER)
        who = user.name if user is not None else "-"  # `-`: refused before authentication
        if acting is not None:
            who = f"{who}(as {acting.name})"
        fault = request.get(FAULT)
        line = (
            f"{request.method} {request.path_qs} {response.status} {who} {time_taken * 1000:.1f}ms"
            + (f" fault={fault}" if fault else "")
        )
        app = getattr(request, "app", None)
        if app is not None and LINES_KEY in app:
            now = time.time()
            stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
            app[LINES_KEY].append(f"{stamp} {line}")
        self.logger.info("%s", line)
