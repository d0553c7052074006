"""The four access reviews over HTTPS: answers from the request-guarding authorizer, real errors."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.authz.authorizer import Attributes, Decision, Verdict
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.union import UnionAuthorizer
from tests.integration.conftest import StartServer
from tests.integration.test_impersonation import binding, impersonation_headers, role
from tests.support.inprocess import Identity, InProcessServer

AUTHZ = "/apis/authorization.k8s.io/v1"
SSAR = f"{AUTHZ}/selfsubjectaccessreviews"
SAR = f"{AUTHZ}/subjectaccessreviews"
SSRR = f"{AUTHZ}/selfsubjectrulesreviews"


def lsar_path(namespace: str) -> str:
    return f"{AUTHZ}/namespaces/{namespace}/localsubjectaccessreviews"


def review(kind: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "authorization.k8s.io/v1", "kind": kind, "spec": spec, **extra}


POD_READER = [
    ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
    role("pod-reader", {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
         namespace="apps"),
    binding("devs-read-pods", "Role", "pod-reader",
            [{"kind": "Group", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}], namespace="apps"),
]


@pytest.fixture
async def rbac_api(start_server: StartServer, admin: Identity) -> InProcessServer:
    api = await start_server(authorization_mode=("RBAC",))
    for path, obj in POD_READER:
        response = await api.request("POST", path, identity=admin, json=obj)
        assert response.status == 201, response.text
    return api


async def post(api: InProcessServer, path: str, body: Any, identity: Identity, **headers: Any) -> Any:
    return await api.request("POST", path, identity=identity, json=body, headers=headers.get("headers"))


# --- SelfSubjectAccessReview -------------------------------------------------------------------


async def test_ssar_answers_201_with_the_echoed_spec(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"resourceAttributes": {"namespace": "x", "verb": "list", "resource": "pods"}}
    response = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", spec), admin)
    assert response.status == 201
    assert response.body == {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": {"allowed": True},
    }


async def test_ssar_reports_rbac_allow_reason_and_plain_no(rbac_api: InProcessServer, alice: Identity) -> None:
    allowed = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", {
        "resourceAttributes": {"namespace": "apps", "verb": "get", "resource": "pods", "subresource": "log"}}), alice)
    assert allowed.body["status"]["allowed"] is True
    assert allowed.body["status"]["reason"].startswith("RBAC: allowed by RoleBinding")
    refused = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", {
        "resourceAttributes": {"namespace": "apps", "verb": "delete", "resource": "pods"}}), alice)
    assert refused.body["status"] == {"allowed": False}


async def test_ssar_asks_about_the_impersonated_user(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"resourceAttributes": {"namespace": "apps", "verb": "list", "resource": "pods"}}
    as_bob = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", spec), admin,
                        headers=impersonation_headers(user="bob"))
    as_dev = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", spec), admin,
                        headers=impersonation_headers(user="bob", group="dev"))
    assert (as_bob.body["status"]["allowed"], as_dev.body["status"]["allowed"]) == (False, True)


async def test_ssar_non_resource_paths(rbac_api: InProcessServer, alice: Identity) -> None:
    async def can(path: str) -> bool:
        spec = {"nonResourceAttributes": {"path": path, "verb": "get"}}
        response = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", spec), alice)
        assert response.status == 201
        return bool(response.body["status"]["allowed"])

    assert await can("/healthz") and await can("/apis/apps")
    assert not await can("/metrics")


async def test_always_deny_has_no_opinion_and_says_why(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(authorization_mode=("AlwaysDeny",))
    spec = {"resourceAttributes": {"verb": "get", "resource": "pods"}, "user": "bob"}
    response = await post(api, SAR, review("SubjectAccessReview", spec), admin)
    assert response.body["status"] == {"allowed": False, "reason": "Everything is forbidden."}


async def test_a_deny_is_reported_as_denied(start_server: StartServer, alice: Identity) -> None:
    api = await start_server(authorization_mode=("AlwaysAllow",))
    api.state.authorizer = UnionAuthorizer([PrivilegedGroupAuthorizer(), Refuser()])
    response = await post(api, SSAR, review("SelfSubjectAccessReview", {"resourceAttributes": {"verb": "get"}}), alice)
    assert response.body["status"] == {"allowed": False, "denied": True, "reason": "no pods on sundays"}


class Refuser:
    async def authorize(self, attributes: Attributes) -> Verdict:
        if attributes.resource == "selfsubjectaccessreviews":
            return Verdict(Decision.ALLOW)
        return Verdict(Decision.DENY, "no pods on sundays")


async def test_ssar_needs_exactly_one_kind_of_attributes(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await post(rbac_api, SSAR, review("SelfSubjectAccessReview", {}), alice)
    assert response.status == 422
    assert response.body["reason"] == "Invalid"
    assert response.body["message"] == (
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": '
        "exactly one of nonResourceAttributes or resourceAttributes must be specified"
    )


async def test_ssar_metadata_must_be_empty(rbac_api: InProcessServer, alice: Identity) -> None:
    body = review("SelfSubjectAccessReview", {"resourceAttributes": {"verb": "get"}}, metadata={"name": "mine"})
    response = await post(rbac_api, SSAR, body, alice)
    assert response.status == 422
    assert response.body["message"].startswith('.authorization.k8s.io "" is invalid: metadata: Invalid value: '
                                               'v1.ObjectMeta{Name:"mine", ')
    assert response.body["message"].endswith(": must be empty")


async def test_a_wrongly_typed_body_is_the_real_400(rbac_api: InProcessServer, alice: Identity) -> None:
    body = review("SelfSubjectAccessReview", {"resourceAttributes": {"verb": ["get"]}})
    response = await post(rbac_api, SSAR, body, alice)
    assert response.status == 400
    assert response.body["message"] == (
        'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot '
        "unmarshal array into Go struct field ResourceAttributes.spec.resourceAttributes.verb of type string"
    )


# --- SubjectAccessReview -------------------------------------------------------------------------


async def test_sar_asks_about_exactly_the_given_subject(rbac_api: InProcessServer, admin: Identity) -> None:
    attributes = {"namespace": "apps", "verb": "list", "resource": "pods"}
    as_group = await post(rbac_api, SAR, review("SubjectAccessReview", {
        "resourceAttributes": attributes, "user": "bob", "groups": ["dev"]}), admin)
    assert as_group.status == 201
    assert as_group.body["spec"] == {"resourceAttributes": attributes, "user": "bob", "groups": ["dev"]}
    assert as_group.body["status"]["allowed"] is True
    # no system:authenticated is added: a bare user may not even use the discovery rules
    bare = await post(rbac_api, SAR, review("SubjectAccessReview", {
        "nonResourceAttributes": {"path": "/api", "verb": "get"}, "user": "bob"}), admin)
    assert bare.body["status"] == {"allowed": False}


async def test_sar_needs_a_user_or_groups(rbac_api: InProcessServer, admin: Identity) -> None:
    response = await post(rbac_api, SAR, review("SubjectAccessReview", {"resourceAttributes": {"verb": "get"}}), admin)
    assert response.status == 422
    assert response.body["message"] == (
        '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified'
    )
    assert response.body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.user",
        "message": 'Invalid value: "": at least one of user or group must be specified',
    }]


async def test_sar_itself_needs_permission(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await post(rbac_api, SAR, review("SubjectAccessReview", {"user": "bob"}), alice)
    assert response.status == 403
    assert response.body["message"] == (
        'subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource '
        '"subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope'
    )


async def test_sar_reports_selectors_it_could_not_parse(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"user": "bob", "resourceAttributes": {"verb": "list", "resource": "pods",
                                                  "fieldSelector": {"rawSelector": "spec.nodeName"},
                                                  "labelSelector": {"rawSelector": "app=web"}}}
    response = await post(rbac_api, SAR, review("SubjectAccessReview", spec), admin)
    assert response.body["status"] == {
        "allowed": False, "evaluationError": "spec.resourceAttributes.fieldSelector ignored due to parse error",
    }


# --- LocalSubjectAccessReview ------------------------------------------------------------------


async def test_lsar_answers_in_its_namespace(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"resourceAttributes": {"namespace": "apps", "verb": "get", "resource": "pods"}, "groups": ["dev"]}
    response = await post(rbac_api, lsar_path("apps"), review("LocalSubjectAccessReview", spec), admin)
    assert response.status == 201
    assert response.body["metadata"] == {"namespace": "apps", "creationTimestamp": None}
    assert response.body["status"]["allowed"] is True


async def test_lsar_namespace_must_match_the_url(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"resourceAttributes": {"namespace": "other", "verb": "get", "resource": "pods"}, "user": "bob"}
    response = await post(rbac_api, lsar_path("apps"), review("LocalSubjectAccessReview", spec), admin)
    assert response.status == 422
    assert response.body["message"] == (
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": '
        "must match metadata.namespace"
    )
    moved = review("LocalSubjectAccessReview", {**spec, "resourceAttributes": {"namespace": "apps"}},
                   metadata={"namespace": "other"})
    response = await post(rbac_api, lsar_path("apps"), moved, admin)
    assert (response.status, response.body["message"]) == (
        400, "the namespace of the provided object does not match the namespace sent on the request"
    )


async def test_lsar_refuses_non_resource_questions(rbac_api: InProcessServer, admin: Identity) -> None:
    spec = {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}, "user": "bob"}
    response = await post(rbac_api, lsar_path("apps"), review("LocalSubjectAccessReview", spec), admin)
    assert response.status == 422
    assert response.body["message"] == (
        '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: '
        'authorization.NonResourceAttributes{Path:"/healthz", Verb:"get"}: disallowed on this kind of request'
    )


# --- SelfSubjectRulesReview --------------------------------------------------------------------


async def test_ssrr_lists_the_rules_in_the_namespace(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await post(rbac_api, SSRR, {"kind": "SelfSubjectRulesReview", "spec": {"namespace": "apps"}}, alice)
    assert response.status == 201
    body = response.body
    assert (body["kind"], body["spec"], body["status"]["incomplete"]) == ("SelfSubjectRulesReview", {}, False)
    assert {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]} in (
        body["status"]["resourceRules"]
    )
    elsewhere = await post(rbac_api, SSRR, {"kind": "SelfSubjectRulesReview", "spec": {"namespace": "x"}}, alice)
    assert not [r for r in elsewhere.body["status"]["resourceRules"] if "pods" in r.get("resources", [])]


async def test_ssrr_for_system_masters_lists_everything(rbac_api: InProcessServer, admin: Identity) -> None:
    response = await post(rbac_api, SSRR, {"kind": "SelfSubjectRulesReview", "spec": {"namespace": "x"}}, admin)
    status = response.body["status"]
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in status["resourceRules"]
    assert {"verbs": ["*"], "nonResourceURLs": ["*"]} in status["nonResourceRules"]


async def test_ssrr_needs_a_namespace(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await post(rbac_api, SSRR, {"kind": "SelfSubjectRulesReview", "spec": {}}, alice)
    assert (response.status, response.body["message"]) == (400, "no namespace on request")


class Unlistable:
    """Allows reviews, cannot list rules: what a webhook authorizer is to a rules review."""

    async def authorize(self, attributes: Attributes) -> Verdict:
        return Verdict(Decision.ALLOW)


async def test_ssrr_is_incomplete_when_an_authorizer_cannot_list(start_server: StartServer, alice: Identity) -> None:
    api = await start_server(authorization_mode=("AlwaysAllow",))
    api.state.authorizer = UnionAuthorizer([PrivilegedGroupAuthorizer(), Unlistable()])
    response = await post(api, SSRR, {"kind": "SelfSubjectRulesReview", "spec": {"namespace": "x"}}, alice)
    assert response.body["status"] == {
        "resourceRules": [], "nonResourceRules": [], "incomplete": True,
        "evaluationError": "Unlistable does not support user rule resolution",
    }
