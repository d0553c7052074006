"""Assembles the authentication chain, in the real apiserver's order, in one place.

front proxy -> x509 -> bearer tokens (one union) -> anonymous. Only the credential
authenticators get `system:authenticated`; anonymous is added last and only when enabled.
Each authenticator module offers a `from_config` that returns None when it is not configured,
and raises `AuthenticationConfigError` (naming the file and line) when its configuration is bad.
"""

from __future__ import annotations

from kubegate.authn.anonymous import AnonymousAuthenticator
from kubegate.authn.authenticator import Authenticator
from kubegate.authn.group_adder import AuthenticatedGroupAdder
from kubegate.authn.union import UnionAuthenticator
from kubegate.authn.x509 import X509Authenticator
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles
from kubegate.registry.rest import GenericStore


class AuthenticationConfigError(ValueError):
    """An authenticator's configuration cannot be used; the message names the file and line."""


def build_authenticator(config: ServerConfig, *, pki: PkiFiles | None, rest: GenericStore) -> Authenticator:
    token_authenticators: list[Authenticator] = []
    credential_authenticators: list[Authenticator] = [X509Authenticator()]
    if token_authenticators:
        credential_authenticators.append(UnionAuthenticator(token_authenticators))
    chain: list[Authenticator] = [AuthenticatedGroupAdder(UnionAuthenticator(credential_authenticators))]
    if config.anonymous_auth:
        chain.append(AnonymousAuthenticator())
    return UnionAuthenticator(chain)
