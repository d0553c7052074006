"""Which webhooks a request concerns, and as which resource (generic.Webhook.ShouldCallHook).

In the real order: the namespace selector (the namespace's labels; for a Namespace created or
updated, its own), the object selector (new or old object's labels), then the rules, first
against the request's own resource, then (matchPolicy Equivalent) against the other versions
of the same resource, a match there sending the object converted to that version. Selector
problems only count when a rule matches. Last come the matchConditions: CEL expressions that
kubegate leaves to a `ConditionEvaluator`; without one, conditions are not evaluated and the
webhook is called as if it had none.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.webhook import rules
from kubegate.admission.webhook.configuration import EQUIVALENT, FAIL, Hook, Selector
from kubegate.admission.webhook.review import Request, request_fields
from kubegate.api import errors
from kubegate.api.gofmt import aggregate_errors
from kubegate.registry import conversion
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import ObjectCache
from kubegate.registry.spec import ResourceSpec

NAMESPACES = ("", "namespaces")
#: One matchCondition expression evaluated against its activation (`object`, `oldObject`,
#: `request`): True or False, or an exception whose text is the evaluation error.
ConditionEvaluator = Callable[[str, Mapping[str, Any]], bool]
GVK = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Invocation:
    """A webhook to call, and the resource version it matched the request as."""

    hook: Hook
    spec: ResourceSpec
    kind: GVK
    subresource: str

    @property
    def resource(self) -> GVK:
        return (self.spec.group, self.spec.version, self.spec.plural)


def kind_of(spec: ResourceSpec, subresource: str) -> GVK | None:
    """The kind a request to `spec`'s `subresource` speaks; None when there is no such subresource."""
    if not subresource:
        return (spec.group, spec.version, spec.kind)
    sub = spec.subresource(subresource)
    if sub is None:
        return None
    if sub.kind:
        return (sub.group, sub.version or "v1", sub.kind)
    return (spec.group, spec.version, spec.kind)


def request_namespace(attributes: AdmissionAttributes) -> str:
    """The request's namespace; for a Namespace itself its name, as the real attributes have it."""
    if not attributes.namespace and attributes.spec.resource_key == NAMESPACES:
        return attributes.name or str((attributes.old or attributes.obj or {}).get("metadata", {}).get("name", ""))
    return attributes.namespace


def versioned(obj: dict[str, Any] | None, source: ResourceSpec, target: ResourceSpec, subresource: str) -> dict[str, Any] | None:
    """`obj` (in `source`'s version) as `target`'s version speaks it."""
    if obj is None or source.version_key == target.version_key or subresource not in ("", "status"):
        return obj
    stored = conversion.to_storage(source, obj) if conversion.conversion_of(source) else copy.deepcopy(obj)
    out = conversion.to_served(target, stored) if conversion.conversion_of(target) else stored
    out["apiVersion"], out["kind"] = target.api_version, target.kind
    return out


def typed(obj: dict[str, Any] | None, kind: GVK) -> dict[str, Any] | None:
    """`obj` as an encoder writes it: with apiVersion and kind, even when the client left them out."""
    if obj is None or (obj.get("apiVersion") and obj.get("kind")):
        return obj
    group, version, name = kind
    return {"apiVersion": f"{group}/{version}" if group else version, "kind": name, **{
        key: value for key, value in obj.items() if key not in ("apiVersion", "kind")
    }}  # fmt: skip


def request_for(
    attributes: AdmissionAttributes, invocation: Invocation, *, obj: dict[str, Any] | None, old: dict[str, Any] | None
) -> Request:
    spec = attributes.spec
    requested = kind_of(spec, attributes.subresource) or (spec.group, spec.version, spec.kind)
    return Request(
        kind=invocation.kind, resource=invocation.resource, subresource=invocation.subresource,
        request_kind=requested, request_resource=(spec.group, spec.version, spec.plural),
        request_subresource=attributes.subresource, name=attributes.name, namespace=request_namespace(attributes),
        operation=attributes.operation, user=attributes.user, obj=obj, old=old, dry_run=attributes.dry_run,
        options=attributes.options,
    )  # fmt: skip


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, str] | None:
    if obj is None:
        return None
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


class Matcher:
    def __init__(self, cache: ObjectCache, catalog: Catalog, *, conditions: ConditionEvaluator | None = None) -> None:
        self._cache = cache
        self._catalog = catalog
        self.conditions = conditions

    def should_call(self, hook: Hook, attributes: AdmissionAttributes) -> Invocation | None:
        """The invocation, None when the webhook does not apply, or a `StatusError`."""
        ns_matches, ns_error = self._namespace_matches(hook.namespace_selector, attributes)
        if not ns_matches and ns_error is None:
            return None
        obj_matches, obj_error = _object_matches(hook.object_selector, attributes)
        if not obj_matches and obj_error is None:
            return None
        invocation = self._by_rules(hook, attributes)
        if invocation is None:
            return None
        if ns_error is not None:
            raise ns_error
        if obj_error is not None:
            raise obj_error
        if hook.match_conditions and self.conditions is not None and not self._conditions_hold(invocation, attributes):
            return None
        return invocation

    def _namespace_matches(
        self, selector: Selector, attributes: AdmissionAttributes
    ) -> tuple[bool, errors.StatusError | None]:
        spec = attributes.spec
        namespace = request_namespace(attributes)
        is_namespace = spec.resource_key == NAMESPACES
        if not namespace and not is_namespace:
            return True, None  # cluster-scoped resources are never exempted
        if selector.selector is None:
            return False, errors.internal(selector.error)
        if selector.selector.is_empty:
            return True, None
        if is_namespace and not attributes.subresource and attributes.operation in ("CREATE", "UPDATE"):
            labels = _labels(attributes.obj)  # not stored yet: the object's own labels
        else:
            stored = self._cache.get(NAMESPACES, ("", namespace))
            if stored is None:
                return False, errors.not_found("namespaces", namespace)
            labels = _labels(stored.obj)
        return selector.selector.matches(labels or {}), None

    def _by_rules(self, hook: Hook, attributes: AdmissionAttributes) -> Invocation | None:
        spec, sub = attributes.spec, attributes.subresource
        own = self._target(spec, attributes)
        if any(rules.matches(rule, own) for rule in hook.rules):
            return Invocation(hook, spec, kind_of(spec, sub) or (spec.group, spec.version, spec.kind), sub)
        if hook.match_policy != EQUIVALENT:
            return None
        storage = conversion.storage_key(spec)
        equivalents = [
            other for other in self._catalog
            if conversion.storage_key(other) == storage and other.version_key != spec.version_key
        ]
        for rule in hook.rules:  # earlier rules first
            for other in equivalents:
                if rules.matches(rule, self._target(other, attributes)):
                    kind = kind_of(other, sub)
                    if kind is None:
                        raise errors.internal(
                            f"unable to convert to {other.group}/{other.version}, Resource={other.plural}: unknown kind"
                        )
                    return Invocation(hook, other, kind, sub)
        return None

    @staticmethod
    def _target(spec: ResourceSpec, attributes: AdmissionAttributes) -> rules.Target:
        return rules.Target(
            operation=attributes.operation, group=spec.group, version=spec.version, resource=spec.plural,
            subresource=attributes.subresource, namespace=request_namespace(attributes),
        )

    def _conditions_hold(self, invocation: Invocation, attributes: AdmissionAttributes) -> bool:
        """matchConditions: any false skips the webhook; errors fail it (Fail) or skip it (Ignore)."""
        assert self.conditions is not None
        sub = attributes.subresource
        obj = typed(versioned(attributes.obj, attributes.spec, invocation.spec, sub), invocation.kind)
        old = typed(versioned(attributes.old, attributes.spec, invocation.spec, sub), invocation.kind)
        request = request_fields(request_for(attributes, invocation, obj=None, old=None), uid="")
        activation = {"object": obj, "oldObject": old, "request": request}
        problems = []
        for condition in invocation.hook.match_conditions:
            try:
                if not self.conditions(condition.expression, activation):
                    return False
            except Exception as error:  # noqa: BLE001 - an evaluation error, whatever the evaluator raises
                problems.append(str(error))
        if problems and invocation.hook.failure_policy == FAIL:
            spec = attributes.spec
            raise errors.forbidden(spec.plural, attributes.name, aggregate_errors(problems), group=spec.group)
        return not problems


def _object_matches(selector: Selector, attributes: AdmissionAttributes) -> tuple[bool, errors.StatusError | None]:
    if selector.selector is None:
        return False, errors.internal(selector.error)
    if selector.selector.is_empty:
        return True, None
    found = [labels for labels in (_labels(attributes.obj), _labels(attributes.old)) if labels is not None]
    return any(selector.selector.matches(labels) for labels in found), None
