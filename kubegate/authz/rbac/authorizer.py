"""`--authorization-mode=RBAC`: allow when a rule bound to the user matches, else no opinion.

RBAC never denies. An allow says which binding granted it (`RBAC: allowed by ...`); no opinion
carries no reason unless a binding pointed at a missing role, in which case the reason lists
those errors so the 403 explains the gap, as the real authorizer does.

A verdict depends only on the user's name and groups, the request's attributes and the policy,
so verdicts are remembered until a role or binding changes: a client repeating a request does
not walk its rules again.
"""

from __future__ import annotations

from kubegate.api.gofmt import aggregate_errors
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision, RulesResult, Verdict
from kubegate.authz.rbac.index import PolicyIndex
from kubegate.authz.rbac.resolver import RoleNotFound, RuleResolver, RuleSource
from kubegate.authz.rbac.rules import PolicyRule, rule_allows
from kubegate.registry.objects import ObjectCache

_VERDICTS_LIMIT = 4096

#: what a verdict depends on: user name and groups, then the request attributes rules look at
_VerdictKey = tuple[str, tuple[str, ...], str, bool, str, str, str, str, str, str]


class RBACAuthorizer:
    def __init__(self, resolver: RuleResolver) -> None:
        self._resolver = resolver
        self._verdicts: dict[_VerdictKey, Verdict] = {}
        self._generation = resolver.generation

    @classmethod
    def for_store(cls, store: ObjectCache) -> RBACAuthorizer:
        return cls(RuleResolver(PolicyIndex(store)))

    async def authorize(self, attributes: Attributes) -> Verdict:
        return self.decide(attributes)

    def decide(self, attributes: Attributes) -> Verdict:
        generation = self._resolver.generation
        if generation != self._generation:
            self._verdicts.clear()
            self._generation = generation
        user = attributes.user
        key = (
            user.name, tuple(user.groups), attributes.verb, attributes.is_resource_request, attributes.namespace,
            attributes.api_group, attributes.resource, attributes.subresource, attributes.name,
            "" if attributes.is_resource_request else attributes.path,
        )
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= _VERDICTS_LIMIT:
                self._verdicts.clear()
            verdict = self._verdicts[key] = self._walk(attributes)
        return verdict

    def _walk(self, attributes: Attributes) -> Verdict:
        allowed: list[RuleSource] = []
        problems: list[RoleNotFound] = []

        def visit(
            source: RuleSource | None, rule: PolicyRule | None, error: RoleNotFound | None
        ) -> bool:
            if source is not None and rule is not None and rule_allows(attributes, rule):
                allowed.append(source)
                return False
            if error is not None:
                problems.append(error)
            return True

        self._resolver.visit_rules_for(attributes.user, attributes.namespace, visit)
        if allowed:
            return Verdict(Decision.ALLOW, f"RBAC: allowed by {allowed[0]}")
        return Verdict(
            Decision.NO_OPINION, f"RBAC: {aggregate_errors(str(p) for p in problems)}" if problems else ""
        )

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        """What SelfSubjectRulesReview reports: the user's rules split by kind."""
        rules, problems = self._resolver.rules_for(user, namespace)
        return RulesResult(
            resource_rules=tuple(_resource_rule(r) for r in rules if r.resources),
            non_resource_rules=tuple(
                {"verbs": list(r.verbs), "nonResourceURLs": list(r.non_resource_urls)}
                for r in rules
                if r.non_resource_urls
            ),
            evaluation_error=aggregate_errors(str(p) for p in problems),
        )


def _resource_rule(rule: PolicyRule) -> dict[str, list[str]]:
    out = {
        "verbs": list(rule.verbs),
        "apiGroups": list(rule.api_groups),
        "resources": list(rule.resources),
    }
    if rule.resource_names:
        out["resourceNames"] = list(rule.resource_names)
    return out
