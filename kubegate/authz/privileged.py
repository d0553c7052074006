"""Members of `system:masters` may do anything, before any configured authorizer runs.

This is the real apiserver's privileged-group authorizer, always first in the chain; it
answers NO_OPINION for everyone else so the configured modes decide.
"""

from __future__ import annotations

from kubegate.api.user import SYSTEM_PRIVILEGED_GROUP, UserInfo
from kubegate.authz.authorizer import EVERYTHING, Attributes, Decision, RulesResult, Verdict

_ALLOW = Verdict(Decision.ALLOW)
_NO_OPINION = Verdict(Decision.NO_OPINION)


class PrivilegedGroupAuthorizer:
    def __init__(self, group: str = SYSTEM_PRIVILEGED_GROUP) -> None:
        self._group = group

    async def authorize(self, attributes: Attributes) -> Verdict:
        return _ALLOW if self._group in attributes.user.groups else _NO_OPINION

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        return EVERYTHING if self._group in user.groups else RulesResult()
