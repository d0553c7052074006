"""Assembles the authorizer chain from `--authorization-mode`, in one place.

`system:masters` is always allowed first; then each mode in the order given. A mode name that
kubegate does not know stops the server at start with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kubegate.authz.always import AlwaysAllowAuthorizer, AlwaysDenyAuthorizer
from kubegate.authz.authorizer import Authorizer
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.union import UnionAuthorizer

_MODES: dict[str, Callable[[], Authorizer]] = {
    "AlwaysAllow": AlwaysAllowAuthorizer,
    "AlwaysDeny": AlwaysDenyAuthorizer,
}

KNOWN_MODES = ("AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node")


class AuthorizationConfigError(ValueError):
    pass


def build_authorizer(modes: Sequence[str]) -> Authorizer:
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
        chain.append(factory())
    return UnionAuthorizer(chain)
