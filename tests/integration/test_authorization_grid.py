"""`can-i` tells the truth: reviews agree with what real requests are allowed to do.

A policy of roles, cluster roles (one aggregated from labelled parts, plus the built-in `view`),
role and cluster role bindings to users, groups and a service account is loaded once. Then for
every (identity, verb, resource, namespace) of a grid of more than 200, the actual request made
as that identity (client certificate, or the admin impersonating with `Impersonate-*`), a
SelfSubjectAccessReview asked as that identity and a SubjectAccessReview about it must all give
the same answer; real `kubectl auth can-i` is run for a sample of the grid.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.integration.test_impersonation import binding, role
from tests.support.inprocess import Identity, InProcessServer
from tests.support.kubectl import Kubectl, kubectl_binary

AGGREGATE_LABEL = "kubegate.test/aggregate-to-reader"


def _subject(kind: str, name: str, namespace: str = "") -> dict[str, str]:
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": namespace}
    return {"kind": kind, "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def _labelled(path_and_role: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    path, obj = path_and_role
    obj["metadata"]["labels"] = {AGGREGATE_LABEL: "true"}
    return path, obj


def _namespace(name: str) -> tuple[str, dict[str, Any]]:
    return "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def _configmap(namespace: str, name: str) -> tuple[str, dict[str, Any]]:
    return f"/api/v1/namespaces/{namespace}/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": {"k": "v"},
    }


_aggregated = role("aggregate-reader")
_aggregated[1]["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {AGGREGATE_LABEL: "true"}}]}

POLICY = [
    _namespace("team-a"),
    _namespace("team-b"),
    _configmap("team-a", "settings"),
    _configmap("team-b", "settings"),
    _aggregated,
    _labelled(role("reader-pods", {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]})),
    _labelled(role("reader-configmaps", {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]})),
    role("secret-admin", {"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}),
    role("namespace-viewer", {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list"]}),
    role("deployer",
         {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "create", "update", "delete"]},
         {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
         namespace="team-a"),
    role("settings-editor",
         {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "update"], "resourceNames": ["settings"]},
         {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete"]},
         namespace="team-b"),
    binding("dev-readers", "ClusterRole", "aggregate-reader", [_subject("Group", "dev")], namespace="team-a"),
    binding("alice-deploys", "Role", "deployer", [_subject("User", "alice")], namespace="team-a"),
    binding("bob-settings", "Role", "settings-editor", [_subject("User", "bob")], namespace="team-b"),
    binding("robot-secrets", "ClusterRole", "secret-admin", [_subject("ServiceAccount", "robot", "team-b")],
            namespace="team-b"),
    binding("qa-view", "ClusterRole", "view", [_subject("Group", "qa")], namespace="team-b"),
    binding("ops-namespaces", "ClusterRole", "namespace-viewer", [_subject("Group", "ops")]),
    binding("carol-reads", "ClusterRole", "aggregate-reader", [_subject("User", "carol")]),
]


@dataclass(frozen=True)
class Who:
    """An identity of the grid: a client certificate, or the admin impersonating someone."""

    name: str
    groups: tuple[str, ...]  # as the server sees them, system:authenticated included
    as_groups: tuple[str, ...] = ()
    certificate: str = ""  # fixture-made identity name, when not impersonated

    def impersonation(self) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        if not self.certificate:
            headers.add("Impersonate-User", self.name)
            for group in self.as_groups:
                headers.add("Impersonate-Group", group)
        return headers


SA_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:team-b", "system:authenticated")
PEOPLE = (
    Who("alice", ("dev", "ops", "system:authenticated"), certificate="alice"),
    Who("frank", ("qa", "system:authenticated"), certificate="frank"),
    Who("bob", ("system:authenticated",)),
    Who("carol", ("system:authenticated",)),
    Who("erin", ("dev", "system:authenticated"), as_groups=("dev",)),
    Who("dave", ("qa", "ops", "system:authenticated"), as_groups=("qa", "ops")),
    Who("system:serviceaccount:team-b:robot", SA_GROUPS),
)


@dataclass(frozen=True)
class Action:
    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    name: str = ""
    namespaced: bool = True


ACTIONS = (
    Action("get", "pods", name="web"),
    Action("list", "pods"),
    Action("create", "pods"),
    Action("delete", "pods", name="web"),
    Action("get", "pods", subresource="log", name="web"),
    Action("get", "configmaps", name="settings"),
    Action("get", "configmaps", name="other"),
    Action("update", "configmaps", name="settings"),
    Action("list", "configmaps"),
    Action("list", "secrets"),
    Action("delete", "secrets", name="token"),
    Action("get", "deployments", group="apps", name="web"),
    Action("create", "deployments", group="apps"),
    Action("list", "namespaces", namespaced=False),
    Action("get", "namespaces", name="team-a", namespaced=False),
    Action("list", "nodes", namespaced=False),
)

CASES = [
    (who, action, namespace)
    for who in PEOPLE
    for action in ACTIONS
    for namespace in (("team-a", "team-b") if action.namespaced else ("",))
]

_BODIES = {
    "pods": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    "deployments": {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {
        "selector": {"matchLabels": {"app": "grid"}},
        "template": {"metadata": {"labels": {"app": "grid"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
    }},
    "configmaps": {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}},
}


def _path(action: Action, namespace: str) -> str:
    base = f"/apis/{action.group}/v1" if action.group else "/api/v1"
    if namespace:
        base += f"/namespaces/{namespace}"
    path = f"{base}/{action.resource}"
    if action.name:
        path += f"/{action.name}"
    if action.subresource:
        path += f"/{action.subresource}"
    return path


def _request(action: Action, namespace: str) -> tuple[str, str, Any]:
    """The real request for an action: mutations are dry runs, so the grid leaves no trace."""
    path = _path(action, namespace)
    body = dict(_BODIES.get(action.resource, {}), metadata={"name": action.name or "grid", "namespace": namespace})
    if action.verb in ("get", "list"):
        return "GET", path, None
    if action.verb == "create":
        return "POST", path + "?dryRun=All", body
    if action.verb == "update":
        return "PUT", path, body
    return "DELETE", path + "?dryRun=All", None


def _resource_attributes(action: Action, namespace: str) -> dict[str, str]:
    attributes = {"namespace": namespace, "verb": action.verb, "group": action.group, "resource": action.resource,
                  "subresource": action.subresource, "name": action.name}
    return {key: value for key, value in attributes.items() if value}


@dataclass
class Grid:
    api: InProcessServer
    admin: Identity
    identities: dict[str, Identity]
    kubeconfigs: dict[str, Path] = field(default_factory=dict)

    def identity(self, who: Who) -> Identity:
        return self.identities[who.certificate] if who.certificate else self.admin

    async def actually_allowed(self, who: Who, action: Action, namespace: str) -> bool:
        method, path, body = _request(action, namespace)
        response = await self.api.request(
            method, path, identity=self.identity(who), json=body, headers=who.impersonation()
        )
        if response.status != 403:
            assert response.status < 500, response.text
            return True
        assert " cannot " in response.body["message"], response.text  # refused by authorization, not admission
        return False

    async def self_review(self, who: Who, action: Action, namespace: str) -> bool:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": _resource_attributes(action, namespace)}}
        response = await self.api.request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            identity=self.identity(who), json=body, headers=who.impersonation(),
        )
        assert response.status == 201, response.text
        return bool(response.body["status"]["allowed"])

    async def subject_review(self, who: Who, action: Action, namespace: str) -> bool:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": {
            "resourceAttributes": _resource_attributes(action, namespace), "user": who.name, "groups": list(who.groups),
        }}
        response = await self.api.request(
            "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", identity=self.admin, json=body
        )
        assert response.status == 201, response.text
        return bool(response.body["status"]["allowed"])


@pytest.fixture
async def grid(
    start_server: StartServer, admin: Identity, alice: Identity, pki_files: pki.PkiFiles, tmp_path: Path
) -> Grid:
    api = await start_server(authorization_mode=("RBAC",))
    for path, obj in POLICY:
        response = await api.request("POST", path, identity=admin, json=obj)
        assert response.status == 201, response.text
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user="frank", groups=("qa",))
    (tmp_path / "frank.crt").write_bytes(cert)
    (tmp_path / "frank.key").write_bytes(key)
    frank = Identity(tmp_path / "frank.crt", tmp_path / "frank.key")
    return Grid(api, admin, {"alice": alice, "frank": frank})


async def test_the_policy_aggregates_as_a_cluster_would(grid: Grid) -> None:
    response = await grid.api.request(
        "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/aggregate-reader", identity=grid.admin
    )
    resources = sorted(r for rule in response.body["rules"] for r in rule["resources"])
    assert resources == ["configmaps", "pods"]


async def test_reviews_agree_with_real_requests_over_the_whole_grid(grid: Grid) -> None:
    assert len(CASES) >= 200
    outcomes: Counter[bool] = Counter()
    disagreements = []
    for who, action, namespace in CASES:
        actual = await grid.actually_allowed(who, action, namespace)
        self_review = await grid.self_review(who, action, namespace)
        subject_review = await grid.subject_review(who, action, namespace)
        outcomes[actual] += 1
        if not actual == self_review == subject_review:
            disagreements.append((who.name, action, namespace, actual, self_review, subject_review))
    assert disagreements == []
    assert outcomes[True] >= 40 and outcomes[False] >= 40  # a grid of all-no or all-yes would prove little


# A few decisions the policy was written to produce, spelled out so the grid is not merely consistent.
EXPECTED = [
    ("carol", Action("list", "pods"), "team-b", True),          # cluster-wide binding of an aggregated role
    ("erin", Action("list", "configmaps"), "team-a", True),     # group binding of the aggregated role, in team-a
    ("erin", Action("list", "configmaps"), "team-b", False),    # ... and only there
    ("alice", Action("create", "deployments", group="apps"), "team-a", True),
    ("alice", Action("get", "pods", subresource="log", name="web"), "team-a", True),
    ("alice", Action("get", "pods", subresource="log", name="web"), "team-b", False),
    ("bob", Action("update", "configmaps", name="settings"), "team-b", True),   # resourceNames match
    ("bob", Action("get", "configmaps", name="other"), "team-b", False),       # ... and nothing else
    ("frank", Action("list", "pods"), "team-b", True),         # built-in view, aggregated from aggregate-to-view
    ("frank", Action("list", "secrets"), "team-b", False),     # view does not read secrets
    ("system:serviceaccount:team-b:robot", Action("delete", "secrets", name="token"), "team-b", True),
    ("system:serviceaccount:team-b:robot", Action("list", "secrets"), "team-a", False),
    ("dave", Action("list", "namespaces", namespaced=False), "", True),
    ("dave", Action("list", "nodes", namespaced=False), "", False),
]


@pytest.mark.parametrize(("name", "action", "namespace", "allowed"), EXPECTED)
async def test_the_policy_decides_as_written(grid: Grid, name: str, action: Action, namespace: str, allowed: bool) -> None:
    who = next(person for person in PEOPLE if person.name == name)
    assert await grid.actually_allowed(who, action, namespace) is allowed


def _can_i_args(who: Who, action: Action, namespace: str) -> list[str]:
    resource = f"{action.resource}.{action.group}" if action.group else action.resource
    args = ["auth", "can-i", action.verb, f"{resource}/{action.name}" if action.name else resource]
    if action.subresource:
        args.append(f"--subresource={action.subresource}")
    if namespace:
        args.append(f"--namespace={namespace}")
    if not who.certificate:
        args.append(f"--as={who.name}")
        args.extend(f"--as-group={group}" for group in who.as_groups)
    return args


def _kubeconfig(grid: Grid, who: Who, directory: Path) -> Path:
    identity = grid.identity(who)
    assert identity.cert is not None and identity.key is not None
    path = directory / f"{who.certificate or 'admin'}.kubeconfig"
    if not path.exists():
        pki.write_kubeconfig(path, pki.build_kubeconfig(
            server_url=grid.api.url, ca_pem=grid.api.ca_file.read_bytes(), user_name=who.certificate or "admin",
            client_cert_pem=identity.cert.read_bytes(), client_key_pem=identity.key.read_bytes(),
        ))
    return path


async def _kubectl_can_i(kubectl: Kubectl, args: list[str]) -> tuple[int, str]:
    # the server runs on this event loop, so kubectl must not block it
    process = await asyncio.create_subprocess_exec(
        kubectl.binary, *args, env=kubectl.env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode().strip()


#: one case in seven, which still reaches every identity and most actions
SAMPLE = CASES[::7]


async def test_kubectl_can_i_agrees_with_real_requests_on_a_sample(grid: Grid, tmp_path: Path) -> None:
    binary = kubectl_binary("1.32")
    runs = []
    for index, (who, action, namespace) in enumerate(SAMPLE):
        home = tmp_path / f"home-{index}"
        home.mkdir()
        kubectl = Kubectl(binary, _kubeconfig(grid, who, tmp_path), home)
        runs.append(_kubectl_can_i(kubectl, _can_i_args(who, action, namespace)))
    answers = await asyncio.gather(*runs)
    seen: Counter[bool] = Counter()
    for (who, action, namespace), (code, out) in zip(SAMPLE, answers, strict=True):
        actual = await grid.actually_allowed(who, action, namespace)
        assert (code, out) == ((0, "yes") if actual else (1, "no")), (who.name, action, namespace)
        seen[actual] += 1
    assert seen[True] and seen[False]
    assert {who.name for who, _, _ in SAMPLE} == {who.name for who in PEOPLE}

