"""One PolicyRule and the tiny pure functions that match a request against it.

As in pkg/apis/rbac/v1/evaluation_helpers.go: verbs and API groups match exactly or by `*`;
resources by `*`, exactly (`pods`, `pods/log`) or as `*/subresource`; resource names only
narrow a rule (an empty list means all names, and a request without a name, such as list or
create, matches only rules without names); non-resource URLs exactly or by a prefix ending in `*`.

Rules come from stored objects that nobody validated, so `PolicyRule.from_json` keeps whatever
strings it finds and ignores everything else instead of failing a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.api.gofmt import go_quote_list
from kubegate.authz.authorizer import Attributes

VERB_ALL = "*"
API_GROUP_ALL = "*"
RESOURCE_ALL = "*"
NON_RESOURCE_ALL = "*"

#: (JSON field, attribute) in the order the real PolicyRule serializes them
_FIELDS = (
    ("verbs", "verbs"),
    ("apiGroups", "api_groups"),
    ("resources", "resources"),
    ("resourceNames", "resource_names"),
    ("nonResourceURLs", "non_resource_urls"),
)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: Any) -> PolicyRule:
        if not isinstance(obj, dict):
            return cls()
        return cls(**{attr: _strings(obj.get(field)) for field, attr in _FIELDS})

    def to_json(self) -> dict[str, list[str]]:
        """The wire form: `verbs` always, the other lists only when set (omitempty)."""
        out: dict[str, list[str]] = {}
        for field, attr in _FIELDS:
            values: tuple[str, ...] = getattr(self, attr)
            if values or field == "verbs":
                out[field] = list(values)
        return out

    def compact_string(self) -> str:
        """`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`: a rule in escalation errors."""
        parts = [
            f"{label}:{go_quote_list(values)}"
            for label, values in (
                ("APIGroups", self.api_groups),
                ("Resources", self.resources),
                ("NonResourceURLs", self.non_resource_urls),
                ("ResourceNames", self.resource_names),
                ("Verbs", self.verbs),
            )
            if values
        ]
        return "{" + ", ".join(parts) + "}"


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def rules_from_json(value: Any) -> tuple[PolicyRule, ...]:
    """The `rules` of a stored Role or ClusterRole; anything that is not a list has none."""
    if not isinstance(value, list):
        return ()
    return tuple(PolicyRule.from_json(item) for item in value)


# --- matchers ---------------------------------------------------------------------------------


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    return any(v == VERB_ALL or v == verb for v in rule.verbs)


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    return any(g == API_GROUP_ALL or g == group for g in rule.api_groups)


def resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    """`combined` is `resource` or `resource/subresource`."""
    for resource in rule.resources:
        if resource == RESOURCE_ALL or resource == combined:
            return True
        if subresource and resource == f"*/{subresource}":
            return True
    return False


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    return not rule.resource_names or name in rule.resource_names


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    for url in rule.non_resource_urls:
        if url == NON_RESOURCE_ALL or url == path:
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attributes: Attributes, rule: PolicyRule) -> bool:
    if not verb_matches(rule, attributes.verb):
        return False
    if not attributes.is_resource_request:
        return non_resource_url_matches(rule, attributes.path)
    combined = attributes.resource
    if attributes.subresource:
        combined = f"{combined}/{attributes.subresource}"
    return (
        api_group_matches(rule, attributes.api_group)
        and resource_matches(rule, combined, attributes.subresource)
        and resource_name_matches(rule, attributes.name)
    )
