"""One JWT issuer as a token authenticator (k8s.io/apiserver's `oidc.jwtAuthenticator`).

A token whose unverified `iss` is not this issuer is "not mine", so the next issuer, or the
webhook, can look at it. One that is this issuer's is mine for good: it must pass every check of
`verifier` and `claims`, or it is a 401. A token naming a key id the cached key set lacks makes
the key set fetch the issuer's JWKS again (rate-limited) before the token is judged.

The token is checked against the issuer's own audiences, not the API's: the factory wraps the
issuers in `token.AudienceAgnosticToken`, as the real server does, so a result says which API
audiences it serves.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.oidc import claims, options, verifier
from kubegate.authn.oidc.keyset import KeysUnavailable, RemoteKeySet


class JWTAuthenticator:
    def __init__(
        self,
        config: options.JWTAuthenticator,
        *,
        keys: RemoteKeySet,
        signing_algs: tuple[str, ...],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.keys = keys
        self._signing_algs = signing_algs
        self._clock = clock

    @property
    def issuer_url(self) -> str:
        return self.config.issuer.url

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...] = ()) -> AuthResult | None:
        if verifier.untrusted_issuer(token) != self.issuer_url:
            return None
        try:
            keys = await self.keys.current()
        except KeysUnavailable as exc:
            raise AuthenticationError(str(exc)) from None
        try:
            jwt = verifier.parse(token)
            verifier.check_claims(
                jwt, issuer=self.issuer_url, audiences=self.config.issuer.audiences, now=self._clock()
            )
            alg = verifier.check_algorithm(jwt, self._signing_algs)
            if not verifier.signature_valid(jwt, alg, keys):
                fresh = None if verifier.knows_key(jwt, keys) else await self.keys.refresh()
                if fresh is None or not verifier.signature_valid(jwt, alg, fresh):
                    raise verifier.TokenInvalid("failed to verify signature: failed to verify id token signature")
        except verifier.TokenInvalid as exc:
            raise AuthenticationError(f"oidc: verify token: {exc}") from None
        user = claims.user_from_claims(jwt.claims, self.config)
        return AuthResult(user)


def build(config: options.JWTAuthenticator, *, signing_algs: tuple[str, ...]) -> JWTAuthenticator:
    """An authenticator for one configured issuer, trusting its CA (or the system roots)."""
    ca = config.issuer.certificate_authority
    context = ssl.create_default_context(cadata=ca or None)
    keys = RemoteKeySet(issuer_url=config.issuer.url, discovery_url=config.issuer.discovery_url, ssl_context=context)
    return JWTAuthenticator(config, keys=keys, signing_algs=signing_algs)
