"""Ask authorizers in order; the first ALLOW or DENY wins, and silence is a denial.

Reasons of the authorizers that had no opinion are joined, as the real union does, so a 403 can
say why nobody allowed the request.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.authz.authorizer import Attributes, Authorizer, Decision, Verdict


class UnionAuthorizer:
    def __init__(self, authorizers: Sequence[Authorizer]) -> None:
        self._authorizers = tuple(authorizers)

    async def authorize(self, attributes: Attributes) -> Verdict:
        reasons: list[str] = []
        for authorizer in self._authorizers:
            verdict = await authorizer.authorize(attributes)
            if verdict.decision is not Decision.NO_OPINION:
                return verdict
            if verdict.reason:
                reasons.append(verdict.reason)
        return Verdict(Decision.NO_OPINION, "\n".join(reasons))
