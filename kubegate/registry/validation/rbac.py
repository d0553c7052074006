"""RBAC objects (pkg/apis/rbac/validation): rules, role references, subjects.

A rule needs verbs, and either resources with API groups or non-resource URLs (never both,
and never in a namespaced Role). A binding names a Role or ClusterRole of the RBAC group and
may never change it afterwards; its subjects are Users, Groups or ServiceAccounts.
The v1 defaults (roleRef and User/Group subjects get the RBAC API group) count as sent.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.gotypes import GoValue
from kubegate.api.meta import path_segment_errors
from kubegate.registry.validation import names, selectors
from kubegate.registry.validation.field import (
    Errors,
    child,
    go_strings,
    index,
    invalid,
    items,
    mapping,
    not_supported,
    required,
    text,
)

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def _rule(rule: Any, path: str, *, namespaced: bool) -> Errors:
    problems: Errors = []
    if not items(rule.get("verbs")):
        problems.append(required(child(path, "verbs"), "verbs must contain at least one value"))
    urls = items(rule.get("nonResourceURLs"))
    if urls:
        if namespaced:
            problems.append(invalid(child(path, "nonResourceURLs"), go_strings(urls),
                                    "namespaced rules cannot apply to non-resource URLs"))
        if items(rule.get("apiGroups")) or items(rule.get("resources")) or items(rule.get("resourceNames")):
            problems.append(invalid(child(path, "nonResourceURLs"), go_strings(urls),
                                    "rules cannot apply to both regular resources and non-resource URLs"))
        return problems
    if not items(rule.get("apiGroups")):
        problems.append(required(child(path, "apiGroups"), "resource rules must supply at least one api group"))
    if not items(rule.get("resources")):
        problems.append(required(child(path, "resources"), "resource rules must supply at least one resource"))
    return problems


def _rules(obj: Any, *, namespaced: bool) -> Errors:
    problems: Errors = []
    for position, rule in enumerate(items(obj.get("rules"))):
        problems += _rule(mapping(rule), index("rules", position), namespaced=namespaced)
    return problems


def validate_role(obj: Any) -> Errors:
    return _rules(obj, namespaced=True)


def validate_cluster_role(obj: Any) -> Errors:
    problems = _rules(obj, namespaced=False)
    aggregation = obj.get("aggregationRule")
    if aggregation is not None:
        role_selectors = items(mapping(aggregation).get("clusterRoleSelectors"))
        if not role_selectors:
            problems.append(required("aggregationRule.clusterRoleSelectors",
                                     "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        for position, selector in enumerate(role_selectors):
            problems += selectors.validate_label_selector(
                selector, index("aggregationRule.clusterRoleSelectors", position)
            )
    return problems


def _role_ref(obj: Any) -> dict[str, str]:
    ref = mapping(obj.get("roleRef"))
    return {"apiGroup": text(ref.get("apiGroup")) or GROUP, "kind": text(ref.get("kind")), "name": text(ref.get("name"))}


def _go_role_ref(ref: dict[str, str]) -> GoValue:
    return GoValue(f'rbac.RoleRef{{APIGroup:"{ref["apiGroup"]}", Kind:"{ref["kind"]}", Name:"{ref["name"]}"}}')


def _binding(obj: Any, *, kinds: tuple[str, ...], namespaced: bool) -> Errors:
    ref = _role_ref(obj)
    problems: Errors = []
    if ref["apiGroup"] != GROUP:
        problems.append(not_supported("roleRef.apiGroup", ref["apiGroup"], (GROUP,)))
    if ref["kind"] not in kinds:
        problems.append(not_supported("roleRef.kind", ref["kind"], kinds))
    if not ref["name"]:
        problems.append(required("roleRef.name"))
    else:
        problems += [invalid("roleRef.name", ref["name"], message) for message in path_segment_errors(ref["name"])]
    for position, subject in enumerate(items(obj.get("subjects"))):
        problems += _subject(mapping(subject), index("subjects", position), namespaced=namespaced)
    return problems


def _subject(subject: Any, path: str, *, namespaced: bool) -> Errors:
    problems: Errors = []
    name = text(subject.get("name"))
    if not name:
        problems.append(required(child(path, "name")))
    kind = text(subject.get("kind"))
    group = subject.get("apiGroup")
    if kind == "ServiceAccount":
        if name:
            problems += [invalid(child(path, "name"), name, message) for message in names.dns1123_subdomain_errors(name)]
        if group:
            problems.append(not_supported(child(path, "apiGroup"), group, ("",)))
        if not namespaced and not text(subject.get("namespace")):
            problems.append(required(child(path, "namespace")))
    elif kind in ("User", "Group"):
        if group and group != GROUP:
            problems.append(not_supported(child(path, "apiGroup"), text(group), (GROUP,)))
    else:
        problems.append(not_supported(child(path, "kind"), kind, SUBJECT_KINDS))
    return problems


def validate_role_binding(obj: Any) -> Errors:
    return _binding(obj, kinds=("Role", "ClusterRole"), namespaced=True)


def validate_cluster_role_binding(obj: Any) -> Errors:
    return _binding(obj, kinds=("ClusterRole",), namespaced=False)


def _ref_unchanged(obj: Any, old: Any) -> Errors:
    ref = _role_ref(obj)
    return [] if ref == _role_ref(old) else [invalid("roleRef", _go_role_ref(ref), "cannot change roleRef")]


def validate_role_binding_update(obj: Any, old: Any) -> Errors:
    return [*validate_role_binding(obj), *_ref_unchanged(obj, old)]


def validate_cluster_role_binding_update(obj: Any, old: Any) -> Errors:
    return [*validate_cluster_role_binding(obj), *_ref_unchanged(obj, old)]
