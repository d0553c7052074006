"""Authenticate the request with the configured chain, or answer 401.

The client certificate is read from the TLS connection; the chain decides. A presented but bad
credential is logged (never the credential itself) and answered `Unauthorized`.

What the client presented cannot change during a connection (the server refuses renegotiation,
as Go's does), so it is read and parsed once per connection, not per keep-alive request.
"""

from __future__ import annotations

import _ssl
import functools
import logging
import ssl
import time
import weakref
from dataclasses import dataclass

from aiohttp import web
from cryptography import x509
from multidict import CIMultiDict

from kubegate.api import errors
from kubegate.api.gofmt import klog_pairs
from kubegate.authn.authenticator import AuthenticationError, AuthRequest
from kubegate.authn.x509 import load_certificate
from kubegate.endpoints.context import AUDIENCES, USER, server_of
from kubegate.endpoints.filters.metrics import observe_authentication
from kubegate.endpoints.filters.types import Handler

log = logging.getLogger("kubegate.authn")


def _ssl_object(request: web.Request) -> ssl.SSLObject | ssl.SSLSocket | None:
    transport = request.transport
    if transport is None:
        return None
    ssl_object = transport.get_extra_info("ssl_object")
    return ssl_object if isinstance(ssl_object, (ssl.SSLObject, ssl.SSLSocket)) else None


@dataclass(frozen=True, slots=True)
class PeerCertificates:
    """What the client presented in its handshake: the leaf (DER), and the parsed chain when
    it sent intermediates (see `peer_chain`)."""

    leaf_der: bytes = b""
    chain: tuple[x509.Certificate, ...] = ()


_NO_PEER = PeerCertificates()
#: per TLS connection (its SSL object), forgotten with it
_PEERS: weakref.WeakKeyDictionary[object, PeerCertificates] = weakref.WeakKeyDictionary()


def peer_certificates(request: web.Request) -> PeerCertificates:
    ssl_object = _ssl_object(request)
    if ssl_object is None:
        return _NO_PEER
    known = _PEERS.get(ssl_object)
    if known is None:
        leaf = ssl_object.getpeercert(binary_form=True) or b""
        known = PeerCertificates(leaf, _parsed_chain(ssl_object)) if leaf else _NO_PEER
        _PEERS[ssl_object] = known
    return known


def peer_certificate_der(request: web.Request) -> bytes:
    return peer_certificates(request).leaf_der


def _unverified_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[bytes]:
    """The certificates the client sent, leaf first, as DER (Python 3.13 names this method;
    3.10 to 3.12 have it on the underlying `_ssl` object, returning certificate objects)."""
    public = getattr(ssl_object, "get_unverified_chain", None)
    if public is not None:
        return [bytes(der) for der in public() or () if der]
    inner = getattr(ssl_object, "_sslobj", None)
    chain = getattr(inner, "get_unverified_chain", None)
    if chain is None:
        return []
    return [cert.public_bytes(_ssl.ENCODING_DER) for cert in chain() or () if cert is not None]


@functools.lru_cache(maxsize=256)
def _parsed(der: bytes) -> x509.Certificate | None:
    try:
        return load_certificate(der)
    except ValueError:
        return None


def peer_chain(request: web.Request) -> tuple[x509.Certificate, ...]:
    """The client's chain, leaf first, parsed, when it sent intermediates with its leaf (the
    x509 authenticators verify through them, as Go's do); empty for a lone certificate."""
    return peer_certificates(request).chain


def _parsed_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> tuple[x509.Certificate, ...]:
    chain = _unverified_chain(ssl_object)
    if len(chain) < 2:
        return ()
    parsed = tuple(_parsed(der) for der in chain)
    return tuple(cert for cert in parsed if cert is not None)


@web.middleware
async def authentication_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    server = server_of(request)
    authenticator = server.authenticator
    peer = peer_certificates(request)
    auth_request = AuthRequest(
        headers=request.headers, peer_certificate_der=peer.leaf_der, peer_certificates=peer.chain, path=request.path,
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
