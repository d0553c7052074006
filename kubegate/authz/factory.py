"""Assembles the authorizer chain from `--authorization-mode`, in one place.

`system:masters` is always allowed first; then each mode in the order given. A mode name that
kubegate does not know stops the server at start with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Callable

from kubegate.authz.always import AlwaysAllowAuthorizer, AlwaysDenyAuthorizer
from kubegate.authz.authorizer import Authorizer
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.union import UnionAuthorizer
from kubegate.config import ServerConfig
from kubegate.registry.rest import GenericStore

#: mode name -> constructor from the configuration and the store (RBAC reads roles from it)
ModeFactory = Callable[[ServerConfig, GenericStore], Authorizer]

_MODES: dict[str, ModeFactory] = {
    "AlwaysAllow": lambda config, rest: AlwaysAllowAuthorizer(),
    "AlwaysDeny": lambda config, rest: AlwaysDenyAuthorizer(),
}

KNOWN_MODES = ("AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node")


class AuthorizationConfigError(ValueError):
    pass


def build_authorizer(config: ServerConfig, *, rest: GenericStore) -> Authorizer:
    modes = config.authorization_mode
    if not modes:
        raise AuthorizationConfigError("at least one authorization-mode must be passed")
    chain: list[Authorizer] = [PrivilegedGroupAuthorizer()]
    seen: set[str] = set()
    for mode in modes:
        if mode in seen:
            raise AuthorizationConfigError(f"authorization-mode {mode!r} has mentioned multiple times")
        seen.add(mode)
        factory = _MODES.get(mode)
        if factory is None:
            if mode in KNOWN_MODES:
                raise AuthorizationConfigError(f"authorization mode {mode!r} is not implemented yet")
            raise AuthorizationConfigError(
                f"unknown authorization mode {mode!r}; known modes: {', '.join(KNOWN_MODES)}"
            )
        chain.append(factory(config, rest))
    return UnionAuthorizer(chain)
