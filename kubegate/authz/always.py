"""`--authorization-mode=AlwaysAllow` and `AlwaysDeny`: the trivial authorizers."""

from __future__ import annotations

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import EVERYTHING, Attributes, Decision, RulesResult, Verdict

_ALLOW = Verdict(Decision.ALLOW)
# The real AlwaysDeny has no opinion rather than denying, with this reason, so that a 403 says why.
_DENY = Verdict(Decision.NO_OPINION, "Everything is forbidden.")


class AlwaysAllowAuthorizer:
    async def authorize(self, attributes: Attributes) -> Verdict:
        return _ALLOW

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        return EVERYTHING


class AlwaysDenyAuthorizer:
    async def authorize(self, attributes: Attributes) -> Verdict:
        return _DENY

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        return RulesResult()
