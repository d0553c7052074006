"""The contract every authorizer follows, and the attributes it decides on.

As in k8s.io/apiserver: one method answering `(decision, reason)`. RBAC only ever allows or has
no opinion; the union denies when every authorizer had no opinion.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from kubegate.api.user import UserInfo


class Decision(enum.Enum):
    DENY = 0  # the zero value is the safe one
    ALLOW = 1
    NO_OPINION = 2


@dataclass(frozen=True, slots=True)
class Attributes:
    """authorizer.Attributes: who wants to do what to which object or path."""

    user: UserInfo
    verb: str
    is_resource_request: bool
    namespace: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""
    #: raw `fieldSelector`/`labelSelector` of a list, watch or deletecollection (AuthorizeWithSelectors):
    #: the Node authorizer lets a kubelet list pods pinned to `spec.nodeName`; webhooks receive them
    field_selector: str = ""
    label_selector: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reason: str = ""
    #: an authorizer that could not evaluate (a webhook that failed) says why here; access
    #: reviews report it as status.evaluationError
    evaluation_error: str = ""


class Authorizer(Protocol):
    async def authorize(self, attributes: Attributes) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class RulesResult:
    """What a user may do in a namespace, as SelfSubjectRulesReview reports it.

    Rules are in the review's JSON form: `{"verbs", "apiGroups", "resources", "resourceNames"}`
    and `{"verbs", "nonResourceURLs"}`.
    """

    resource_rules: tuple[dict[str, list[str]], ...] = ()
    non_resource_rules: tuple[dict[str, list[str]], ...] = ()
    incomplete: bool = False
    evaluation_error: str = ""


#: what AlwaysAllow (and system:masters) may do: every verb on everything
EVERYTHING = RulesResult(
    resource_rules=({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},),
    non_resource_rules=({"verbs": ["*"], "nonResourceURLs": ["*"]},),
)


class RuleLister(Protocol):
    """Authorizers that can enumerate rules (RBAC, AlwaysAllow) also offer this method."""

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult: ...
