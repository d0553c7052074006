"""Request authenticators that hand a bearer token to the token union (see factory.py).

`BearerTokenAuthenticator` reads `Authorization: Bearer <token>` exactly as k8s.io/apiserver's
`bearertoken` package does: the header is trimmed and split on single spaces, the scheme is
case-insensitive, an empty token (including `Bearer  x`, with two spaces) is not a credential at
all, and a token that no token authenticator claims is an error, "invalid bearer token", so it
is a 401 and never anonymous.

`WebSocketProtocolAuthenticator` accepts the same token from a browser, which cannot set
headers on a WebSocket, as a `Sec-WebSocket-Protocol` entry
`base64url.bearer.authorization.k8s.io.<base64url token>` (the `websocket` package).

The token contract itself (`TokenAuthenticator`, the union) lives in token.py.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence

from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult
from kubegate.authn.token import TokenAuthenticator

INVALID_BEARER_TOKEN = "invalid bearer token"
BEARER_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io."
_RAW_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class BearerTokenAuthenticator:
    def __init__(self, tokens: TokenAuthenticator, *, api_audiences: Sequence[str]) -> None:
        self._tokens = tokens
        self._api_audiences = tuple(api_audiences)

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        header = (request.headers.get("Authorization") or "").strip()
        if not header:
            return None
        parts = header.split(" ", 2)
        if len(parts) < 2 or parts[0].lower() != "bearer":
            return None
        token = parts[1]
        if not token:
            # "Bearer  x": the real server warns and ignores the header
            return None
        return await authenticate_presented(self._tokens, token, request.audiences or self._api_audiences)


async def authenticate_presented(
    tokens: TokenAuthenticator, token: str, audiences: tuple[str, ...]
) -> AuthResult:
    """A token the client presented: nobody claiming it is a 401, never a fall-through."""
    result = await tokens.authenticate_token(token, audiences=audiences)
    if result is None:
        raise AuthenticationError(INVALID_BEARER_TOKEN)
    return result


def is_websocket_request(request: AuthRequest) -> bool:
    connection = (request.headers.get("Connection") or "").lower()
    upgrade = (request.headers.get("Upgrade") or "").lower()
    return "upgrade" in connection and upgrade == "websocket"


class WebSocketProtocolAuthenticator:
    def __init__(self, tokens: TokenAuthenticator, *, api_audiences: Sequence[str]) -> None:
        self._tokens = tokens
        self._api_audiences = tuple(api_audiences)

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        if not is_websocket_request(request):
            return None
        token = ""
        seen_token = False
        others = 0
        for header in request.headers.getall("Sec-WebSocket-Protocol", []):
            for protocol in (p.strip() for p in header.split(",")):
                if not protocol.startswith(BEARER_PROTOCOL_PREFIX):
                    others += 1
                    continue
                if seen_token:
                    raise AuthenticationError("multiple base64.bearer.authorization tokens specified")
                seen_token = True
                token = _decode_protocol_token(protocol[len(BEARER_PROTOCOL_PREFIX):])
        if token and not others:
            raise AuthenticationError("missing additional subprotocol")
        if not token:
            return None
        return await authenticate_presented(self._tokens, token, request.audiences or self._api_audiences)


def _decode_protocol_token(encoded: str) -> str:
    if not _RAW_BASE64URL.fullmatch(encoded) or len(encoded) % 4 == 1:  # unpadded base64url only
        raise AuthenticationError("invalid base64.bearer.authorization token encoding")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise AuthenticationError("invalid base64.bearer.authorization token encoding") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AuthenticationError("invalid base64.bearer.authorization token") from None
