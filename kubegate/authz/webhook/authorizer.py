"""The webhook authorizer: POST a SubjectAccessReview, cache the answer, decide.

As in k8s.io/apiserver's WebhookAuthorizer: answers are cached by the review's spec, allows for
the authorized TTL and everything else for the unauthorized TTL (8192 entries, least recently
used first out). `denied` wins over `allowed` (both set is a deny that also reports an error);
neither is no opinion. The webhook's `reason` goes into the 403 message.

When the webhook cannot be asked (refused, timed out, non-2xx, unreadable answer) the decision is
the failure policy's: no opinion (the flags' only choice) or deny, in both cases with the error
attached. The real filter then answers a plain-text 500 naming that error unless a later
authorizer allows the request; kubegate does the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision, RulesResult, Verdict
from kubegate.authz.webhook import review
from kubegate.authz.webhook.cache import ExpiringLRU
from kubegate.config import ConfigError, ServerConfig
from kubegate.webhook.client import DEFAULT_BACKOFF, Backoff, GenericWebhook, WebhookError
from kubegate.webhook.kubeconfig import load_kubeconfig

log = logging.getLogger("kubegate.authz.webhook")

CACHE_SIZE = 8192
#: requests whose attributes add up to more than this are never cached (shouldCache)
MAX_CACHED_ATTRIBUTE_BYTES = 10_000
FAILURE_POLICIES = ("NoOpinion", "Deny")
BOTH_ALLOWED_AND_DENIED = "webhook subject access review returned both allow and deny response"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """One webhook authorizer, from the flags or an AuthorizationConfiguration entry."""

    kubeconfig: Path
    #: the name the flags give it (`default`), or the configuration's
    name: str = "default"
    version: str = "v1beta1"
    authorized_ttl: float = 300.0
    unauthorized_ttl: float = 30.0
    timeout: float = 30.0
    failure_policy: str = "NoOpinion"

    @classmethod
    def from_flags(cls, config: ServerConfig) -> WebhookSettings:
        if config.authorization_webhook_config_file is None:
            raise ConfigError("authorization-mode Webhook's authorization config file not passed")
        return cls(
            kubeconfig=config.authorization_webhook_config_file,
            version=config.authorization_webhook_version,
            authorized_ttl=config.authorization_webhook_cache_authorized_ttl,
            unauthorized_ttl=config.authorization_webhook_cache_unauthorized_ttl,
        )


class WebhookAuthorizer:
    def __init__(
        self,
        settings: WebhookSettings,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.version not in review.VERSIONS:
            raise ConfigError(
                f'unsupported webhook authorizer version "{settings.version}", '
                'supported versions are "v1", "v1beta1"'
            )
        if settings.failure_policy not in FAILURE_POLICIES:
            raise ConfigError(f'unknown failurePolicy "{settings.failure_policy}"')
        self.settings = settings
        self._client = GenericWebhook(load_kubeconfig(settings.kubeconfig), timeout=settings.timeout, backoff=backoff)
        self._cache: ExpiringLRU[bytes, review.ReviewStatus] = ExpiringLRU(CACHE_SIZE, clock=clock)
        self._on_error = Decision.DENY if settings.failure_policy == "Deny" else Decision.NO_OPINION

    async def authorize(self, attributes: Attributes) -> Verdict:
        spec = review.spec_for(attributes)
        key = orjson.dumps(spec)
        status = self._cache.get(key)
        if status is None:
            try:
                answer = await self._client.post(review.request_body(spec, self.settings.version))
                status = review.read_status(answer)
            except (WebhookError, review.MalformedReview) as exc:
                log.error("Failed to make webhook authorizer request (%s): %s", self.settings.name, exc)
                return Verdict(self._on_error, "", evaluation_error=str(exc))
            if should_cache(attributes):
                ttl = self.settings.authorized_ttl if status.allowed else self.settings.unauthorized_ttl
                self._cache.add(key, status, ttl)
        if status.denied:
            error = BOTH_ALLOWED_AND_DENIED if status.allowed else ""
            return Verdict(Decision.DENY, status.reason, evaluation_error=error)
        if status.allowed:
            return Verdict(Decision.ALLOW, status.reason)
        return Verdict(Decision.NO_OPINION, status.reason)

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        return RulesResult(incomplete=True, evaluation_error="webhook authorizer does not support user rule resolution")


def should_cache(attributes: Attributes) -> bool:
    size = sum(
        len(value)
        for value in (
            attributes.namespace,
            attributes.verb,
            attributes.api_group,
            attributes.api_version,
            attributes.resource,
            attributes.subresource,
            attributes.name,
            attributes.path,
        )
    )
    return size < MAX_CACHED_ATTRIBUTE_BYTES
