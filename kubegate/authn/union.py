"""Run authenticators in order; the first that claims the request decides.

A claim that fails (`AuthenticationError`) ends the search: a bad credential is a 401 and must
never fall through to a later authenticator such as anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.authn.authenticator import Authenticator, AuthRequest, AuthResult


class UnionAuthenticator:
    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        self._authenticators = tuple(authenticators)

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        for authenticator in self._authenticators:
            result = await authenticator.authenticate(request)
            if result is not None:
                return result
        return None
