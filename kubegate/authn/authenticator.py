"""The contract every authenticator follows.

As in k8s.io/apiserver, an authenticator has one method with three outcomes:
`None` (this credential is not mine, let the next one look), raise `AuthenticationError`
(mine, and bad: the request is a 401 and never falls through to anonymous), or an
`AuthResult` (mine, and good). Authenticators see a framework-free view of the request, so
none of them imports aiohttp.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509

from kubegate.api.user import UserInfo


class AuthenticationError(Exception):
    """A credential was presented and it is not valid. The message goes to the log only."""


@dataclass(frozen=True, slots=True)
class AuthResult:
    user: UserInfo
    audiences: tuple[str, ...] = ()


class HeaderView(Protocol):
    """The part of a case-insensitive multidict (aiohttp's request headers) authenticators use."""

    def get(self, key: str, /) -> str | None: ...

    def getall(self, key: str, default: list[str], /) -> list[str]: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """What authenticators may read of a request.

    `headers` is a case-insensitive multi-mapping (`getall` for repeated headers).
    `peer_certificates` is the chain the client presented, leaf first, when it sent
    intermediates with its leaf; empty otherwise (`peer_certificate_der` is the leaf).
    `audiences` are the audiences the caller wants a token to be valid for (TokenReview's
    `spec.audiences`); empty means the server's own API audiences, as for every API request.
    `path` is the URL path (anonymous access may be limited to some paths).
    """

    headers: HeaderView
    peer_certificates: Sequence[x509.Certificate] = ()
    peer_certificate_der: bytes = b""
    audiences: tuple[str, ...] = ()
    path: str = ""


class Authenticator(Protocol):
    async def authenticate(self, request: AuthRequest) -> AuthResult | None: ...
