"""Which requests a ValidatingAdmissionPolicy or binding applies to: its `matchResources`.

As k8s.io/apiserver's policy matching: the namespace selector (checked against the request's
namespace; cluster-scoped objects other than Namespaces always pass), the object selector (the
new or the old object's labels), `excludeResourceRules` (any match excludes), then
`resourceRules` (none listed matches everything, which bindings rely on). A rule names
operations, API groups, versions and resources (`pods`, `pods/status`, `*/scale`, `*`, `*/*`),
a scope and optionally resource names. With `matchPolicy: Equivalent` (the default) a rule for
another version of the same resource matches too.

Selectors that cannot be parsed match nothing here; validation refused them when the policy was
written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.api import labels
from kubegate.api.errors import StatusError

#: reads a namespace object by name (None if there is none)
NamespaceGetter = Callable[[str], Mapping[str, Any] | None]


def matches(
    match_resources: Mapping[str, Any] | None, attributes: AdmissionAttributes, *,
    namespace: NamespaceGetter, equivalent_versions: Iterable[str] = (),
) -> bool:
    if not isinstance(match_resources, Mapping):
        return True
    if not _namespace_matches(match_resources.get("namespaceSelector"), attributes, namespace):
        return False
    if not _object_matches(match_resources.get("objectSelector"), attributes):
        return False
    policy = match_resources.get("matchPolicy") or "Equivalent"
    versions = tuple(equivalent_versions) if policy == "Equivalent" else ()
    if _any_rule(match_resources.get("excludeResourceRules"), attributes, versions):
        return False
    rules = match_resources.get("resourceRules")
    return not rules or _any_rule(rules, attributes, versions)


def _selector(value: Any) -> labels.LabelSelector:
    if value is None:
        return labels.EVERYTHING
    try:
        return labels.selector_from_label_selector_object(value)
    except StatusError:
        return labels.NOTHING


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    found = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _namespace_matches(selector: Any, attributes: AdmissionAttributes, namespace: NamespaceGetter) -> bool:
    spec = attributes.spec
    ns_object: Mapping[str, Any] | None
    if (spec.group, spec.plural) == ("", "namespaces"):
        ns_object = attributes.obj if attributes.obj is not None else attributes.old
    elif not spec.namespaced or not attributes.namespace:
        return True  # cluster-scoped: the namespace selector does not apply
    else:
        ns_object = namespace(attributes.namespace)
    compiled = _selector(selector)
    return compiled.matches(_labels(ns_object))


def _object_matches(selector: Any, attributes: AdmissionAttributes) -> bool:
    compiled = _selector(selector)
    return any(
        compiled.matches(_labels(obj)) for obj in (attributes.obj, attributes.old) if obj is not None
    ) or (attributes.obj is None and attributes.old is None and compiled.matches({}))


def _any_rule(rules: Any, attributes: AdmissionAttributes, versions: tuple[str, ...]) -> bool:
    if not isinstance(rules, list):
        return False
    return any(isinstance(rule, Mapping) and rule_matches(rule, attributes, versions) for rule in rules)


def rule_matches(rule: Mapping[str, Any], attributes: AdmissionAttributes, versions: tuple[str, ...] = ()) -> bool:
    """One NamedRuleWithOperations against the request (`versions`: equivalent versions also accepted)."""
    spec = attributes.spec
    if not _listed(rule.get("operations"), attributes.operation):
        return False
    if not _listed(rule.get("apiGroups"), spec.group):
        return False
    if not any(_listed(rule.get("apiVersions"), version) for version in (spec.version, *versions)):
        return False
    if not _resource_listed(rule.get("resources"), spec.plural, attributes.subresource):
        return False
    scope = rule.get("scope") or "*"
    if scope == "Cluster" and spec.namespaced or scope == "Namespaced" and not spec.namespaced:
        return False
    names = rule.get("resourceNames")
    return not names or attributes.name in names


def _listed(values: Any, wanted: str) -> bool:
    return isinstance(values, list) and ("*" in values or wanted in values)


def _resource_listed(values: Any, resource: str, subresource: str) -> bool:
    if not isinstance(values, list):
        return False
    for entry in values:
        if not isinstance(entry, str):
            continue
        name, _, sub = entry.partition("/")
        if name in ("*", resource) and sub in ("*", subresource):
            return True
    return False
