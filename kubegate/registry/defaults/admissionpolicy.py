"""ValidatingAdmissionPolicy and binding defaults (admissionregistration/v1 SetDefaults_*):
failurePolicy Fail; match resources with matchPolicy Equivalent, empty namespace and object
selectors; rules of scope `*`."""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, dicts, lookup

POLICY: tuple[Default, ...] = (Default("spec.failurePolicy", "Fail"),)
MATCH_RESOURCES: tuple[Default, ...] = (
    Default("matchPolicy", "Equivalent"), Default("namespaceSelector", {}), Default("objectSelector", {}),
)
RULE: tuple[Default, ...] = (Default("scope", "*"),)


def _match_resources(match: Any) -> None:
    if not isinstance(match, dict):
        return
    apply(match, MATCH_RESOURCES)
    for name in ("resourceRules", "excludeResourceRules"):
        for rule in dicts(match.get(name)):
            apply(rule, RULE)


def policy_defaults(obj: dict[str, Any]) -> None:
    if not isinstance(obj.get("spec", {}), dict):
        return
    apply(obj, POLICY)
    _match_resources(lookup(obj, "spec.matchConstraints"))


def binding_defaults(obj: dict[str, Any]) -> None:
    _match_resources(lookup(obj, "spec.matchResources"))
