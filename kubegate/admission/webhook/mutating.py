"""MutatingAdmissionWebhook: the mutating webhooks, one after another, patching the object.

Webhooks run in configuration-name order, then in their order within a configuration. Before
the first one the object gets the defaults a real server's decoding gives it, and again after
every patch. An allowed answer may carry a JSONPatch, applied to the object as the webhook saw
it (in the version it matched); a patch on a DELETE, a bad patch or another patch type fail
the request with the real texts. A webhook that changes the object makes the earlier webhooks
with reinvocationPolicy IfNeeded run again, in a second round of the mutating phase (the
chain's reinvocation); a webhook not called in the first round is not called in the second.
Calls that fail are skipped under failurePolicy Ignore, with a `failed-open` audit annotation.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.webhook import rules
from kubegate.admission.webhook.configuration import IF_NEEDED, Hook, WebhookSource
from kubegate.admission.webhook.failures import (
    FAILED_OPEN_MUTATING,
    MUTATION_ANNOTATION,
    CallingError,
    failed_closed,
)
from kubegate.admission.webhook.matching import Invocation, Matcher, typed, versioned
from kubegate.admission.webhook.review import JSON_PATCH
from kubegate.api import errors
from kubegate.api.gofmt import go_quote
from kubegate.api.jsonpatch import PatchApplyError, apply_json_patch
from kubegate.api.mergepatch import go_kind
from kubegate.registry.objects import ObjectCache
from kubegate.registry.spec import ResourceSpec

PLUGIN = "MutatingAdmissionWebhook"
log = logging.getLogger("kubegate.admission.webhook")
#: The defaults the real decoding applies to an incoming object of a resource, in place.
Defaulter = Callable[[ResourceSpec, dict[str, Any]], None]


@dataclass(slots=True)
class _Reinvocation:
    """webhookReinvokeContext: which webhooks may run again, and the object they last saw."""

    last_output: dict[str, Any] | None = None
    previously_invoked: set[str] = field(default_factory=set)
    to_reinvoke: set[str] = field(default_factory=set)

    def require_reinvoking(self) -> None:
        self.to_reinvoke |= self.previously_invoked
        self.previously_invoked = set()


class MutatingWebhookAdmission:
    def __init__(
        self, source: WebhookSource, matcher: Matcher, *, cache: ObjectCache, defaulter: Defaulter | None = None
    ) -> None:
        self._source = source
        self._matcher = matcher
        self._cache = cache
        self._defaulter = defaulter

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if rules.is_exempt(spec.group, spec.kind):
            return
        hooks = self._source.hooks()
        if not hooks:
            return
        context = attributes.reinvocation
        state = context.values.setdefault(PLUGIN, _Reinvocation())
        assert isinstance(state, _Reinvocation)
        if context.is_reinvoke and attributes.obj != state.last_output:
            state.require_reinvoking()  # in-tree plugins changed the object since
        try:
            for index, hook in enumerate(hooks):
                invocation = self._matcher.should_call(hook, attributes)
                if invocation is None or (context.is_reinvoke and hook.uid not in state.to_reinvoke):
                    continue
                round_ = 1 if context.is_reinvoke else 0
                changed = await self._call(hook, invocation, attributes, round_=round_, index=index)
                if changed:
                    state.require_reinvoking()
                    context.should_reinvoke = True
                if hook.reinvocation_policy == IF_NEEDED:
                    state.previously_invoked.add(hook.uid)
        finally:
            state.last_output = copy.deepcopy(attributes.obj)

    async def _call(
        self, hook: Hook, invocation: Invocation, attributes: AdmissionAttributes, *, round_: int, index: int
    ) -> bool:
        changed = False
        try:
            changed = await self._mutate(hook, invocation, attributes)
        except CallingError as failure:
            if not hook.ignores_failures:
                raise failed_closed(failure) from None
            log.warning("Failed calling webhook, failing open %s: %s", hook.name, failure)
            attributes.audit_annotations[f"{FAILED_OPEN_MUTATING}/round_{round_}_index_{index}"] = hook.name
        finally:
            record = {"configuration": hook.configuration, "webhook": hook.name, "mutated": changed}
            attributes.audit_annotations[f"{MUTATION_ANNOTATION}/round_{round_}_index_{index}"] = orjson.dumps(record).decode()
        return changed

    async def _mutate(self, hook: Hook, invocation: Invocation, attributes: AdmissionAttributes) -> bool:
        # the HTTP side (review, services, client) loads with the first matching webhook
        from kubegate.admission.webhook import calling

        spec, sub = attributes.spec, attributes.subresource
        self._default(spec, sub, attributes.obj)
        obj = typed(versioned(attributes.obj, spec, invocation.spec, sub), invocation.kind)
        old = typed(versioned(attributes.old, spec, invocation.spec, sub), invocation.kind)
        response = await calling.call(hook, invocation, attributes, cache=self._cache, obj=obj, old=old)
        if not response.patch:
            return False
        operations = _decode_patch(response.patch)
        if not operations:
            return False
        if obj is None or attributes.obj is None:
            raise errors.internal(
                f"admission webhook {go_quote(hook.name)} attempted to modify the object, which is not supported for this operation"
            )
        if response.patch_type != JSON_PATCH:
            raise CallingError(hook.name, f"unsupported patch type {go_quote(response.patch_type)}")
        patched = _apply(obj, operations)
        changed = patched != obj
        updated = versioned(patched, invocation.spec, spec, sub)
        assert updated is not None
        self._default(spec, sub, updated)
        attributes.obj.clear()
        attributes.obj.update(updated)
        return changed

    def _default(self, spec: ResourceSpec, subresource: str, obj: dict[str, Any] | None) -> None:
        if self._defaulter is not None and obj is not None and subresource in ("", "status"):
            self._defaulter(spec, obj)


def _decode_patch(raw: bytes) -> list[Any]:
    """jsonpatch.DecodePatch, failing as a 500 with encoding/json's text."""
    try:
        operations = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise errors.internal(f"invalid character in patch: {error}") from None
    if operations is None:
        return []
    if not isinstance(operations, list):
        raise errors.internal(f"json: cannot unmarshal {go_kind(operations)} into Go value of type jsonpatch.Patch")
    return operations


def _apply(obj: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """The patched object; a failing operation is a 500 with the json-patch library's text."""
    try:
        patched = apply_json_patch(obj, operations)
    except errors.StatusError as error:
        cause = error.__cause__
        raise errors.internal(str(cause) if isinstance(cause, PatchApplyError) else error.message) from None
    if not isinstance(patched, dict):
        raise errors.internal(f"json: cannot unmarshal {go_kind(patched)} into Go value of type map[string]interface {{}}")
    return patched
