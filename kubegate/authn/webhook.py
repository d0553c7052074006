"""Webhook token authentication (`--authentication-token-webhook-config-file`).

A bearer token no earlier authenticator claimed is sent to a remote service as an
`authentication.k8s.io` TokenReview (`--authentication-token-webhook-version`, v1 or v1beta1);
its `status` decides. As in k8s.io/apiserver's webhook authenticator:

- `spec.audiences` carries the requested audiences (the API audiences for an API request); an
  answer whose `status.audiences` (or, when it names none, the API audiences) does not
  intersect them is "not mine";
- `authenticated: false` is "not mine", unless `status.error` says why, which makes it a failure;
- a service that is down, slow or answers non-2xx makes the token a 401 (logged, without the
  token), never a crash and never anonymous;
- answers are cached for `--authentication-token-webhook-cache-ttl` (default 2m), acceptances
  and plain refusals alike; errors are not cached.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Any

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.token import TokenAuthenticator, intersect
from kubegate.authn.token_cache import CachedTokenAuthenticator
from kubegate.config import ServerConfig
from kubegate.webhook.client import GenericWebhook, WebhookError
from kubegate.webhook.kubeconfig import WebhookConfigError, load_kubeconfig

log = logging.getLogger("kubegate.authn.webhook")

SUPPORTED_VERSIONS = ("v1", "v1beta1")


class WebhookTokenAuthenticator:
    def __init__(self, webhook: GenericWebhook, *, version: str, api_audiences: tuple[str, ...]) -> None:
        self._webhook = webhook
        self._api_version = f"authentication.k8s.io/{version}"
        self._api_audiences = api_audiences

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        # The shape client-go sends, empty metadata and status included, for strict decoders.
        review = {
            "kind": "TokenReview",
            "apiVersion": self._api_version,
            "metadata": {"creationTimestamp": None},
            "spec": {"token": token, "audiences": list(audiences)},
            "status": {"user": {}},
        }
        try:
            answer = await self._webhook.post(review)
        except WebhookError as exc:
            log.error("Failed to make webhook authenticator request: %s", exc)
            raise AuthenticationError(f"webhook: {exc}") from None
        status = _status(answer)
        granted: tuple[str, ...] = ()
        if audiences:
            granted = intersect(_strings(status, "audiences") or self._api_audiences, audiences)
            if not granted:
                return None
        if status.get("authenticated") is not True:
            error = status.get("error")
            if isinstance(error, str) and error:
                raise AuthenticationError(error)
            return None
        return AuthResult(_user(status.get("user")), granted)


def _status(answer: dict[str, Any]) -> dict[str, Any]:
    status = answer.get("status")
    if status is None:
        return {}
    if not isinstance(status, dict):
        raise _malformed("status is not an object")
    if not isinstance(status.get("authenticated", False), bool):
        raise _malformed("status.authenticated is not a boolean")
    return status


def _user(raw: Any) -> UserInfo:
    user = raw if isinstance(raw, dict) else {}
    if raw is not None and not isinstance(raw, dict):
        raise _malformed("status.user is not an object")
    name, uid = user.get("username", ""), user.get("uid", "")
    if not isinstance(name, str) or not isinstance(uid, str):
        raise _malformed("status.user.username and uid must be strings")
    extra_raw = user.get("extra") or {}
    if not isinstance(extra_raw, dict):
        raise _malformed("status.user.extra is not an object")
    extra = {str(key): _string_list(values, f"status.user.extra[{key}]") for key, values in extra_raw.items()}
    groups = _string_list(user.get("groups"), "status.user.groups")
    return UserInfo(name, uid, groups, MappingProxyType(extra))


def _strings(status: dict[str, Any], key: str) -> tuple[str, ...]:
    return _string_list(status.get(key), f"status.{key}")


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _malformed(f"{where} is not a list of strings")
    return tuple(value)


def _malformed(detail: str) -> AuthenticationError:
    log.error("Failed to make webhook authenticator request: malformed TokenReview: %s", detail)
    return AuthenticationError(f"webhook: malformed TokenReview: {detail}")


def from_config(config: ServerConfig) -> TokenAuthenticator | None:
    """The webhook authenticator `config` asks for (cached as configured), or None."""
    path = config.authentication_token_webhook_config_file
    if path is None:
        return None
    version = config.authentication_token_webhook_version
    if version not in SUPPORTED_VERSIONS:
        supported = ", ".join(f'"{v}"' for v in SUPPORTED_VERSIONS)
        raise WebhookConfigError(
            f"--authentication-token-webhook-version: unsupported authentication webhook version "
            f'"{version}", supported versions are {supported}'
        )
    authenticator = WebhookTokenAuthenticator(
        GenericWebhook(load_kubeconfig(path)),
        version=version,
        api_audiences=config.api_audiences_or_default,
    )
    ttl = config.authentication_token_webhook_cache_ttl
    if ttl <= 0:
        return authenticator
    return CachedTokenAuthenticator(authenticator, success_ttl=ttl, failure_ttl=ttl)
