"""OpenID Connect / JWT authentication: `--oidc-*` flags or `--authentication-config`.

`load` turns the server configuration into one validated `AuthenticationConfiguration` (the two
ways are mutually exclusive, as on the real server); `authenticators` makes one token
authenticator for the JWT issuers (in the file's order), valid for the API audiences. Modules: `options` (the configuration as
data, and the flags' translation), `configfile` (strict decoding of the file), `validation`
(the real rules, plus "no CEL"), `keyset` (discovery and JWKS), `verifier` (signature and
standard claims), `claims` (user mapping), `authenticator` (all of it, per issuer).
"""

from __future__ import annotations

from kubegate.authn.oidc import options, validation
from kubegate.authn.oidc.authenticator import JWTAuthenticator, build
from kubegate.authn.oidc.options import (
    AnonymousAuthConfig,
    AuthenticationConfiguration,
    OIDCConfigError,
)
from kubegate.authn.token import AudienceAgnosticToken, TokenAuthenticator, TokenUnion
from kubegate.config import ServerConfig

__all__ = [
    "AnonymousAuthConfig",
    "AuthenticationConfiguration",
    "JWTAuthenticator",
    "OIDCConfigError",
    "authenticator",
    "load",
]


def load(config: ServerConfig) -> AuthenticationConfiguration:
    """The JWT and anonymous configuration `config` asks for, checked; `OIDCConfigError` if bad."""
    if config.authentication_config is None:
        loaded = options.from_flags(config)
    else:
        if options.oidc_flags_set(config):
            raise OIDCConfigError("authentication-config file and oidc-* flags are mutually exclusive")
        from kubegate.authn.oidc import configfile

        loaded = configfile.load(config.authentication_config)
        # kubegate cannot tell a given --anonymous-auth=true from the default; false it can.
        if loaded.anonymous is not None and not config.anonymous_auth:
            raise OIDCConfigError(
                f"{loaded.source}: anonymous: Forbidden: --anonymous-auth flag cannot be set when "
                "anonymous field is configured in authentication configuration file"
            )
    validation.validate(loaded, disallowed_issuers=config.service_account_issuer)
    return loaded


def authenticator(config: AuthenticationConfiguration, *, api_audiences: tuple[str, ...]) -> TokenAuthenticator | None:
    """All configured issuers as one token authenticator, as kube-apiserver's
    `newJWTAuthenticator` builds them (None when there are none)."""
    if not config.jwt:
        return None
    issuers = [build(jwt, signing_algs=config.signing_algs) for jwt in config.jwt]
    return AudienceAgnosticToken(api_audiences, TokenUnion(issuers))
