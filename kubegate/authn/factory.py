"""Assembles the authentication chain, in the real apiserver's order, in one place.

front proxy -> x509 -> bearer tokens (one union) -> anonymous. Only the credential
authenticators get `system:authenticated`; anonymous is added last and only when enabled.
Each authenticator module offers a `from_config` that returns None when it is not configured,
and raises `AuthenticationConfigError` (naming the file and line) when its configuration is bad.
"""

from __future__ import annotations

from kubegate.authn import oidc, request_header, serviceaccount, x509
from kubegate.authn.anonymous import AnonymousAuthenticator
from kubegate.authn.authenticator import Authenticator
from kubegate.authn.bearertoken import BearerTokenAuthenticator, WebSocketProtocolAuthenticator
from kubegate.authn.bootstrap import BootstrapTokenAuthenticator
from kubegate.authn.group_adder import AuthenticatedGroupAdder
from kubegate.authn.token import AudienceAgnosticToken, TokenAuthenticator, TokenUnion
from kubegate.authn.tokenfile import TokenFileAuthenticator
from kubegate.authn.union import UnionAuthenticator
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles
from kubegate.registry.rest import GenericStore


class AuthenticationConfigError(ValueError):
    """An authenticator's configuration cannot be used; the message names the file and line."""


def build_authenticator(config: ServerConfig, *, pki: PkiFiles | None, rest: GenericStore) -> Authenticator:
    # --oidc-* flags or --authentication-config: the JWT issuers, and maybe anonymous's paths
    authentication = oidc.load(config)
    credential_authenticators: list[Authenticator] = [
        authenticator
        for authenticator in (request_header.from_config(config), x509.from_config(config, pki=pki))
        if authenticator is not None
    ]
    tokens = build_token_authenticator(config, pki=pki, rest=rest, authentication=authentication)
    if tokens is not None:
        audiences = config.api_audiences_or_default
        credential_authenticators.append(BearerTokenAuthenticator(tokens, api_audiences=audiences))
        credential_authenticators.append(WebSocketProtocolAuthenticator(tokens, api_audiences=audiences))
    # As union.New in the real server: a rejected client certificate does not hide a valid token.
    credentials = UnionAuthenticator(credential_authenticators, fail_on_error=False)
    chain: list[Authenticator] = [AuthenticatedGroupAdder(credentials)]
    anonymous = authentication.anonymous or oidc.AnonymousAuthConfig(enabled=config.anonymous_auth)
    if anonymous.enabled:
        chain.append(AnonymousAuthenticator(anonymous.paths))
    return UnionAuthenticator(chain)


def build_token_authenticator(
    config: ServerConfig,
    *,
    pki: PkiFiles | None,
    rest: GenericStore,
    authentication: oidc.AuthenticationConfiguration | None = None,
) -> TokenAuthenticator | None:
    """The bearer-token union, in kube-apiserver's order (pkg/kubeapiserver/authenticator).

    Each member answers "not mine" for tokens it does not recognise (a JWT from another issuer,
    say), so the next one can try; a token nobody claims is a 401 ("invalid bearer token").
    Tokens that know nothing of audiences are wrapped to accept the API audiences only.
    """
    audiences = config.api_audiences_or_default
    tokens: list[TokenAuthenticator] = []
    # 1. static tokens (--token-auth-file)
    if config.token_auth_file is not None:
        tokens.append(AudienceAgnosticToken(audiences, TokenFileAuthenticator.from_file(config.token_auth_file)))
    # 2. ServiceAccount JWTs: legacy Secret-based tokens, then bound tokens (--service-account-issuer)
    tokens.extend(serviceaccount.authenticators_from_config(config, pki=pki, store=rest.store, touch=rest.touch))
    # 3. bootstrap tokens (--enable-bootstrap-token-auth)
    if config.enable_bootstrap_token_auth:
        tokens.append(AudienceAgnosticToken(audiences, BootstrapTokenAuthenticator(rest.store)))
    # 4. OIDC (--oidc-* / --authentication-config): it stays after the ServiceAccount
    #    authenticators, as in the real server, so SA tokens never reach it.
    jwt = oidc.authenticator(authentication or oidc.load(config), api_audiences=audiences)
    if jwt is not None:
        tokens.append(jwt)
    # 5. webhook (--authentication-token-webhook-config-file), cached, last; its client is
    #    imported only when the flag is given.
    if config.authentication_token_webhook_config_file is not None:
        from kubegate.authn import webhook

        remote = webhook.from_config(config)
        if remote is not None:
            tokens.append(remote)
    if not tokens:
        return None
    return TokenUnion(tokens)
