"""RBAC as clients meet it over HTTPS: default policy, 403 bodies, aggregation, escalation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

RBAC = "/apis/rbac.authorization.k8s.io/v1"
ALICE_IS = 'user "alice" (groups=["dev" "ops" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server()  # RBAC is the default mode


async def create(api: InProcessServer, identity: Identity, path: str, body: dict[str, Any]) -> Any:
    return await api.request("POST", path, identity=identity, json=body)


async def ok(api: InProcessServer, identity: Identity, path: str, body: dict[str, Any]) -> None:
    response = await create(api, identity, path, body)
    assert response.status == 201, response.text


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": verbs, "apiGroups": groups, "resources": resources}
    if names:
        out["resourceNames"] = names
    return out


def binding(name: str, role: str, user: str, *, kind: str = "ClusterRole") -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}],
    }


def forbidden(message: str, *, kind: str, name: str = "", group: str = "rbac.authorization.k8s.io") -> dict[str, Any]:
    details: dict[str, Any] = {"group": group, "kind": kind} if kind else {}
    if name:
        details = {"name": name, **details}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": "Forbidden", "details": details, "code": 403}  # fmt: skip


async def test_anonymous_gets_the_real_403_for_paths(api: InProcessServer, anonymous: Identity) -> None:
    response = await api.request("GET", "/", identity=anonymous)
    assert response.status == 403
    assert response.body == forbidden('forbidden: User "system:anonymous" cannot get path "/"', kind="", group="")
    assert (await api.request("GET", "/api", identity=anonymous)).status == 403  # discovery needs a login


@pytest.mark.parametrize("path", ["/version", "/healthz", "/livez", "/readyz"])
async def test_public_info_stays_public(api: InProcessServer, anonymous: Identity, path: str) -> None:
    assert (await api.request("GET", path, identity=anonymous)).status == 200


async def test_an_authenticated_user_may_discover_and_ask_but_not_read(api: InProcessServer, alice: Identity) -> None:
    assert (await api.request("GET", "/apis", identity=alice)).status == 200
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    assert (await create(api, alice, "/apis/authentication.k8s.io/v1/selfsubjectreviews", review)).status == 201
    response = await api.request("GET", "/api/v1/namespaces/default/pods", identity=alice)
    assert response.status == 403
    assert response.body["message"] == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"'
    )


async def test_the_default_policy_is_served(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", f"{RBAC}/clusterroles?labelSelector=kubernetes.io/bootstrapping=rbac-defaults",
                                 identity=admin)  # fmt: skip
    names = {item["metadata"]["name"] for item in response.body["items"]}
    assert {"cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user"} <= names
    view = (await api.request("GET", f"{RBAC}/clusterroles/view", identity=admin)).body
    assert rule(["get", "list", "watch"], [""], ["namespaces"]) in view["rules"]


async def test_aggregation_follows_label_changes(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    await ok(api, admin, "/api/v1/namespaces", {"metadata": {"name": "team"}})
    await ok(api, admin, f"{RBAC}/namespaces/team/rolebindings", binding("alice-view", "view", "alice"))
    secrets = "/api/v1/namespaces/team/secrets"
    assert (await api.request("GET", secrets, identity=alice)).status == 403  # view never shows secrets
    await ok(api, admin, f"{RBAC}/clusterroles", {
        "metadata": {"name": "secret-reader"}, "rules": [rule(["get", "list"], [""], ["secrets"])],
    })  # fmt: skip

    async def label(value: Any) -> None:
        patch = {"metadata": {"labels": {"rbac.authorization.k8s.io/aggregate-to-view": value}}}
        response = await api.request("PATCH", f"{RBAC}/clusterroles/secret-reader", identity=admin, json=patch,
                                     headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
        assert response.status == 200, response.text

    await label("true")
    assert (await api.request("GET", secrets, identity=alice)).status == 200
    await label(None)
    assert (await api.request("GET", secrets, identity=alice)).status == 403


@pytest.fixture
async def team_admin(api: InProcessServer, admin: Identity) -> InProcessServer:
    """`alice` holds the `admin` ClusterRole in namespace `team` only."""
    await ok(api, admin, "/api/v1/namespaces", {"metadata": {"name": "team"}})
    await ok(api, admin, f"{RBAC}/namespaces/team/rolebindings", binding("alice-admin", "admin", "alice"))
    return api


ROLES = f"{RBAC}/namespaces/team/roles"
BINDINGS = f"{RBAC}/namespaces/team/rolebindings"


async def test_a_role_within_ones_own_rights_is_allowed(team_admin: InProcessServer, alice: Identity) -> None:
    role = {"metadata": {"name": "reader"},
            "rules": [rule(["get", "list"], [""], ["pods"]), rule(["get"], ["apps"], ["deployments"])]}
    await ok(team_admin, alice, ROLES, role)
    await ok(team_admin, alice, BINDINGS, binding("bob-reads", "reader", "bob", kind="Role"))
    await ok(team_admin, alice, BINDINGS, binding("bob-views", "view", "bob"))


async def test_groups_and_resources_of_a_rule_combine(team_admin: InProcessServer, alice: Identity) -> None:
    # admin grants core pods and apps deployments, not apps pods nor core deployments
    role = {"metadata": {"name": "crossed"}, "rules": [rule(["get"], ["", "apps"], ["pods", "deployments"])]}
    response = await create(team_admin, alice, ROLES, role)
    assert response.status == 403
    assert response.body["message"] == (
        f'roles.rbac.authorization.k8s.io "crossed" is forbidden: {ALICE_IS}'
        '{APIGroups:[""], Resources:["deployments"], Verbs:["get"]}\n'
        '{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}'
    )


async def test_a_role_beyond_ones_rights_is_refused(team_admin: InProcessServer, alice: Identity) -> None:
    role = {"metadata": {"name": "escalating"},
            "rules": [rule(["get", "list"], [""], ["nodes", "pods"]), {"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]}
    response = await create(team_admin, alice, ROLES, role)
    assert response.status == 403
    assert response.body == forbidden(
        f'roles.rbac.authorization.k8s.io "escalating" is forbidden: {ALICE_IS}'
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
        kind="roles", name="escalating",
    )
    # the same rules elsewhere, where alice holds nothing
    response = await create(team_admin, alice, f"{RBAC}/namespaces/default/roles",
                            {"metadata": {"name": "r"}, "rules": [rule(["get"], [""], ["pods"])]})  # fmt: skip
    assert response.status == 403  # not even allowed to create roles there
    assert response.body["message"] == (
        'roles.rbac.authorization.k8s.io is forbidden: User "alice" cannot create resource "roles" '
        'in API group "rbac.authorization.k8s.io" in the namespace "default"'
    )


async def test_binding_a_role_beyond_ones_rights_is_refused(team_admin: InProcessServer, alice: Identity) -> None:
    response = await create(team_admin, alice, BINDINGS, binding("root", "cluster-admin", "bob"))
    assert response.status == 403
    assert response.body == forbidden(
        f'rolebindings.rbac.authorization.k8s.io "root" is forbidden: {ALICE_IS}'
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
        kind="rolebindings", name="root",
    )
    response = await create(team_admin, alice, BINDINGS, binding("ghost", "nope", "bob", kind="Role"))
    assert response.status == 404
    assert response.body["message"] == 'roles.rbac.authorization.k8s.io "nope" not found'


async def test_escalate_verb_lets_a_role_grant_more(team_admin: InProcessServer, admin: Identity, alice: Identity) -> None:
    await ok(team_admin, admin, f"{RBAC}/clusterroles", {
        "metadata": {"name": "role-escalator"}, "rules": [rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"])],
    })  # fmt: skip
    await ok(team_admin, admin, BINDINGS, binding("alice-escalates", "role-escalator", "alice"))
    await ok(team_admin, alice, ROLES, {"metadata": {"name": "nodes"}, "rules": [rule(["get"], [""], ["nodes"])]})


async def test_bind_verb_names_the_roles_one_may_bind(team_admin: InProcessServer, admin: Identity, alice: Identity) -> None:
    await ok(team_admin, admin, f"{RBAC}/clusterroles", {
        "metadata": {"name": "binder"},
        "rules": [rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], ["cluster-admin"])],
    })  # fmt: skip
    await ok(team_admin, admin, BINDINGS, binding("alice-binds", "binder", "alice"))
    await ok(team_admin, alice, BINDINGS, binding("root", "cluster-admin", "bob"))
    response = await create(team_admin, alice, BINDINGS, binding("monitor", "system:monitoring", "bob"))
    assert response.status == 403
    # URL rules are not compacted: one line each, sorted; /healthz, /livez and /readyz alice
    # already holds through system:discovery
    missing = ["/healthz/*", "/livez/*", "/metrics", "/metrics/slis", "/readyz/*"]
    assert response.body["message"] == (
        f'rolebindings.rbac.authorization.k8s.io "monitor" is forbidden: {ALICE_IS}'
        + "\n".join(f'{{NonResourceURLs:["{url}"], Verbs:["get"]}}' for url in missing)
    )


async def test_aggregation_rules_need_full_authority(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    await ok(api, admin, f"{RBAC}/clusterroles", {
        "metadata": {"name": "role-maker"},
        "rules": [rule(["create"], ["rbac.authorization.k8s.io"], ["clusterroles"])],
    })  # fmt: skip
    await ok(api, admin, f"{RBAC}/clusterrolebindings", binding("alice-makes-roles", "role-maker", "alice"))
    aggregated = {"metadata": {"name": "gatherer"},
                  "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}}
    response = await create(api, alice, f"{RBAC}/clusterroles", aggregated)
    assert response.status == 403
    assert response.body["message"] == (
        'clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: '
        "must have cluster-admin privileges to use the aggregationRule"
    )
    assert (await create(api, admin, f"{RBAC}/clusterroles", aggregated)).status == 201  # system:masters


async def test_a_binding_must_refer_to_a_supported_kind(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    await ok(api, admin, "/api/v1/namespaces", {"metadata": {"name": "team"}})
    await ok(api, admin, f"{RBAC}/namespaces/team/rolebindings", binding("alice-admin", "admin", "alice"))
    response = await create(api, alice, BINDINGS, binding("odd", "x", "bob", kind="Widget"))
    assert response.status == 422
    assert response.body["message"] == (
        'RoleBinding.rbac.authorization.k8s.io "odd" is invalid: roleRef.kind: Unsupported value: "Widget": '
        'supported values: "Role", "ClusterRole"'
    )
