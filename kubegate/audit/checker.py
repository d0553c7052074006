"""Which level a request is audited at: the first policy rule that matches wins, else None.

Every field a rule sets must match: users, userGroups (any of the user's groups), verbs, then
either the resource fields (namespaces; resources by group, `resource/sub`, `*`, `*/sub`,
`res/*`, resourceNames) or nonResourceURLs (exact, `*`, or a trailing `*` prefix). A request
that failed authentication has no user, so rules naming users or groups never match it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.audit.policy import GroupResources, Level, Policy, PolicyRule


@dataclass(frozen=True, slots=True)
class RequestAuditConfig:
    level: Level
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False


def evaluate(policy: Policy, info: RequestInfo, user: UserInfo | None) -> RequestAuditConfig:
    for rule in policy.rules:
        if rule_matches(rule, info, user):
            omit_managed = policy.omit_managed_fields if rule.omit_managed_fields is None else rule.omit_managed_fields
            return RequestAuditConfig(rule.level, rule.omit_stages, omit_managed)
    return RequestAuditConfig(Level.NONE, policy.omit_stages, policy.omit_managed_fields)


def rule_matches(rule: PolicyRule, info: RequestInfo, user: UserInfo | None) -> bool:
    if rule.users and (user is None or user.name not in rule.users):
        return False
    if rule.user_groups and (user is None or not any(group in rule.user_groups for group in user.groups)):
        return False
    if rule.verbs and info.verb not in rule.verbs:
        return False
    if rule.namespaces or rule.resources:
        return _matches_resource(rule, info)
    if rule.non_resource_urls:
        return not info.is_resource_request and any(path_matches(info.path, spec) for spec in rule.non_resource_urls)
    return True


def path_matches(path: str, spec: str) -> bool:
    if spec in ("*", path):
        return True
    return spec.endswith("*") and path.startswith(spec.rstrip("*"))


def _matches_resource(rule: PolicyRule, info: RequestInfo) -> bool:
    if not info.is_resource_request:
        return False
    if rule.namespaces and info.namespace not in rule.namespaces:  # cluster-scoped: ""
        return False
    if not rule.resources:
        return True
    return any(_matches_group_resources(entry, info) for entry in rule.resources)


def _matches_group_resources(entry: GroupResources, info: RequestInfo) -> bool:
    if entry.group not in (info.api_group, "*"):
        return False
    if not entry.resources:
        return True
    if entry.resource_names and info.name not in entry.resource_names:
        return False
    combined = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
    for resource in entry.resources:
        if resource in (combined, "*"):
            return True
        if info.subresource and resource.startswith("*/") and resource[2:] == info.subresource:
            return True
        if resource.endswith("/*") and resource[:-2] == info.resource:
            return True
    return False
