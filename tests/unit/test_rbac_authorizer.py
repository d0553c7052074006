"""The RBAC authorizer over a real watch cache: which bindings apply, and what the reasons say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision, Verdict
from kubegate.authz.rbac.authorizer import RBACAuthorizer
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import DeleteOptions, GenericStore
from kubegate.storage.cacher import Cacher
from tests.support.memory_cache import running_cache

CATALOG = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
RBAC = "rbac.authorization.k8s.io"


class Cluster:
    """A store with namespaces, and helpers to write RBAC objects into it.

    Every write returns once the cache, and so the authorizer's index subscribed to it, has seen it.
    """

    def __init__(self, store: Cacher) -> None:
        self.rest = GenericStore(store)
        self.authorizer = RBACAuthorizer.for_store(self.rest.store)

    @classmethod
    async def started(cls, store: Cacher) -> Cluster:
        cluster = cls(store)
        for ns in ("default", "team"):
            await cluster.create("", "namespaces", "", {"metadata": {"name": ns}})
        return cluster

    async def create(self, group: str, plural: str, namespace: str, obj: dict[str, Any]) -> None:
        spec = CATALOG.lookup(group, "v1", plural)
        assert spec is not None
        await self.rest.create(spec, namespace, obj)

    async def store_raw(self, plural: str, obj: dict[str, Any], *, namespace: str = "") -> None:
        """Write an object the API would refuse (422) straight into the store the authorizer reads."""
        await self.rest.store.create((RBAC, plural), (namespace, obj["metadata"]["name"]), obj)

    async def delete(self, plural: str, namespace: str, name: str) -> None:
        spec = CATALOG.lookup(RBAC, "v1", plural)
        assert spec is not None
        await self.rest.delete(spec, namespace, name, DeleteOptions())

    async def role(self, name: str, *rules: dict[str, Any], namespace: str = "") -> None:
        plural = "roles" if namespace else "clusterroles"
        await self.create(RBAC, plural, namespace, {"metadata": {"name": name}, "rules": list(rules)})

    async def bind(
        self, name: str, role: str, *subjects: dict[str, Any], namespace: str = "", kind: str = "ClusterRole"
    ) -> None:
        plural = "rolebindings" if namespace else "clusterrolebindings"
        body = {"metadata": {"name": name}, "roleRef": {"apiGroup": RBAC, "kind": kind, "name": role},
                "subjects": list(subjects)}  # fmt: skip
        await self.create(RBAC, plural, namespace, body)

    def decide(self, user: UserInfo, verb: str, resource: str = "", *, namespace: str = "", name: str = "",
               group: str = "", path: str = "") -> Verdict:  # fmt: skip
        return self.authorizer.decide(Attributes(
            user=user, verb=verb, is_resource_request=not path, namespace=namespace, api_group=group,
            resource=resource, name=name, path=path,
        ))  # fmt: skip


def user(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def group(name: str) -> dict[str, str]:
    return {"kind": "Group", "apiGroup": RBAC, "name": name}


def sa(name: str, namespace: str = "") -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, **({"namespace": namespace} if namespace else {})}


READ_PODS = {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}
ALICE = UserInfo("alice", groups=("dev", "system:authenticated"))
BOB = UserInfo("bob", groups=("system:authenticated",))
ROBOT = UserInfo("system:serviceaccount:team:robot", groups=("system:serviceaccounts", "system:serviceaccounts:team"))


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    async with running_cache() as store:
        yield await Cluster.started(store)


async def test_nothing_bound_is_no_opinion_without_a_reason(cluster: Cluster) -> None:
    assert cluster.decide(ALICE, "list", "pods", namespace="team") == Verdict(Decision.NO_OPINION, "")


async def test_cluster_role_binding_to_a_user_applies_everywhere(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    await cluster.bind("alice-reads", "pod-reader", user("alice"))
    for namespace in ("team", "default", ""):
        verdict = cluster.decide(ALICE, "list", "pods", namespace=namespace)
        assert verdict == Verdict(
            Decision.ALLOW, 'RBAC: allowed by ClusterRoleBinding "alice-reads" of ClusterRole "pod-reader" to User "alice"'
        )
    assert cluster.decide(BOB, "list", "pods", namespace="team").decision is Decision.NO_OPINION
    assert cluster.decide(ALICE, "delete", "pods", namespace="team", name="x").decision is Decision.NO_OPINION


async def test_group_subject_and_the_first_applicable_subject_is_named(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    await cluster.bind("devs", "pod-reader", user("carol"), group("dev"), user("alice"))
    assert cluster.decide(ALICE, "get", "pods", namespace="team", name="p").reason == (
        'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "pod-reader" to Group "dev"'
    )


async def test_role_binding_applies_only_in_its_namespace(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS, namespace="team")
    await cluster.bind("robot-reads", "pod-reader", sa("robot"), namespace="team", kind="Role")
    assert cluster.decide(ROBOT, "list", "pods", namespace="team").reason == (
        'RBAC: allowed by RoleBinding "robot-reads/team" of Role "pod-reader" to ServiceAccount "robot/team"'
    )
    assert cluster.decide(ROBOT, "list", "pods", namespace="default").decision is Decision.NO_OPINION
    assert cluster.decide(ROBOT, "list", "pods").decision is Decision.NO_OPINION


async def test_role_binding_may_grant_a_cluster_role_within_its_namespace(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    await cluster.bind("alice-reads", "pod-reader", user("alice"), namespace="team")
    assert cluster.decide(ALICE, "list", "pods", namespace="team").reason == (
        'RBAC: allowed by RoleBinding "alice-reads/team" of ClusterRole "pod-reader" to User "alice"'
    )
    assert cluster.decide(ALICE, "list", "pods", namespace="default").decision is Decision.NO_OPINION


async def test_service_account_subjects(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    # explicit namespace in a ClusterRoleBinding; a namespace-less one there matches nobody
    robots = {"metadata": {"name": "robots"}, "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "pod-reader"},
              "subjects": [sa("robot"), sa("robot", "team")]}  # fmt: skip
    await cluster.store_raw("clusterrolebindings", robots)  # the namespace-less subject is a 422 through the API
    assert cluster.decide(ROBOT, "list", "pods", namespace="default").reason == (
        'RBAC: allowed by ClusterRoleBinding "robots" of ClusterRole "pod-reader" to ServiceAccount "robot/team"'
    )
    other = UserInfo("system:serviceaccount:default:robot", groups=("system:serviceaccounts",))
    assert cluster.decide(other, "list", "pods", namespace="default").decision is Decision.NO_OPINION
    # a User subject spelled like a service account is the same user name
    await cluster.bind("by-name", "pod-reader", user("system:serviceaccount:default:robot"))
    assert cluster.decide(other, "list", "pods", namespace="default").decision is Decision.ALLOW


async def test_a_role_binding_does_not_reach_a_role_of_another_namespace(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS, namespace="default")
    await cluster.bind("alice-reads", "pod-reader", user("alice"), namespace="team", kind="Role")
    verdict = cluster.decide(ALICE, "list", "pods", namespace="team")
    assert verdict == Verdict(Decision.NO_OPINION, 'RBAC: role.rbac.authorization.k8s.io "pod-reader" not found')


async def test_missing_roles_are_reported_together(cluster: Cluster) -> None:
    await cluster.bind("a", "gone", group("dev"))
    await cluster.bind("b", "also-gone", user("alice"))
    await cluster.bind("c", "gone", user("alice"))
    assert cluster.decide(ALICE, "list", "pods").reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, '
        'clusterrole.rbac.authorization.k8s.io "also-gone" not found]'
    )


async def test_allow_wins_over_missing_roles(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    await cluster.bind("a-broken", "gone", user("alice"))
    await cluster.bind("b-works", "pod-reader", user("alice"))
    assert cluster.decide(ALICE, "list", "pods").decision is Decision.ALLOW


async def test_non_resource_urls(cluster: Cluster) -> None:
    await cluster.role("health", {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/healthz/*"]})
    await cluster.bind("health", "health", group("system:authenticated"))
    assert cluster.decide(BOB, "get", path="/healthz/etcd").decision is Decision.ALLOW
    assert cluster.decide(BOB, "get", path="/metrics").decision is Decision.NO_OPINION


async def test_the_index_follows_changes_and_deletions(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    await cluster.bind("alice-reads", "pod-reader", user("alice"))
    assert cluster.decide(ALICE, "list", "pods").decision is Decision.ALLOW
    # the role loses the permission
    spec = CATALOG.lookup(RBAC, "v1", "clusterroles")
    assert spec is not None
    await cluster.rest.update(spec, "", "pod-reader", {"metadata": {"name": "pod-reader"}, "rules": []})
    assert cluster.decide(ALICE, "list", "pods").decision is Decision.NO_OPINION
    # the binding moves to another subject
    bindings = CATALOG.lookup(RBAC, "v1", "clusterrolebindings")
    assert bindings is not None
    await cluster.rest.update(spec, "", "pod-reader", {"metadata": {"name": "pod-reader"}, "rules": [READ_PODS]})
    await cluster.rest.update(bindings, "", "alice-reads", {
        "metadata": {"name": "alice-reads"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "pod-reader"}, "subjects": [user("bob")],
    })  # fmt: skip
    assert cluster.decide(ALICE, "list", "pods").decision is Decision.NO_OPINION
    assert cluster.decide(BOB, "list", "pods").decision is Decision.ALLOW
    await cluster.delete("clusterrolebindings", "", "alice-reads")
    assert cluster.decide(BOB, "list", "pods").decision is Decision.NO_OPINION


async def test_unrelated_bindings_are_never_visited(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS)
    for i in range(200):
        await cluster.bind(f"other-{i}", "missing-role", user(f"user-{i}"))
    # none of the 200 broken bindings names alice, so none is even looked at
    assert cluster.decide(ALICE, "list", "pods") == Verdict(Decision.NO_OPINION, "")


async def test_malformed_bindings_and_roles_are_ignored(cluster: Cluster) -> None:
    # none of these gets through the API (400 or 422): the authorizer must still survive them
    await cluster.store_raw("clusterroles", {"metadata": {"name": "odd"}, "rules": [7, {"verbs": "get"}]})
    await cluster.store_raw("clusterrolebindings", {
        "metadata": {"name": "odd"}, "roleRef": "odd", "subjects": [None, {"kind": "Group", "name": "dev"}],
    })  # fmt: skip
    await cluster.store_raw("clusterrolebindings", {"metadata": {"name": "odd2"}, "subjects": {"x": 1}})
    verdict = cluster.decide(ALICE, "list", "pods")
    assert verdict == Verdict(Decision.NO_OPINION, 'RBAC: unsupported role reference kind: ""')


async def test_rules_for_lists_what_applies(cluster: Cluster) -> None:
    await cluster.role("pod-reader", READ_PODS, {"verbs": ["get"], "nonResourceURLs": ["/x"]})
    await cluster.role("named", {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"]},
                 namespace="team")  # fmt: skip
    await cluster.bind("alice-reads", "pod-reader", user("alice"))
    await cluster.bind("alice-web", "named", user("alice"), namespace="team", kind="Role")
    await cluster.bind("broken", "gone", user("alice"), namespace="team")
    result = cluster.authorizer.rules_for(ALICE, "team")
    assert result.resource_rules == (
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]},
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"]},
    )
    assert result.non_resource_rules == ({"verbs": ["get"], "nonResourceURLs": ["/x"]},)
    assert result.evaluation_error == 'clusterrole.rbac.authorization.k8s.io "gone" not found'
    assert not result.incomplete
    assert len(cluster.authorizer.rules_for(ALICE, "default").resource_rules) == 1


async def test_a_binding_made_after_a_decision_counts_at_once(cluster: Cluster) -> None:
    """The subject lookups a request repeats are remembered, but never past a binding change."""
    await cluster.role("pod-reader", READ_PODS)
    assert cluster.decide(ALICE, "list", "pods", namespace="team").decision is Decision.NO_OPINION
    await cluster.bind("devs-read", "pod-reader", group("dev"))
    assert cluster.decide(ALICE, "list", "pods", namespace="team").decision is Decision.ALLOW
    await cluster.bind("team-devs-read", "pod-reader", group("dev"), namespace="team")
    await cluster.delete("clusterrolebindings", "", "devs-read")
    assert cluster.decide(ALICE, "list", "pods", namespace="team").reason == (
        'RBAC: allowed by RoleBinding "team-devs-read/team" of ClusterRole "pod-reader" to Group "dev"'
    )
    assert cluster.decide(ALICE, "list", "pods", namespace="default").decision is Decision.NO_OPINION


async def test_remembered_verdicts_follow_roles_and_the_user_groups(cluster: Cluster) -> None:
    """Verdicts are remembered per user and request, but a missing role created later counts at
    once, and the same name with other groups is decided afresh."""
    await cluster.bind("devs-read", "pod-reader", group("dev"))
    missing = 'RBAC: clusterrole.rbac.authorization.k8s.io "pod-reader" not found'
    assert cluster.decide(ALICE, "get", "pods", namespace="team").reason == missing
    assert cluster.decide(ALICE, "get", "pods", namespace="team").reason == missing
    await cluster.role("pod-reader", READ_PODS)
    assert cluster.decide(ALICE, "get", "pods", namespace="team").decision is Decision.ALLOW
    not_a_dev = UserInfo("alice", groups=("system:authenticated",))
    assert cluster.decide(not_a_dev, "get", "pods", namespace="team") == Verdict(Decision.NO_OPINION, "")
    assert cluster.decide(ALICE, "get", "pods", name="web", namespace="team").decision is Decision.ALLOW
