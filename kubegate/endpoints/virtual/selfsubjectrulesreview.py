"""SelfSubjectRulesReview (`kubectl auth can-i --list`): what may I do in this namespace?

The rules come from every authorizer in the chain that can list them (`rules_for`); one that
cannot makes the answer `incomplete`, with its reason in `evaluationError`, as the real union
of rule resolvers reports it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.api import errors
from kubegate.api.gotypes import BOOL, STRING, ListOf, Struct
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import RulesResult
from kubegate.endpoints.context import USER, server_of
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.responses import value_response
from kubegate.endpoints.virtual.accessreview import API_VERSION, read_review

RULES_SPEC = Struct("SelfSubjectRulesReviewSpec", {"namespace": STRING})
RULES_STATUS = Struct("SubjectRulesReviewStatus", {
    "resourceRules": ListOf("v1.ResourceRule"), "nonResourceRules": ListOf("v1.NonResourceRule"),
    "incomplete": BOOL, "evaluationError": STRING,
})

_RESOURCE_RULE_FIELDS = ("verbs", "apiGroups", "resources", "resourceNames")
_NON_RESOURCE_RULE_FIELDS = ("verbs", "nonResourceURLs")


def _rule(rule: dict[str, list[str]], fields: tuple[str, ...]) -> dict[str, list[str]]:
    # verbs is always written; the other lists are omitted when empty
    return {name: list(rule.get(name) or ()) for name in fields if name == "verbs" or rule.get(name)}


def rules_status(result: RulesResult) -> dict[str, Any]:
    status: dict[str, Any] = {
        "resourceRules": [_rule(rule, _RESOURCE_RULE_FIELDS) for rule in result.resource_rules],
        "nonResourceRules": [_rule(rule, _NON_RESOURCE_RULE_FIELDS) for rule in result.non_resource_rules],
        "incomplete": result.incomplete,
    }
    if result.evaluation_error:
        status["evaluationError"] = result.evaluation_error
    return status


def _rules_for(authorizer: object, user: UserInfo, namespace: str) -> RulesResult:
    lister = getattr(authorizer, "rules_for", None)
    if lister is None:
        return RulesResult(incomplete=True, evaluation_error="the authorizer does not support user rule resolution")
    result: RulesResult = lister(user, namespace)
    return result


async def create_self_subject_rules_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_review(request, target, spec=RULES_SPEC, status=RULES_STATUS)
    namespace = (body.get("spec") or {}).get("namespace") or ""
    if not namespace:
        raise errors.bad_request("no namespace on request")
    result = _rules_for(server_of(request).authorizer, request[USER], namespace)
    review = {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": API_VERSION,
        "metadata": {"creationTimestamp": None},
        "spec": {},  # the real answer is a new object: the question is not echoed
        "status": rules_status(result),
    }
    return value_response(review, target.accepted, status=201)
