"""Ask authorizers in order; the first ALLOW or DENY wins, and silence is a denial.

Reasons of the authorizers that had no opinion are joined, as the real union does, so a 403 can
say why nobody allowed the request. The union also lists rules (SelfSubjectRulesReview) by
gathering them from every member; a member that cannot list its rules makes the answer
incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.api.gofmt import aggregate_errors
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Authorizer, Decision, RulesResult, Verdict


class UnionAuthorizer:
    def __init__(self, authorizers: Sequence[Authorizer]) -> None:
        self._authorizers = tuple(authorizers)

    async def authorize(self, attributes: Attributes) -> Verdict:
        reasons: list[str] = []
        evaluation_errors: list[str] = []
        for authorizer in self._authorizers:
            verdict = await authorizer.authorize(attributes)
            if verdict.decision is not Decision.NO_OPINION:
                return verdict
            if verdict.reason:
                reasons.append(verdict.reason)
            if verdict.evaluation_error:
                evaluation_errors.append(verdict.evaluation_error)
        return Verdict(Decision.NO_OPINION, "\n".join(reasons), aggregate_errors(evaluation_errors))

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        resource_rules: list[dict[str, list[str]]] = []
        non_resource_rules: list[dict[str, list[str]]] = []
        incomplete = False
        evaluation_errors: list[str] = []
        for authorizer in self._authorizers:
            lister = getattr(authorizer, "rules_for", None)
            if lister is None:
                result = RulesResult(
                    incomplete=True,
                    evaluation_error=f"{type(authorizer).__name__} does not support user rule resolution",
                )
            else:
                result = lister(user, namespace)
            incomplete = incomplete or result.incomplete
            if result.evaluation_error:
                evaluation_errors.append(result.evaluation_error)
            # an identical rule from two sources (system:masters and cluster-admin) says nothing new
            resource_rules.extend(r for r in result.resource_rules if r not in resource_rules)
            non_resource_rules.extend(r for r in result.non_resource_rules if r not in non_resource_rules)
        return RulesResult(
            resource_rules=tuple(resource_rules),
            non_resource_rules=tuple(non_resource_rules),
            incomplete=incomplete,
            evaluation_error=aggregate_errors(evaluation_errors),
        )
