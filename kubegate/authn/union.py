"""Run authenticators in order; the first that claims the request decides.

Two flavours, as k8s.io/apiserver's `union.New` and `union.NewFailOnError`. By default a claim
that fails (`AuthenticationError`) ends the search: a bad credential is a 401 and must never fall
through to anonymous. With `fail_on_error=False` (the credential authenticators: front proxy,
x509, tokens) a failure is remembered and the next authenticator still gets its turn, so a
client certificate the x509 authenticator rejects does not hide a valid bearer token; when no
one succeeds, the remembered failures are raised together.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.authn.authenticator import AuthenticationError, Authenticator, AuthRequest, AuthResult


class UnionAuthenticator:
    def __init__(self, authenticators: Sequence[Authenticator], *, fail_on_error: bool = True) -> None:
        self._authenticators = tuple(authenticators)
        self._fail_on_error = fail_on_error

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        failures: list[str] = []
        for authenticator in self._authenticators:
            try:
                result = await authenticator.authenticate(request)
            except AuthenticationError as exc:
                if self._fail_on_error:
                    raise
                failures.append(str(exc))
                continue
            if result is not None:
                return result
        if failures:
            # Go's aggregate error: one message alone, several as "[a, b]".
            raise AuthenticationError(failures[0] if len(failures) == 1 else f"[{', '.join(failures)}]")
        return None
