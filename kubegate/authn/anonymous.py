"""The last link of the chain: requests that presented no credential at all.

With `--anonymous-auth=true` (the default) they become `system:anonymous` in
`system:unauthenticated`; authorization then decides what that user may do.
"""

from __future__ import annotations

from kubegate.api.user import ANONYMOUS
from kubegate.authn.authenticator import AuthRequest, AuthResult

_RESULT = AuthResult(ANONYMOUS)


class AnonymousAuthenticator:
    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        return _RESULT
