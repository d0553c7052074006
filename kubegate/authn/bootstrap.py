"""Bootstrap tokens (`--enable-bootstrap-token-auth`), the credentials `kubeadm join` uses.

A token `<id>.<secret>` (id `[a-z0-9]{6}`, secret `[a-z0-9]{16}`) is looked up as the Secret
`kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`. As in the real
authenticator (plugin/pkg/auth/authenticator/token/bootstrap), every way the Secret can fail to
vouch for the token (missing, being deleted, wrong type, secret or id mismatch, expired,
`usage-bootstrap-authentication` not "true", a malformed extra group) is "not mine": the token
union then answers "invalid bearer token". The secret part is compared in constant time and is
never logged (the real server logs it at -v=3; kubegate does not).

The user is `system:bootstrap:<id>` in `system:bootstrappers` plus `auth-extra-groups`, as a
sorted, de-duplicated list.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
from datetime import datetime
from typing import Any

from kubegate.api import meta
from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthResult
from kubegate.registry.objects import ObjectCache

log = logging.getLogger("kubegate.authn.bootstrap")

TOKEN_RE = re.compile(r"\A([a-z0-9]{6})\.([a-z0-9]{16})\Z")
GROUP_RE = re.compile(r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\Z")
SECRET_NAMESPACE = "kube-system"
SECRET_PREFIX = "bootstrap-token-"
SECRET_TYPE = "bootstrap.kubernetes.io/token"
USER_PREFIX = "system:bootstrap:"
DEFAULT_GROUP = "system:bootstrappers"

KEY_TOKEN_ID = "token-id"
KEY_TOKEN_SECRET = "token-secret"
KEY_EXPIRATION = "expiration"
KEY_USAGE_AUTHENTICATION = "usage-bootstrap-authentication"
KEY_EXTRA_GROUPS = "auth-extra-groups"

_SECRETS = ("", "secrets")


def secret_data(secret: dict[str, Any], key: str) -> str:
    """A Secret's `data[key]` decoded; "" when absent or not valid base64."""
    data = secret.get("data")
    if not isinstance(data, dict):
        return ""
    value = data.get(key)
    if not isinstance(value, str):
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="surrogateescape")
    except (binascii.Error, ValueError):
        return ""


def has_expired(secret: dict[str, Any], now: datetime) -> bool:
    """Unparseable expirations count as expired, as cluster-bootstrap decides."""
    expiration = secret_data(secret, KEY_EXPIRATION)
    if not expiration:
        return False
    moment = parse_rfc3339(expiration)
    if moment is None:
        log.debug("Unparseable expiration time in bootstrap token Secret %s; treating as expired",
                  secret["metadata"].get("name"))
        return True
    return moment <= now


def parse_rfc3339(text: str) -> datetime | None:
    """Go's `time.RFC3339` layout: a date, `T`, a time with optional fraction, `Z` or an offset."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def extra_groups(secret: dict[str, Any]) -> tuple[str, ...] | None:
    """The sorted groups, or None when one of `auth-extra-groups` is not a bootstrap group."""
    groups = {DEFAULT_GROUP}
    listed = secret_data(secret, KEY_EXTRA_GROUPS)
    if listed:
        for group in listed.split(","):
            if not GROUP_RE.match(group):
                return None
            groups.add(group)
    return tuple(sorted(groups))


class BootstrapTokenAuthenticator:
    def __init__(self, store: ObjectCache) -> None:
        self._store = store

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        match = TOKEN_RE.match(token)
        if match is None:
            return None
        token_id, token_secret = match.group(1), match.group(2)
        name = SECRET_PREFIX + token_id
        stored = self._store.get(_SECRETS, (SECRET_NAMESPACE, name))
        if stored is None:
            log.debug("No secret of name %s to match bootstrap bearer token", name)
            return None
        secret = stored.obj
        reason = self._reject_reason(secret, token_id, token_secret)
        if reason:
            log.debug("Bootstrap secret %s/%s matching bearer token %s", SECRET_NAMESPACE, name, reason)
            return None
        groups = extra_groups(secret)
        if groups is None:
            log.debug("Bootstrap secret %s/%s matching bearer token has invalid value for key %s",
                      SECRET_NAMESPACE, name, KEY_EXTRA_GROUPS)
            return None
        return AuthResult(UserInfo(USER_PREFIX + token_id, groups=groups))

    @staticmethod
    def _reject_reason(secret: dict[str, Any], token_id: str, token_secret: str) -> str:
        """Why the Secret does not vouch for the token ("" when it does), in the real order."""
        if secret["metadata"].get("deletionTimestamp"):
            return "is deleted and awaiting removal"
        if secret.get("type") != SECRET_TYPE or not isinstance(secret.get("data"), dict):
            return f"has invalid type, expected {SECRET_TYPE}."
        stored_secret = secret_data(secret, KEY_TOKEN_SECRET)
        if not hmac.compare_digest(stored_secret.encode("utf-8", "surrogateescape"), token_secret.encode()):
            return f"has invalid value for key {KEY_TOKEN_SECRET}."
        if secret_data(secret, KEY_TOKEN_ID) != token_id:
            return f"has invalid value for key {KEY_TOKEN_ID}, expected {token_id}."
        if has_expired(secret, meta.now()):
            return "has expired."
        if secret_data(secret, KEY_USAGE_AUTHENTICATION) != "true":
            return f"not marked {KEY_USAGE_AUTHENTICATION}=true."
        return ""
