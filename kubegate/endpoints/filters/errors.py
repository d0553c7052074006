"""Outermost filter: every failure becomes a `Status`, and no traceback reaches a client.

Typed `StatusError`s are rendered as they are; anything else is logged with its traceback and
answered with a generic 500 Status, as the real server's panic recovery does.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from kubegate.api import errors
from kubegate.api.gofmt import klog_pairs
from kubegate.endpoints.filters.types import Handler
from kubegate.endpoints.responses import status_response

log = logging.getLogger("kubegate.errors")


@web.middleware
async def errors_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.StatusError as error:
        return status_response(error)
    except web.HTTPRequestEntityTooLarge:
        return status_response(errors.too_large())
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except web.HTTPException:
        raise
    except Exception:
        log.exception('"Unhandled error" %s', klog_pairs(method=request.method, path=request.path))
        return status_response(
            errors.internal("an unexpected error occurred; the server log has the details")
        )
