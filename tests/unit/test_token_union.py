"""The bearer-token plumbing: header parsing, the union's error rules, audience-agnostic tokens."""

from __future__ import annotations

import base64

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api.gofmt import aggregate_errors, go_quote_list
from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult
from kubegate.authn.bearertoken import BearerTokenAuthenticator, WebSocketProtocolAuthenticator
from kubegate.authn.token import AudienceAgnosticToken, TokenUnion

API = ("https://kubernetes.default.svc.cluster.local",)


class Recorder:
    """A token authenticator that knows one token, or fails with a fixed message."""

    def __init__(self, token: str = "", *, error: str = "", audiences: tuple[str, ...] = ()) -> None:
        self.token, self.error, self.audiences = token, error, audiences
        self.seen: list[tuple[str, tuple[str, ...]]] = []

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        self.seen.append((token, audiences))
        if self.error:
            raise AuthenticationError(self.error)
        return AuthResult(UserInfo("u"), self.audiences) if token == self.token else None


def request(*headers: tuple[str, str], audiences: tuple[str, ...] = ()) -> AuthRequest:
    return AuthRequest(headers=CIMultiDictProxy(CIMultiDict(headers)), audiences=audiences)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("  Bearer abc  ", "abc"),
        ("Bearer abc def", "abc"),  # a third part is ignored
    ],
)
async def test_bearer_header_forms_reach_the_tokens(header: str, token: str) -> None:
    tokens = Recorder("abc")
    result = await BearerTokenAuthenticator(tokens, api_audiences=API).authenticate(request(("Authorization", header)))
    assert result is not None
    assert tokens.seen == [(token, API)]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic YTpi", "Bearer  abc", "Token abc"])
async def test_headers_that_carry_no_bearer_token_are_not_mine(header: str) -> None:
    tokens = Recorder("abc")
    auth = BearerTokenAuthenticator(tokens, api_audiences=API)
    assert await auth.authenticate(request(("Authorization", header))) is None
    assert tokens.seen == []


async def test_an_unclaimed_token_is_invalid_not_anonymous() -> None:
    auth = BearerTokenAuthenticator(Recorder("abc"), api_audiences=API)
    with pytest.raises(AuthenticationError, match="^invalid bearer token$"):
        await auth.authenticate(request(("Authorization", "Bearer xyz")))


async def test_requested_audiences_replace_the_api_audiences() -> None:
    tokens = Recorder("abc")
    await BearerTokenAuthenticator(tokens, api_audiences=API).authenticate(
        request(("Authorization", "Bearer abc"), audiences=("vault",))
    )
    assert tokens.seen == [("abc", ("vault",))]


async def test_union_lets_the_next_authenticator_try_after_an_error() -> None:
    failing, good = Recorder(error="wrong issuer"), Recorder("abc")
    result = await TokenUnion([failing, good]).authenticate_token("abc", audiences=API)
    assert result is not None and result.user.name == "u"


async def test_union_reports_every_error_when_nobody_accepts() -> None:
    union = TokenUnion([Recorder(error="first"), Recorder(), Recorder(error="second")])
    with pytest.raises(AuthenticationError, match=r"^\[first, second\]$"):
        await union.authenticate_token("abc", audiences=API)
    assert await TokenUnion([Recorder(), Recorder()]).authenticate_token("abc", audiences=API) is None


def test_aggregate_messages_print_like_apimachinery() -> None:
    assert aggregate_errors(["one"]) == "one"
    assert aggregate_errors(["a", "b", "a"]) == "[a, b]"
    assert aggregate_errors(["same", "same"]) == "same"
    assert go_quote_list(["a", 'b"c']) == '["a" "b\\"c"]'


async def test_audience_agnostic_tokens_are_valid_for_the_api_audiences_only() -> None:
    wrapped = AudienceAgnosticToken(API, Recorder("abc"))
    result = await wrapped.authenticate_token("abc", audiences=("vault", API[0]))
    assert result is not None and result.audiences == API
    assert await wrapped.authenticate_token("abc", audiences=("vault",)) is None


async def test_audience_agnostic_wrapper_refuses_an_audience_aware_inner_answer() -> None:
    wrapped = AudienceAgnosticToken(API, Recorder("abc", audiences=API))
    with pytest.raises(AuthenticationError, match="audience agnostic authenticator"):
        await wrapped.authenticate_token("abc", audiences=API)


def _protocol(token: str) -> str:
    return "base64url.bearer.authorization.k8s.io." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


WEBSOCKET = (("Connection", "Upgrade"), ("Upgrade", "websocket"))


async def test_websocket_subprotocol_carries_a_token() -> None:
    tokens = Recorder("abc")
    auth = WebSocketProtocolAuthenticator(tokens, api_audiences=API)
    found = await auth.authenticate(request(*WEBSOCKET, ("Sec-WebSocket-Protocol", f"{_protocol('abc')}, v5.channel.k8s.io")))
    assert found is not None
    assert await auth.authenticate(request(("Sec-WebSocket-Protocol", _protocol("abc")))) is None  # not a websocket


@pytest.mark.parametrize(
    ("protocols", "message"),
    [
        (f"{_protocol('abc')}", "missing additional subprotocol"),
        (f"{_protocol('abc')}, {_protocol('abc')}, x", "multiple base64.bearer.authorization tokens specified"),
        ("base64url.bearer.authorization.k8s.io.!!, x", "invalid base64.bearer.authorization token encoding"),
        (f"{_protocol('nobody')}, x", "invalid bearer token"),
    ],
)
async def test_websocket_subprotocol_errors(protocols: str, message: str) -> None:
    auth = WebSocketProtocolAuthenticator(Recorder("abc"), api_audiences=API)
    with pytest.raises(AuthenticationError, match=f"^{message}$"):
        await auth.authenticate(request(*WEBSOCKET, ("Sec-WebSocket-Protocol", protocols)))
