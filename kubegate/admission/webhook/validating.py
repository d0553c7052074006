"""ValidatingAdmissionWebhook: every matching validating webhook, called at the same time.

Which webhooks apply is decided first, in order (a selector or matchConditions error stops the
request there); the calls then run concurrently, and the request fails with the first error
to arrive, as the real dispatcher reads them off its error channel. Calls that fail are
skipped under failurePolicy Ignore, with a `failed-open` audit annotation.
"""

from __future__ import annotations

import asyncio
import logging

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.webhook import rules
from kubegate.admission.webhook.configuration import WebhookSource
from kubegate.admission.webhook.failures import FAILED_OPEN_VALIDATING, CallingError, failed_closed
from kubegate.admission.webhook.matching import Invocation, Matcher, typed, versioned
from kubegate.api import errors
from kubegate.registry.objects import ObjectCache

log = logging.getLogger("kubegate.admission.webhook")


class ValidatingWebhookAdmission:
    def __init__(self, source: WebhookSource, matcher: Matcher, *, cache: ObjectCache) -> None:
        self._source = source
        self._matcher = matcher
        self._cache = cache

    async def validate(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if rules.is_exempt(spec.group, spec.kind):
            return
        hooks = self._source.hooks()
        if not hooks:
            return
        relevant = [
            invocation for hook in hooks if (invocation := self._matcher.should_call(hook, attributes)) is not None
        ]
        if not relevant:
            return
        calls = [asyncio.ensure_future(self._call(index, invocation, attributes)) for index, invocation in enumerate(relevant)]
        try:
            failures = [failure for done in asyncio.as_completed(calls) if (failure := await done) is not None]
        finally:
            for pending in calls:
                pending.cancel()
        if failures:
            raise failures[0]

    async def _call(self, index: int, invocation: Invocation, attributes: AdmissionAttributes) -> errors.StatusError | None:
        # the HTTP side (review, services, client) loads with the first matching webhook
        from kubegate.admission.webhook import calling

        hook, spec, sub = invocation.hook, attributes.spec, attributes.subresource
        obj = typed(versioned(attributes.obj, spec, invocation.spec, sub), invocation.kind)
        old = typed(versioned(attributes.old, spec, invocation.spec, sub), invocation.kind)
        try:
            await calling.call(hook, invocation, attributes, cache=self._cache, obj=obj, old=old)
        except CallingError as failure:
            if not hook.ignores_failures:
                return failed_closed(failure)
            log.warning("Failed calling webhook, failing open %s: %s", hook.name, failure)
            attributes.audit_annotations[f"{FAILED_OPEN_VALIDATING}/round_0_index_{index}"] = hook.name
        except errors.StatusError as refusal:
            return refusal
        return None
