"""The credential controllers as a cluster shows them: default ServiceAccounts, the root CA
ConfigMap and token Secrets, kept right as objects come and go (no HTTP server: REST calls on
the server state, each followed by `settle()` so the controllers have had their turn)."""

from __future__ import annotations

import base64
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
import pytest

from kubegate import pki
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.config import ServerConfig
from kubegate.controllers.root_ca_publisher import DESCRIPTION
from kubegate.endpoints.state import APIServer
from kubegate.server.app import build_state, close_state
from kubegate.server.bootstrap import SYSTEM_NAMESPACES

#: the credentials controllers alone: no kube-system workloads (their accounts and ConfigMaps)
QUIET: dict[str, Any] = {"system_workloads": False}

TOKEN_TYPE = "kubernetes.io/service-account-token"


class Cluster:
    """A server state and the few REST calls these tests make, as the admin would.

    Each write returns once the controllers are idle again, so their effects can be asserted.
    """

    def __init__(self, state: APIServer) -> None:
        self.state = state

    def spec(self, plural: str) -> Any:
        return self.state.catalog.lookup("", "v1", plural)

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        stored = self.state.rest.find(self.spec(plural), namespace, name)
        return stored.obj if stored is not None else None

    def names(self, plural: str, namespace: str) -> list[str]:
        key = ("", plural)
        return [s.obj["metadata"]["name"] for s in self.state.store.scan(key, namespace=namespace)]

    async def create(self, plural: str, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        created = await self.state.rest.create(self.spec(plural), namespace, obj)
        await self.state.settle()
        return created.obj

    async def update(self, plural: str, namespace: str, obj: dict[str, Any]) -> None:
        await self.state.rest.update(self.spec(plural), namespace, obj["metadata"]["name"], obj)
        await self.state.settle()

    async def delete(self, plural: str, namespace: str, name: str) -> None:
        await self.state.rest.delete(self.spec(plural), namespace, name, DeleteOptions())
        await self.state.settle()


@asynccontextmanager
async def started(config: ServerConfig, pki_files: pki.PkiFiles | None) -> AsyncIterator[Cluster]:
    state = await build_state(config, pki=pki_files)
    try:
        await state.settle()
        yield Cluster(state)
    finally:
        await close_state(state)


@pytest.fixture
async def cluster(pki_files: pki.PkiFiles) -> AsyncIterator[Cluster]:
    async with started(ServerConfig(**QUIET), pki_files) as cluster:
        yield cluster


@pytest.fixture
async def legacy(pki_files: pki.PkiFiles) -> AsyncIterator[Cluster]:
    async with started(ServerConfig(legacy_service_account_token_secrets=True, **QUIET), pki_files) as cluster:
        yield cluster


def decoded(secret: dict[str, Any], key: str) -> str:
    return base64.b64decode(secret["data"][key]).decode()


# ServiceAccounts -------------------------------------------------------------------------


async def test_every_namespace_has_a_default_service_account(cluster: Cluster) -> None:
    for namespace in SYSTEM_NAMESPACES:
        assert cluster.names("serviceaccounts", namespace) == ["default"]
    await cluster.create("namespaces", "", {"metadata": {"name": "team"}})
    account = cluster.get("serviceaccounts", "team", "default")
    assert account is not None
    assert account["apiVersion"] == "v1" and account["kind"] == "ServiceAccount"
    assert "secrets" not in account  # no token Secrets since 1.24


async def test_a_deleted_default_account_comes_back_with_a_new_uid(cluster: Cluster) -> None:
    old = cluster.get("serviceaccounts", "default", "default")
    assert old is not None
    await cluster.delete("serviceaccounts", "default", "default")
    new = cluster.get("serviceaccounts", "default", "default")
    assert new is not None and new["metadata"]["uid"] != old["metadata"]["uid"]


async def test_other_accounts_stay_deleted(cluster: Cluster) -> None:
    await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    await cluster.delete("serviceaccounts", "default", "robot")
    assert cluster.get("serviceaccounts", "default", "robot") is None


async def test_nothing_is_recreated_in_a_terminating_namespace(cluster: Cluster) -> None:
    # a finalizer of its own keeps the namespace Terminating once the namespace controller has purged it
    await cluster.create("namespaces", "", {"metadata": {"name": "going", "finalizers": ["example.com/hold"]}})
    assert cluster.names("serviceaccounts", "going") == ["default"]
    assert cluster.names("configmaps", "going") == ["kube-root-ca.crt"]
    await cluster.delete("namespaces", "", "going")
    namespace = cluster.get("namespaces", "", "going")
    assert namespace is not None and namespace["status"]["phase"] == "Terminating"
    assert cluster.names("serviceaccounts", "going") == []
    assert cluster.names("configmaps", "going") == []


# kube-root-ca.crt --------------------------------------------------------------------------


async def test_every_namespace_has_the_root_ca(cluster: Cluster, pki_files: pki.PkiFiles) -> None:
    await cluster.create("namespaces", "", {"metadata": {"name": "team"}})
    for namespace in (*SYSTEM_NAMESPACES, "team"):
        config_map = cluster.get("configmaps", namespace, "kube-root-ca.crt")
        assert config_map is not None
        assert config_map["data"] == {"ca.crt": pki_files.ca_cert.read_text()}
        assert config_map["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}
        assert config_map["metadata"]["managedFields"][0]["manager"] == "kube-controller-manager"


async def test_the_root_ca_is_restored_after_deletion_and_edits(cluster: Cluster, pki_files: pki.PkiFiles) -> None:
    await cluster.delete("configmaps", "default", "kube-root-ca.crt")
    assert cluster.get("configmaps", "default", "kube-root-ca.crt") is not None
    edited = copy.deepcopy(cluster.get("configmaps", "default", "kube-root-ca.crt"))
    assert edited is not None
    edited["data"] = {"ca.crt": "forged", "extra": "x"}
    edited["metadata"]["annotations"] = {"team": "blue"}
    await cluster.update("configmaps", "default", edited)
    repaired = cluster.get("configmaps", "default", "kube-root-ca.crt")
    assert repaired is not None
    assert repaired["data"] == {"ca.crt": pki_files.ca_cert.read_text()}
    assert repaired["metadata"]["annotations"] == {"team": "blue", "kubernetes.io/description": DESCRIPTION}


async def test_no_publisher_without_a_ca() -> None:
    async with started(ServerConfig(**QUIET), None) as cluster:  # no PKI: no CA, no signing key
        assert list(cluster.state.store.scan(("", "configmaps"))) == []
        assert len(list(cluster.state.store.scan(("", "serviceaccounts")))) == len(SYSTEM_NAMESPACES)


# token Secrets -----------------------------------------------------------------------------


async def test_a_token_secret_is_filled_in(cluster: Cluster, pki_files: pki.PkiFiles) -> None:
    robot = await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    await cluster.create("secrets", "default", {
        "metadata": {"name": "robot-secret", "annotations": {"kubernetes.io/service-account.name": "robot"}},
        "type": TOKEN_TYPE,
    })
    secret = cluster.get("secrets", "default", "robot-secret")
    assert secret is not None
    assert secret["metadata"]["annotations"] == {
        "kubernetes.io/service-account.name": "robot",
        "kubernetes.io/service-account.uid": robot["metadata"]["uid"],
    }
    assert sorted(secret["data"]) == ["ca.crt", "namespace", "token"]
    assert decoded(secret, "ca.crt") == pki_files.ca_cert.read_text()
    assert decoded(secret, "namespace") == "default"
    claims = jwt.decode(decoded(secret, "token"), options={"verify_signature": False})
    assert claims == {
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": "default",
        "kubernetes.io/serviceaccount/secret.name": "robot-secret",
        "kubernetes.io/serviceaccount/service-account.name": "robot",
        "kubernetes.io/serviceaccount/service-account.uid": robot["metadata"]["uid"],
        "sub": "system:serviceaccount:default:robot",
    }


async def test_a_given_token_is_kept(cluster: Cluster) -> None:
    await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    await cluster.create("secrets", "default", {
        "metadata": {"name": "mine", "annotations": {"kubernetes.io/service-account.name": "robot"}},
        "type": TOKEN_TYPE, "data": {"token": base64.b64encode(b"handmade").decode()},
    })
    secret = cluster.get("secrets", "default", "mine")
    assert secret is not None
    assert decoded(secret, "token") == "handmade"
    assert decoded(secret, "namespace") == "default"


@pytest.mark.parametrize("uid", ["", "another-uid"])
async def test_a_token_secret_for_a_missing_account_is_deleted(cluster: Cluster, uid: str) -> None:
    await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    annotations = {"kubernetes.io/service-account.name": "ghost" if not uid else "robot"}
    if uid:
        annotations["kubernetes.io/service-account.uid"] = uid
    await cluster.create("secrets", "default", {"metadata": {"name": "orphan", "annotations": annotations}, "type": TOKEN_TYPE})
    assert cluster.get("secrets", "default", "orphan") is None


async def test_other_secrets_are_not_touched(cluster: Cluster) -> None:
    await cluster.create("secrets", "default", {
        "metadata": {"name": "plain", "annotations": {"kubernetes.io/service-account.name": "ghost"}}, "type": "Opaque",
    })
    secret = cluster.get("secrets", "default", "plain")
    assert secret is not None and "data" not in secret


async def test_deleting_an_account_deletes_its_tokens(cluster: Cluster) -> None:
    await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    for name in ("one", "two"):
        await cluster.create("secrets", "default", {
            "metadata": {"name": name, "annotations": {"kubernetes.io/service-account.name": "robot"}}, "type": TOKEN_TYPE,
        })
    await cluster.delete("serviceaccounts", "default", "robot")
    assert cluster.names("secrets", "default") == []


async def test_legacy_mode_gives_every_account_a_referenced_token(legacy: Cluster) -> None:
    for namespace in SYSTEM_NAMESPACES:
        account = legacy.get("serviceaccounts", namespace, "default")
        assert account is not None
        [reference] = account["secrets"]
        assert reference["name"].startswith("default-token-") and len(reference["name"]) == len("default-token-") + 5
    await legacy.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    robot = legacy.get("serviceaccounts", "default", "robot")
    assert robot is not None
    secret = legacy.get("secrets", "default", robot["secrets"][0]["name"])
    assert secret is not None and secret["type"] == TOKEN_TYPE
    assert secret["metadata"]["annotations"]["kubernetes.io/service-account.uid"] == robot["metadata"]["uid"]
    assert sorted(secret["data"]) == ["ca.crt", "namespace", "token"]


async def test_legacy_mode_replaces_a_deleted_token(legacy: Cluster) -> None:
    await legacy.create("serviceaccounts", "default", {"metadata": {"name": "robot"}})
    robot = legacy.get("serviceaccounts", "default", "robot")
    assert robot is not None
    first = robot["secrets"][0]["name"]
    await legacy.delete("secrets", "default", first)
    robot = legacy.get("serviceaccounts", "default", "robot")
    assert robot is not None
    [reference] = robot["secrets"]
    assert reference["name"] != first
    assert legacy.get("secrets", "default", reference["name"]) is not None


async def test_without_legacy_mode_a_deleted_token_only_leaves_the_list(cluster: Cluster) -> None:
    await cluster.create("serviceaccounts", "default", {"metadata": {"name": "robot"}, "secrets": [{"name": "tok"}]})
    await cluster.create("secrets", "default", {
        "metadata": {"name": "tok", "annotations": {"kubernetes.io/service-account.name": "robot"}}, "type": TOKEN_TYPE,
    })
    await cluster.delete("secrets", "default", "tok")
    robot = cluster.get("serviceaccounts", "default", "robot")
    assert robot is not None and "secrets" not in robot
