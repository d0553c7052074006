"""Adds `system:authenticated` to every identity an authenticator vouched for.

Wraps the credential authenticators (not anonymous), as k8s.io/apiserver's
`AuthenticatedGroupAdder` does. Inner authenticators cache their results per credential, so the
decorated copy is cached per inner result and a repeat client costs no allocation.
"""

from __future__ import annotations

from kubegate.api.user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER
from kubegate.authn.authenticator import Authenticator, AuthRequest, AuthResult

_CACHE_SIZE = 4096
_STATUS_GROUPS = frozenset((ALL_AUTHENTICATED, ALL_UNAUTHENTICATED))


class AuthenticatedGroupAdder:
    def __init__(self, inner: Authenticator) -> None:
        self._inner = inner
        # id(inner result) -> (inner result, decorated); holding the inner result keeps its id unique.
        self._decorated: dict[int, tuple[AuthResult, AuthResult]] = {}

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        result = await self._inner.authenticate(request)
        if result is None:
            return None
        # As the real adder: never for system:anonymous (a front proxy may name it), nor for an
        # identity that already says whether it is authenticated.
        user = result.user
        if user.name == ANONYMOUS_USER or not _STATUS_GROUPS.isdisjoint(user.groups):
            return result
        hit = self._decorated.get(id(result))
        if hit is not None and hit[0] is result:
            return hit[1]
        decorated = AuthResult(result.user.with_groups(ALL_AUTHENTICATED), result.audiences)
        if len(self._decorated) >= _CACHE_SIZE:
            self._decorated.clear()
        self._decorated[id(result)] = (result, decorated)
        return decorated
