"""Trust another authenticator only behind a verified client certificate.

k8s.io/apiserver wraps the request-header (front proxy) authenticator in an x509 `Verifier`:
the client certificate must chain to `--requestheader-client-ca-file` (client-auth usage
required) and, when `--requestheader-allowed-names` is set, its CN must be one of them. Only
then are the wrapped authenticator's headers believed. Any other client (no certificate, or one
from the client CA) fails here with an error the union records and moves past, so its
`X-Remote-User` headers are simply ignored; a proxy certificate whose CN is not allowed ends
as a 401 unless a later authenticator claims the request.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.authn.authenticator import AuthenticationError, Authenticator, AuthRequest, AuthResult
from kubegate.authn.cert_chain import ChainError, ChainVerifier, Verdict, VerdictCache, chain_key
from kubegate.authn.x509 import common_name, load_certificate


class CertificateVerifier:
    """Go's `x509request.Verifier`: verify the client certificate, then ask `inner`."""

    def __init__(
        self,
        inner: Authenticator,
        *,
        verifier: ChainVerifier,
        allowed_common_names: Sequence[str] = (),
    ) -> None:
        self._inner = inner
        self._verifier = verifier
        self._allowed = frozenset(allowed_common_names)
        # None: verified; a string: why not.
        self._cache: VerdictCache[str | None] = VerdictCache()

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        der = request.peer_certificate_der
        if not der:
            return None
        key = chain_key(der, request.peer_certificates)
        verdict = self._cache.get(key) or self._cache.put(key, self._decide(der, request))
        if verdict.value is not None:
            raise AuthenticationError(verdict.value)
        return await self._inner.authenticate(request)

    def _decide(self, der: bytes, request: AuthRequest) -> Verdict[str | None]:
        try:
            leaf = load_certificate(der)
        except ValueError as exc:
            return Verdict(f"x509: unparseable client certificate: {exc}", float("inf"))
        try:
            until = self._verifier.verify(leaf, request.peer_certificates[1:])
        except ChainError as exc:
            return Verdict(str(exc), exc.retry_at)
        name = common_name(leaf)
        if self._allowed and name not in self._allowed:
            return Verdict(f"x509: subject with cn={name} is not in the allowed list", until)
        return Verdict(None, until)
