"""The last link of the chain: requests that presented no credential at all.

With `--anonymous-auth=true` (the default) they become `system:anonymous` in
`system:unauthenticated`; authorization then decides what that user may do. An
`--authentication-config` file's `anonymous.conditions` limit that to the listed paths (exact
matches), as in 1.32's AnonymousAuthConfigurableEndpoints: elsewhere the request is a 401.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubegate.api.user import ANONYMOUS
from kubegate.authn.authenticator import AuthRequest, AuthResult

_RESULT = AuthResult(ANONYMOUS)


class AnonymousAuthenticator:
    def __init__(self, allowed_paths: Iterable[str] = ()) -> None:
        self._allowed_paths = frozenset(allowed_paths)

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        if self._allowed_paths and request.path not in self._allowed_paths:
            return None
        return _RESULT
