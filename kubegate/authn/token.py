"""The bearer-token contract, the token union and the audience-agnostic wrapper.

Mirrors k8s.io/apiserver's `authenticator.Token`: every token authenticator (static file,
ServiceAccount JWTs, bootstrap tokens, OIDC, webhook) has one method,
`authenticate_token(token, audiences=...)`, with the same three outcomes as a request
authenticator: `None` (not mine), raise `AuthenticationError` (mine and bad), or an
`AuthResult` whose `audiences` say which of the requested audiences the token is valid for.

Unlike the request chain, the token union does not stop at the first error: as
`token/union.New` does, it remembers the error and lets the next authenticator try, so a JWT
that one issuer rejects can still be claimed by another. When nobody succeeds, the errors are
reported together, joined the way apimachinery's aggregate error prints them (TokenReview shows
that text in `status.error`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from kubegate.api.gofmt import aggregate_errors, go_quote_list
from kubegate.authn.authenticator import AuthenticationError, AuthResult


class TokenAuthenticator(Protocol):
    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        """`audiences` are the audiences the token must be valid for (never empty)."""
        ...


class AggregateAuthenticationError(AuthenticationError):
    """Several token authenticators rejected the token; each message is kept."""

    def __init__(self, errors: Sequence[AuthenticationError]) -> None:
        self.messages = tuple(_flatten(errors))
        super().__init__(aggregate_errors(self.messages))


def _flatten(errors: Iterable[AuthenticationError]) -> Iterable[str]:
    for error in errors:
        if isinstance(error, AggregateAuthenticationError):
            yield from error.messages
        else:
            yield str(error)


class TokenUnion:
    """Try each token authenticator in order; the first success wins, errors are collected."""

    def __init__(self, authenticators: Sequence[TokenAuthenticator]) -> None:
        self._authenticators = tuple(authenticators)

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        errors: list[AuthenticationError] = []
        for authenticator in self._authenticators:
            try:
                result = await authenticator.authenticate_token(token, audiences=audiences)
            except AuthenticationError as exc:
                errors.append(exc)
                continue
            if result is not None:
                return result
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise AggregateAuthenticationError(errors)
        return None


def intersect(accepted: Sequence[str], requested: Sequence[str]) -> tuple[str, ...]:
    """The requested audiences that are also accepted, in the requested order."""
    return tuple(audience for audience in requested if audience in accepted)


class AudienceAgnosticToken:
    """Wraps a token authenticator that knows nothing of audiences (static file, bootstrap).

    Such a token is valid for the API audiences only: when the caller asks for none of them
    (a TokenReview for another audience), the token is not claimed at all; on success the
    result carries the audiences that matched (`WrapAudienceAgnosticToken`).
    """

    def __init__(self, implicit: Sequence[str], delegate: TokenAuthenticator) -> None:
        self._implicit = tuple(implicit)
        self._delegate = delegate

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        matched = intersect(self._implicit, audiences)
        if not matched:
            return None
        result = await self._delegate.authenticate_token(token, audiences=audiences)
        if result is None:
            return None
        if result.audiences:
            raise AuthenticationError(
                "audience agnostic authenticator wrapped an authenticator that returned audiences: "
                + go_quote_list(result.audiences)
            )
        return AuthResult(result.user, matched)


