"""`--authorization-mode=ABAC`: allow when a line of the policy file matches, else no opinion.

Matching follows the real PolicyList: the subject matches when the policy's user (if set) is the
user, or `*`, and its group (if set) is one of the user's groups, or `*`; read-only requests
(get, list, watch) pass any policy, others only non-`readonly` ones; a resource request needs the
namespace, resource and API group to match (each exactly or `*`), a non-resource request the
path (exactly, `*`, or a prefix ending in `*`). ABAC never denies: a miss is no opinion with the
reason "No policy matched.".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kubegate.api.user import UserInfo
from kubegate.authz.abac.policy import Policy, PolicyFileError, load_policy_file
from kubegate.authz.authorizer import Attributes, Decision, RulesResult, Verdict

_ALLOW = Verdict(Decision.ALLOW)
_NO_MATCH = Verdict(Decision.NO_OPINION, "No policy matched.")
READ_ONLY_VERBS = frozenset({"get", "list", "watch"})


class ABACAuthorizer:
    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = tuple(policies)

    @classmethod
    def from_file(cls, path: Path | None) -> ABACAuthorizer:
        if path is None:
            raise PolicyFileError("authorization-mode ABAC's authorization policy file not passed")
        return cls(load_policy_file(path))

    async def authorize(self, attributes: Attributes) -> Verdict:
        for policy in self.policies:
            if matches(policy, attributes):
                return _ALLOW
        return _NO_MATCH

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        resource_rules: list[dict[str, list[str]]] = []
        non_resource_rules: list[dict[str, list[str]]] = []
        for policy in self.policies:
            if not subject_matches(policy, user) or policy.namespace not in ("*", namespace):
                continue
            verbs = ["get", "list", "watch"] if policy.readonly else ["*"]
            if policy.resource:
                resource_rules.append(
                    {"verbs": verbs, "apiGroups": [policy.api_group], "resources": [policy.resource]}
                )
            if policy.non_resource_path:
                non_resource_rules.append({"verbs": verbs, "nonResourceURLs": [policy.non_resource_path]})
        return RulesResult(tuple(resource_rules), tuple(non_resource_rules))


def matches(policy: Policy, attributes: Attributes) -> bool:
    return (
        subject_matches(policy, attributes.user)
        and verb_matches(policy, attributes)
        and (resource_matches(policy, attributes) or non_resource_matches(policy, attributes))
    )


def subject_matches(policy: Policy, user: UserInfo) -> bool:
    # A policy naming neither a user nor a group matches nobody.
    matched = False
    if policy.user:
        if policy.user != "*" and policy.user != user.name:
            return False
        matched = True
    if policy.group:
        if policy.group != "*" and policy.group not in user.groups:
            return False
        matched = True
    return matched


def verb_matches(policy: Policy, attributes: Attributes) -> bool:
    return attributes.verb in READ_ONLY_VERBS or not policy.readonly


def resource_matches(policy: Policy, attributes: Attributes) -> bool:
    return (
        attributes.is_resource_request
        and policy.namespace in ("*", attributes.namespace)
        and policy.resource in ("*", attributes.resource)
        and policy.api_group in ("*", attributes.api_group)
    )


def non_resource_matches(policy: Policy, attributes: Attributes) -> bool:
    if attributes.is_resource_request:
        return False
    pattern, path = policy.non_resource_path, attributes.path
    if pattern == "*" or pattern == path:
        return True
    return pattern.endswith("*") and path.startswith(pattern.rstrip("*"))
