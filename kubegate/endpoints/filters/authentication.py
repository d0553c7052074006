"""Authenticate the request with the configured chain, or answer 401.

The client certificate is read from the TLS connection; the chain decides. A presented but bad
credential is logged (never the credential itself) and answered `Unauthorized`.
"""

from __future__ import annotations

import logging
import ssl
import time

from aiohttp import web
from multidict import CIMultiDict

from kubegate.api import errors
from kubegate.api.gofmt import klog_pairs
from kubegate.authn.authenticator import AuthenticationError, AuthRequest
from kubegate.endpoints.context import AUDIENCES, USER, server_of
from kubegate.endpoints.filters.metrics import observe_authentication
from kubegate.endpoints.filters.types import Handler

log = logging.getLogger("kubegate.authn")


def peer_certificate_der(request: web.Request) -> bytes:
    transport = request.transport
    if transport is None:
        return b""
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, (ssl.SSLObject, ssl.SSLSocket)):
        return b""
    return ssl_object.getpeercert(binary_form=True) or b""


@web.middleware
async def authentication_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    server = server_of(request)
    authenticator = server.authenticator
    auth_request = AuthRequest(
        headers=request.headers, peer_certificate_der=peer_certificate_der(request), path=request.path
    )
    started = time.perf_counter()
    try:
        result = await authenticator.authenticate(auth_request)
    except AuthenticationError as exc:
        observe_authentication(request, None, failed=True, started=started)
        log.info('"Unable to authenticate the request" %s', klog_pairs(method=request.method, path=request.path, err=exc))
        raise errors.unauthorized() from None
    observe_authentication(request, result, failed=False, started=started)
    if result is None:
        raise errors.unauthorized()
    # Front-proxy headers end here, whoever sent them (the real filter clears them too).
    kept = server.authentication_headers.without(request.headers)
    if kept is not None:
        request = request.clone(headers=CIMultiDict(kept))
    request[USER] = result.user
    request[AUDIENCES] = result.audiences
    return await handler(request)
