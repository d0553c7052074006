"""One log line per request an embedded server answered, on the `kubegate.requests` logger.

The pytest plugin attaches these lines to a failing test's report, so that the requests a test
made (who made them, what came back, which injected fault they met) are there to read. Lines
are only formatted while someone listens at INFO.
"""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from kubegate.endpoints.context import IMPERSONATED_USER, USER
from kubegate.endpoints.filters.faults import FAULT
from kubegate.testing import REQUESTS_LOGGER

logger = logging.getLogger(REQUESTS_LOGGER)


class RequestLog(AbstractAccessLogger):
    """`GET /api/v1/namespaces/default/pods 403 jane 1.2ms`, plus `fault=...` when one fired
    (`kubernetes-admin(as jane)` for an impersonated request, `-` before authentication)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        user = request.get(USER)
        acting = request.get(IMPERSONATED_USER)
        who = user.name if user is not None else "-"
        if acting is not None:
            who = f"{who}(as {acting.name})"
        fault = request.get(FAULT)
        self.logger.info(
            "%s %s %s %s %.1fms%s",
            request.method,
            request.path_qs,
            response.status,
            who,
            time * 1000,
            f" fault={fault}" if fault else "",
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
