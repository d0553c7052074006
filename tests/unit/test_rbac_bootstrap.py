"""The default policy a fresh server holds, its reconciliation, and ClusterRole aggregation.

The aggregation controller runs after each write, as on a real cluster: a test that asserts its
effect first waits for the controllers to settle.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from kubegate.authz.rbac.bootstrap_policy import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES
from kubegate.config import ServerConfig
from kubegate.controllers.clusterrole_aggregation import ClusterRoleAggregationController
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.registry import conversion
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import DeleteOptions, GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.server.app import build_state, close_state
from kubegate.server.rbac_bootstrap import ensure_default_policy
from kubegate.storage.cacher import Cacher
from kubegate.storage.memory import MemoryBackend

CATALOG = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
RBAC = "rbac.authorization.k8s.io"


def spec(plural: str) -> ResourceSpec:
    found = CATALOG.lookup(RBAC, "v1", plural)
    assert found is not None
    return found


ROLES, BINDINGS = spec("clusterroles"), spec("clusterrolebindings")


def get(rest: GenericStore, plural: str, name: str) -> dict[str, Any]:
    return rest.get(spec(plural), "", name).obj


def rules(rest: GenericStore, name: str) -> list[dict[str, Any]]:
    return list(get(rest, "clusterroles", name).get("rules") or [])


@pytest.fixture(scope="module")
def fresh() -> GenericStore:
    """A fresh server's store once its controllers are done (then stopped: these tests only read)."""

    async def start() -> GenericStore:
        state = await build_state(ServerConfig())
        try:
            await state.settle()
        finally:
            await close_state(state)
        return state.rest

    return asyncio.run(start())


@pytest.mark.parametrize("role", [r["metadata"]["name"] for r in CLUSTER_ROLES])
def test_every_default_role_exists_labelled_and_auto_updated(fresh: GenericStore, role: str) -> None:
    metadata = get(fresh, "clusterroles", role)["metadata"]
    assert metadata["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    assert metadata["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def test_default_bindings(fresh: GenericStore) -> None:
    subjects = {b["metadata"]["name"]: [s["name"] for s in get(fresh, "clusterrolebindings", b["metadata"]["name"])["subjects"]]
                for b in CLUSTER_ROLE_BINDINGS}  # fmt: skip
    assert subjects["cluster-admin"] == ["system:masters"]
    assert subjects["system:discovery"] == ["system:authenticated"]
    assert subjects["system:basic-user"] == ["system:authenticated"]
    assert subjects["system:public-info-viewer"] == ["system:authenticated", "system:unauthenticated"]
    assert subjects["system:service-account-issuer-discovery"] == ["system:serviceaccounts"]
    assert get(fresh, "clusterrolebindings", "cluster-admin")["roleRef"] == {
        "apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin",
    }  # fmt: skip


def test_user_facing_roles_are_aggregated_right_after_start(fresh: GenericStore) -> None:
    view, edit, admin = rules(fresh, "view"), rules(fresh, "edit"), rules(fresh, "admin")
    assert view == rules(fresh, "system:aggregate-to-view")
    # roles are gathered by name: system:aggregate-to-edit sorts before view, edit before system:...
    assert edit == rules(fresh, "system:aggregate-to-edit") + view
    assert admin == edit + rules(fresh, "system:aggregate-to-admin")
    assert {"verbs": ["get", "list", "watch"], "apiGroups": ["apps"], "resources": [
        "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
        "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
        "statefulsets/scale", "statefulsets/status"]} in view  # fmt: skip
    assert get(fresh, "clusterroles", "admin")["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]
    }


# --- aggregation --------------------------------------------------------------------------------


@dataclass
class Cluster:
    """A store with the aggregation controller running; each write returns once it is idle again."""

    rest: GenericStore
    manager: ControllerManager

    async def settle(self) -> None:
        await self.manager.settle()

    async def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        created = await self.rest.create(ROLES, "", obj)
        await self.settle()
        return created.obj

    async def update(self, name: str, obj: dict[str, Any]) -> None:
        await self.rest.update(ROLES, "", name, obj)
        await self.settle()

    async def delete(self, name: str) -> None:
        await self.rest.delete(ROLES, "", name, DeleteOptions())
        await self.settle()


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    backend = MemoryBackend()
    store = Cacher(backend, builtin={conversion.storage_key(s) for s in CATALOG})
    await store.start()
    informers = Informers(store)
    manager = ControllerManager(informers, fresh=store.wait_fresh)
    rest = GenericStore(store)
    manager.add(ClusterRoleAggregationController(informers, rest, CATALOG))
    manager.start()
    manager.lead()
    try:
        yield Cluster(rest, manager)
    finally:
        await manager.stop()
        informers.close()
        await store.stop()
        await backend.close()


def role(name: str, *rule_list: dict[str, Any], labels: dict[str, str] | None = None,
         selectors: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    obj: dict[str, Any] = {"metadata": {"name": name, "labels": labels or {}}, "rules": list(rule_list)}
    if selectors is not None:
        obj["aggregationRule"] = {"clusterRoleSelectors": selectors}
    return obj


CRONTABS = {"verbs": ["get", "list"], "apiGroups": ["stable.example.com"], "resources": ["crontabs"]}
WIDGETS = {"verbs": ["get"], "apiGroups": ["example.com"], "resources": ["widgets"]}
MONITORING = [{"matchLabels": {"example.com/aggregate-to-monitoring": "true"}}]
LABEL = {"example.com/aggregate-to-monitoring": "true"}


async def test_aggregation_follows_labels_rules_and_deletions(cluster: Cluster) -> None:
    rest = cluster.rest
    await cluster.create(role("monitoring", selectors=MONITORING))
    assert rules(rest, "monitoring") == []
    await cluster.create(role("crontabs", CRONTABS, labels=LABEL))
    assert rules(rest, "monitoring") == [CRONTABS]
    await cluster.create(role("widgets", WIDGETS))  # not labelled: not gathered
    assert rules(rest, "monitoring") == [CRONTABS]
    await cluster.update("widgets", role("widgets", WIDGETS, labels=LABEL))
    assert rules(rest, "monitoring") == [CRONTABS, WIDGETS]
    await cluster.update("crontabs", role("crontabs", CRONTABS, WIDGETS, labels=LABEL))
    assert rules(rest, "monitoring") == [CRONTABS, WIDGETS]  # no repeats
    await cluster.update("crontabs", role("crontabs", CRONTABS))  # label removed
    assert rules(rest, "monitoring") == [WIDGETS]
    await cluster.delete("widgets")
    assert rules(rest, "monitoring") == []


async def test_aggregation_of_roles_that_exist_before_the_aggregated_one(cluster: Cluster) -> None:
    await cluster.create(role("b-widgets", WIDGETS, labels=LABEL))
    await cluster.create(role("a-crontabs", CRONTABS, labels=LABEL))
    own = {"verbs": ["nonsense"], "apiGroups": [""], "resources": ["pods"]}
    created = await cluster.create(role("monitoring", own, selectors=MONITORING))
    assert created["rules"] == [own]  # the create answers before the controller ran, as a real one does
    assert rules(cluster.rest, "monitoring") == [CRONTABS, WIDGETS]  # by name; its own rules are replaced


async def test_aggregation_with_expressions_chains_and_cycles(cluster: Cluster) -> None:
    rest = cluster.rest
    await cluster.create(role("leaf", WIDGETS, labels={"tier": "1"}))
    await cluster.create(role("middle", selectors=[{"matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["1"]}]}], labels={"tier": "2"}))  # fmt: skip
    await cluster.create(role("top", selectors=[{"matchLabels": {"tier": "2"}}], labels={"tier": "1"}))
    # top gathers middle, middle gathers leaf and top: they settle on the same rules
    assert rules(rest, "middle") == [WIDGETS]
    assert rules(rest, "top") == [WIDGETS]
    await cluster.update("leaf", role("leaf", CRONTABS, labels={"tier": "1"}))
    # in a cycle a dropped rule lingers, fed back by the other role, as with the real controller
    assert rules(rest, "middle") == [CRONTABS, WIDGETS]
    assert rules(rest, "top") == [CRONTABS, WIDGETS]


async def test_a_bad_selector_leaves_the_role_alone(cluster: Cluster) -> None:
    bad = role("bad", WIDGETS, selectors=[{"matchExpressions": [{"key": "x", "operator": "Near"}]}])
    bad["metadata"]["uid"] = "bad-uid"
    await cluster.rest.store.create((RBAC, "clusterroles"), ("", "bad"), bad)  # the API refuses it (422); the store need not
    await cluster.create(role("labelled", CRONTABS, labels={"x": "y"}))
    assert rules(cluster.rest, "bad") == [WIDGETS]


# --- reconciliation -----------------------------------------------------------------------------


@pytest.fixture
async def seeded(cluster: Cluster) -> Cluster:
    await ensure_default_policy(cluster.rest, CATALOG)
    await cluster.settle()
    return cluster


async def reconciled(cluster: Cluster) -> GenericStore:
    await ensure_default_policy(cluster.rest, CATALOG)
    await cluster.settle()
    return cluster.rest


async def replace(rest: GenericStore, plural: str, name: str, change: Any) -> None:
    obj = copy.deepcopy(get(rest, plural, name))
    change(obj)
    await rest.update(spec(plural), "", name, obj)


async def test_reconcile_restores_missing_objects_and_is_idempotent(seeded: Cluster) -> None:
    rest = seeded.rest
    revision = rest.store.revision
    await reconciled(seeded)
    assert rest.store.revision == revision  # nothing to do the second time
    await rest.delete(ROLES, "", "system:basic-user", DeleteOptions())
    await rest.delete(BINDINGS, "", "cluster-admin", DeleteOptions())
    await reconciled(seeded)
    assert get(rest, "clusterroles", "system:basic-user")["rules"][0]["resources"] == [
        "selfsubjectaccessreviews", "selfsubjectrulesreviews"]  # fmt: skip
    assert get(rest, "clusterrolebindings", "cluster-admin")["subjects"][0]["name"] == "system:masters"


async def test_reconcile_adds_what_is_missing_and_keeps_user_additions(seeded: Cluster) -> None:
    rest = seeded.rest

    def tamper_role(obj: dict[str, Any]) -> None:
        obj["rules"] = [WIDGETS]  # the default rules gone, one of the user's added
        obj["metadata"]["labels"] = {"mine": "yes"}

    def tamper_binding(obj: dict[str, Any]) -> None:
        obj["subjects"] = [{"kind": "User", "apiGroup": RBAC, "name": "carol"}]

    await replace(rest, "clusterroles", "system:basic-user", tamper_role)
    await replace(rest, "clusterrolebindings", "system:public-info-viewer", tamper_binding)
    await reconciled(seeded)
    basic = get(rest, "clusterroles", "system:basic-user")
    assert basic["rules"][0] == WIDGETS
    assert {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]} in basic["rules"]
    assert basic["metadata"]["labels"] == {"mine": "yes", "kubernetes.io/bootstrapping": "rbac-defaults"}
    viewer = get(rest, "clusterrolebindings", "system:public-info-viewer")
    assert [s["name"] for s in viewer["subjects"]] == ["carol", "system:authenticated", "system:unauthenticated"]


async def test_reconcile_leaves_opted_out_objects_alone(seeded: Cluster) -> None:
    rest = seeded.rest

    def opt_out(obj: dict[str, Any]) -> None:
        obj["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = "false"
        obj["rules"] = []

    await replace(rest, "clusterroles", "system:discovery", opt_out)
    await reconciled(seeded)
    assert get(rest, "clusterroles", "system:discovery")["rules"] == []


async def test_reconcile_recreates_a_binding_whose_role_ref_changed(seeded: Cluster) -> None:
    rest = seeded.rest
    # roleRef cannot change (422), but a binding can be deleted and created again with another one
    tampered = copy.deepcopy(get(rest, "clusterrolebindings", "system:discovery"))
    await rest.delete(BINDINGS, "", "system:discovery", DeleteOptions())
    tampered["metadata"] = {"name": "system:discovery"}
    tampered["roleRef"]["name"] = "cluster-admin"
    uid = (await rest.create(BINDINGS, "", tampered)).obj["metadata"]["uid"]
    await reconciled(seeded)
    binding = get(rest, "clusterrolebindings", "system:discovery")
    assert binding["roleRef"]["name"] == "system:discovery"
    assert binding["metadata"]["uid"] != uid


async def test_reconcile_restores_an_aggregation_selector(seeded: Cluster) -> None:
    rest = seeded.rest
    await replace(rest, "clusterroles", "view", lambda obj: obj.pop("aggregationRule"))
    await reconciled(seeded)
    assert get(rest, "clusterroles", "view")["aggregationRule"]["clusterRoleSelectors"] == [
        {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]  # fmt: skip
    assert rules(rest, "view") == rules(rest, "system:aggregate-to-view")
