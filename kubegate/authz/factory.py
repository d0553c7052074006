"""Assembles the authorizer chain from `--authorization-mode`, in one place.

`system:masters` is always allowed first; then each mode in the order given. A mode name that
kubegate does not know stops the server at start with the list of known ones. With
`--authorization-config` the AuthorizationConfiguration file gives the order instead (and may
list several webhooks, each with its own settings).
"""

from __future__ import annotations

from collections.abc import Callable

from kubegate.authz.always import AlwaysAllowAuthorizer, AlwaysDenyAuthorizer
from kubegate.authz.authorizer import Authorizer
from kubegate.authz.node.authorizer import NodeAuthorizer
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.rbac.authorizer import RBACAuthorizer
from kubegate.authz.union import UnionAuthorizer
from kubegate.config import ConfigError, ServerConfig
from kubegate.registry.rest import GenericStore

#: mode name -> constructor from the configuration and the store (RBAC reads roles from it)
ModeFactory = Callable[[ServerConfig, GenericStore], Authorizer]


# ABAC, the webhook authorizer and the --authorization-config decoder load only when asked for
def _abac(config: ServerConfig, rest: GenericStore) -> Authorizer:
    from kubegate.authz.abac.authorizer import ABACAuthorizer

    return ABACAuthorizer.from_file(config.authorization_policy_file)


def _webhook(config: ServerConfig, rest: GenericStore) -> Authorizer:
    from kubegate.authz.webhook.authorizer import WebhookAuthorizer, WebhookSettings

    return WebhookAuthorizer(WebhookSettings.from_flags(config))


_MODES: dict[str, ModeFactory] = {
    "AlwaysAllow": lambda config, rest: AlwaysAllowAuthorizer(),
    "AlwaysDeny": lambda config, rest: AlwaysDenyAuthorizer(),
    "RBAC": lambda config, rest: RBACAuthorizer.for_store(rest.store),
    "ABAC": _abac,
    "Webhook": _webhook,
    "Node": lambda config, rest: NodeAuthorizer.for_store(rest.store),
}

KNOWN_MODES = ("AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node")


class AuthorizationConfigError(ConfigError):
    pass


def build_authorizer(config: ServerConfig, *, rest: GenericStore) -> Authorizer:
    if config.authorization_config is not None:
        return _from_configuration_file(config, rest=rest)
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
    if config.authorization_policy_file is not None and "ABAC" not in modes:
        raise AuthorizationConfigError("cannot specify --authorization-policy-file without mode ABAC")
    if config.authorization_webhook_config_file is not None and "Webhook" not in modes:
        raise AuthorizationConfigError("cannot specify --authorization-webhook-config-file without mode Webhook")
    return UnionAuthorizer(chain)


#: flags that `--authorization-config` replaces, with their defaults (set means changed)
_REPLACED_FLAGS = (
    "authorization_mode", "authorization_webhook_config_file", "authorization_webhook_version",
    "authorization_webhook_cache_authorized_ttl", "authorization_webhook_cache_unauthorized_ttl",
)


def _from_configuration_file(config: ServerConfig, *, rest: GenericStore) -> Authorizer:
    assert config.authorization_config is not None
    from kubegate.authz.configuration import load_authorization_configuration
    from kubegate.authz.webhook.authorizer import WebhookAuthorizer

    defaults = ServerConfig()
    if any(getattr(config, flag) != getattr(defaults, flag) for flag in _REPLACED_FLAGS):
        raise AuthorizationConfigError(
            "--authorization-config can not be specified when --authorization-mode or "
            "--authorization-webhook-* flags are defined"
        )
    chain: list[Authorizer] = [PrivilegedGroupAuthorizer()]
    for entry in load_authorization_configuration(config.authorization_config):
        if entry.webhook is not None:
            chain.append(WebhookAuthorizer(entry.webhook))
            continue
        factory = _MODES.get(entry.type)
        if factory is None:
            raise AuthorizationConfigError(f"authorization mode {entry.type!r} is not implemented yet")
        chain.append(factory(config, rest))
    return UnionAuthorizer(chain)
