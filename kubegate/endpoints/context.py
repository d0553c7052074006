"""What a request carries between pipeline stages, and the server state handlers reach.

The filters store their results on the aiohttp request under these keys, so each stage reads
what the previous one decided instead of recomputing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from kubegate.endpoints.state import APIServer


def _request_key(name: str) -> Any:
    """Typed request-storage keys where aiohttp has them (3.14+), plain strings before."""
    factory = getattr(web, "RequestKey", None)
    return factory(name, object) if factory is not None else name


REQUEST_INFO = _request_key("kubegate.request_info")
USER = _request_key("kubegate.user")
AUDIENCES = _request_key("kubegate.audiences")
#: the authenticated user who asked to act as USER (set by the impersonation filter), for audit
IMPERSONATOR = _request_key("kubegate.impersonator")
#: on the request as outer stages (audit) hold it: the user impersonation switched to
IMPERSONATED_USER = _request_key("kubegate.impersonated_user")
#: the request's AuditContext (audit ID, level, event), shared by every clone of the request
AUDIT = _request_key("kubegate.audit")

SERVER_KEY: web.AppKey[APIServer] = web.AppKey("kubegate.server")


def server_of(request: web.Request) -> APIServer:
    return request.app[SERVER_KEY]
