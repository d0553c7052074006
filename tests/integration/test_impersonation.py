"""Impersonation over real HTTPS: allowed parts switch the user, refused parts are the real 403s."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from aiohttp import web

from kubegate.endpoints.context import IMPERSONATOR, USER
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

RBAC = "/apis/rbac.authorization.k8s.io/v1"


def role(name: str, *rules: dict[str, Any], namespace: str = "") -> tuple[str, dict[str, Any]]:
    kind = "Role" if namespace else "ClusterRole"
    path = f"{RBAC}/namespaces/{namespace}/roles" if namespace else f"{RBAC}/clusterroles"
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return path, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": list(rules)}


def binding(name: str, role_kind: str, role_name: str, subjects: list[dict[str, str]], *, namespace: str = "") -> tuple[str, dict[str, Any]]:
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    path = f"{RBAC}/namespaces/{namespace}/rolebindings" if namespace else f"{RBAC}/clusterrolebindings"
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return path, {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "subjects": subjects,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
    }


def alice_subject() -> list[dict[str, str]]:
    return [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]


POLICY = [
    ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
    role("impersonator",
         {"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"], "resourceNames": ["bob"]},
         {"apiGroups": [""], "resources": ["groups"], "verbs": ["impersonate"], "resourceNames": ["devs"]},
         {"apiGroups": ["authentication.k8s.io"], "resources": ["uids"], "verbs": ["impersonate"],
          "resourceNames": ["u-1"]},
         {"apiGroups": ["authentication.k8s.io"], "resources": ["userextras/scopes"], "verbs": ["impersonate"]}),
    binding("alice-impersonates", "ClusterRole", "impersonator", alice_subject()),
    role("sa-impersonator", {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
         namespace="apps"),
    binding("alice-impersonates-sa", "Role", "sa-impersonator", alice_subject(), namespace="apps"),
]


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(authorization_mode=("AlwaysAllow",))


@pytest.fixture
async def rbac_api(start_server: StartServer, admin: Identity) -> InProcessServer:
    api = await start_server(authorization_mode=("RBAC",))
    for path, obj in POLICY:
        response = await api.request("POST", path, identity=admin, json=obj)
        assert response.status == 201, response.text
    return api


async def whoami(api: InProcessServer, identity: Identity, **impersonate: str | list[str]) -> Any:
    response = await api.request(
        "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", identity=identity,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers=impersonation_headers(**impersonate),
    )
    return response


def impersonation_headers(**wanted: str | list[str]) -> Any:
    """`user="bob", group=["a", "b"], extra_scopes=["x"]` as (repeated) Impersonate-* headers."""
    from multidict import CIMultiDict

    headers: CIMultiDict[str] = CIMultiDict()
    for key, values in wanted.items():
        name = "Impersonate-" + ("Extra-" + key[len("extra_"):] if key.startswith("extra_") else key.capitalize())
        for value in [values] if isinstance(values, str) else values:
            headers.add(name, value)
    return headers


async def test_allowed_impersonation_switches_the_user(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await whoami(rbac_api, alice, user="bob", group="devs", uid="u-1", extra_scopes=["a", "b"])
    assert response.status == 201, response.text
    assert response.body["status"]["userInfo"] == {
        "username": "bob", "uid": "u-1", "groups": ["devs", "system:authenticated"], "extra": {"scopes": ["a", "b"]},
    }


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"user": "carol"},
         ('users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" '
         "at the cluster scope")),
        ({"user": "bob", "group": ["devs", "admins"]},
         ('groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" '
         "at the cluster scope")),
        ({"user": "bob", "uid": "u-2"},
         ('uids.authentication.k8s.io "u-2" is forbidden: User "alice" cannot impersonate resource "uids" '
         'in API group "authentication.k8s.io" at the cluster scope')),
        ({"user": "bob", "extra_reason": "audit"},
         ('userextras.authentication.k8s.io "audit" is forbidden: User "alice" cannot impersonate resource '
         '"userextras/reason" in API group "authentication.k8s.io" at the cluster scope')),
        ({"user": "system:serviceaccount:default:robot"},
         ('serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" '
         'in API group "" in the namespace "default"')),
    ],
)
async def test_each_refused_part_is_the_real_403(
    rbac_api: InProcessServer, alice: Identity, wanted: dict[str, str | list[str]], message: str
) -> None:
    response = await whoami(rbac_api, alice, **wanted)
    assert response.status == 403
    body = response.body
    assert (body["reason"], body["code"], body["message"]) == ("Forbidden", 403, message)


async def test_forbidden_details_name_the_impersonated_resource(rbac_api: InProcessServer, alice: Identity) -> None:
    response = await whoami(rbac_api, alice, user="bob", uid="u-2")
    assert response.body["details"] == {"name": "u-2", "group": "authentication.k8s.io", "kind": "uids"}


async def test_a_service_account_in_an_allowed_namespace_gets_its_groups(
    rbac_api: InProcessServer, alice: Identity
) -> None:
    response = await whoami(rbac_api, alice, user="system:serviceaccount:apps:robot")
    assert response.body["status"]["userInfo"] == {
        "username": "system:serviceaccount:apps:robot",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"],
    }


async def test_the_request_is_then_authorized_as_the_impersonated_user(
    rbac_api: InProcessServer, admin: Identity
) -> None:
    response = await rbac_api.request(
        "GET", "/api/v1/namespaces", identity=admin, headers=impersonation_headers(user="bob")
    )
    assert response.status == 403
    assert response.body["message"] == (
        'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope'
    )


async def test_anonymous_cannot_impersonate(rbac_api: InProcessServer, anonymous: Identity) -> None:
    response = await whoami(rbac_api, anonymous, user="bob")
    assert response.status == 403
    assert response.body["message"].startswith('users "bob" is forbidden: User "system:anonymous" cannot impersonate')


async def test_impersonating_anonymous_gives_system_unauthenticated(api: InProcessServer, admin: Identity) -> None:
    response = await whoami(api, admin, user="system:anonymous")
    assert response.body["status"]["userInfo"] == {
        "username": "system:anonymous", "groups": ["system:unauthenticated"],
    }


@pytest.mark.parametrize(
    ("wanted", "listed"),
    [
        ({"group": "devs"}, "{Group  devs    }"),
        ({"uid": "u-1"}, "{UID  u-1  authentication.k8s.io/v1  }"),
        ({"extra_scopes": "a"}, "{UserExtra  a  authentication.k8s.io/v1  scopes}"),
    ],
)
async def test_groups_uid_or_extra_without_a_user_is_the_real_plain_500(
    rbac_api: InProcessServer, admin: Identity, wanted: dict[str, str], listed: str
) -> None:
    response = await rbac_api.request(
        "GET", "/api/v1/namespaces?limit=1", identity=admin, headers=impersonation_headers(**wanted)
    )
    assert response.status == 500
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == (
        f'Internal Server Error: "/api/v1/namespaces?limit=1": requested [{listed}] without impersonating a user\n'
    )


async def test_headers_are_removed_and_the_impersonator_is_kept(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(authorization_mode=("AlwaysAllow",))
    seen: dict[str, Any] = {}

    async def capture(request: web.Request, parts: list[str]) -> web.StreamResponse:
        seen["headers"] = sorted(name.lower() for name in request.headers)
        seen["user"], seen["impersonator"] = request[USER], request.get(IMPERSONATOR)
        return web.Response(body=orjson.dumps({}), content_type="application/json")

    api.state.nonresource_routes["kubegate-capture"] = capture
    response = await api.request(
        "GET", "/kubegate-capture", identity=admin,
        headers=impersonation_headers(user="bob", group="devs", uid="u-1", extra_scopes="a", extra_reason="x"),
    )
    assert response.status == 200, response.text
    assert not [name for name in seen["headers"] if name.startswith("impersonate-")]
    assert seen["user"].name == "bob"
    assert seen["impersonator"].name == "kubernetes-admin"
    assert "system:masters" in seen["impersonator"].groups
