"""The ServiceAccount admission plugin on pod create: defaults, refusals, and the token volume."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Protocol

import pytest

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.admission.serviceaccount import ServiceAccountAdmission
from kubegate.api import errors
from kubegate.api.user import UserInfo
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.storage.cacher import Cacher
from tests.support.memory_cache import started_cache

CATALOG = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
PODS = CATALOG.lookup("", "v1", "pods")
MOUNT = {"name": "kube-api-access-abcde", "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
#: what `kubectl get pod -o json` shows of a real pod's token volume
VOLUME = {
    "name": "kube-api-access-abcde",
    "projected": {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [
                {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}},
            ]}},
        ],
        "defaultMode": 420,
    },
}


class StoreWith(Protocol):
    def __call__(self, *accounts: dict[str, Any], namespace: str = "team") -> Awaitable[Cacher]: ...


@pytest.fixture
async def store_with() -> AsyncIterator[StoreWith]:
    """Makes a started cache holding an Active namespace and these accounts in it; all stopped at the end."""
    started: list[Cacher] = []

    async def make(*accounts: dict[str, Any], namespace: str = "team") -> Cacher:
        store = await started_cache()
        started.append(store)
        await store.create(("", "namespaces"), ("", namespace), {"metadata": {"name": namespace}, "status": {"phase": "Active"}})
        for account in accounts:
            name = account["metadata"]["name"]
            await store.create(("", "serviceaccounts"), (namespace, name), {**account, "metadata": {**account["metadata"], "namespace": namespace}})
        return store

    yield make
    for store in started:
        await store.stop()


def account(name: str = "default", **fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, **fields}


def pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}


async def admit(store: Cacher, obj: dict[str, Any] | None, *, operation: str = CREATE, namespace: str = "team",
                subresource: str = "") -> dict[str, Any] | None:
    assert PODS is not None
    attributes = AdmissionAttributes(
        operation=operation, spec=PODS, namespace=namespace, name="web", subresource=subresource,
        user=UserInfo("alice"), obj=obj, old=None,
    )
    await ServiceAccountAdmission(store, generate_name=lambda prefix: prefix + "abcde").admit(attributes)
    return obj


async def test_a_pod_runs_as_default_with_the_token_volume_mounted(store_with: StoreWith) -> None:
    admitted = await admit(await store_with(account()), pod())
    assert admitted is not None
    spec = admitted["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert spec["volumes"] == [VOLUME]
    assert spec["containers"][0]["volumeMounts"] == [MOUNT]
    assert "imagePullSecrets" not in spec


async def test_a_missing_account_is_refused_with_the_real_message(store_with: StoreWith) -> None:
    with pytest.raises(errors.StatusError) as caught:
        await admit(await store_with(account()), pod(serviceAccountName="robot"))
    assert caught.value.code == 403
    assert caught.value.message == (
        'pods "web" is forbidden: error looking up service account team/robot: serviceaccount "robot" not found'
    )


async def test_the_deprecated_field_names_the_account(store_with: StoreWith) -> None:
    admitted = await admit(await store_with(account("robot")), pod(serviceAccount="robot"))
    assert admitted is not None
    assert admitted["spec"]["serviceAccountName"] == "robot"


@pytest.mark.parametrize(("pod_says", "account_says", "mounted"), [
    (None, None, True),
    (False, None, False),
    (None, False, False),
    (True, False, True),  # the pod's preference wins
    (False, True, False),
])
async def test_automount_follows_the_pod_then_the_account(
    pod_says: bool | None, account_says: bool | None, mounted: bool, store_with: StoreWith
) -> None:
    sa = account() if account_says is None else account(automountServiceAccountToken=account_says)
    spec = {} if pod_says is None else {"automountServiceAccountToken": pod_says}
    admitted = await admit(await store_with(sa), pod(**spec))
    assert admitted is not None
    assert ("volumes" in admitted["spec"]) is mounted
    assert ("volumeMounts" in admitted["spec"]["containers"][0]) is mounted


async def test_every_container_is_mounted_unless_it_uses_the_path_already(store_with: StoreWith) -> None:
    own = {"name": "mine", "mountPath": MOUNT["mountPath"]}
    obj = pod(
        initContainers=[{"name": "init", "image": "busybox"}],
        containers=[{"name": "a", "image": "x"}, {"name": "b", "image": "y", "volumeMounts": [own]}],
        volumes=[{"name": "mine", "emptyDir": {}}],
    )
    admitted = await admit(await store_with(account()), obj)
    assert admitted is not None
    spec = admitted["spec"]
    assert spec["initContainers"][0]["volumeMounts"] == [MOUNT]
    assert spec["containers"][0]["volumeMounts"] == [MOUNT]
    assert spec["containers"][1]["volumeMounts"] == [own]
    assert spec["volumes"] == [{"name": "mine", "emptyDir": {}}, VOLUME]


async def test_an_existing_kube_api_access_volume_is_reused(store_with: StoreWith) -> None:
    existing = {"name": "kube-api-access-zzzzz", "projected": {"sources": []}}
    admitted = await admit(await store_with(account()), pod(volumes=[existing]))
    assert admitted is not None
    assert admitted["spec"]["volumes"] == [existing]
    assert admitted["spec"]["containers"][0]["volumeMounts"] == [{**MOUNT, "name": "kube-api-access-zzzzz"}]


async def test_no_volume_when_every_container_has_its_own_mount(store_with: StoreWith) -> None:
    own = {"name": "x", "mountPath": MOUNT["mountPath"]}
    admitted = await admit(await store_with(account()), pod(containers=[{"name": "a", "volumeMounts": [own]}]))
    assert admitted is not None
    assert "volumes" not in admitted["spec"]


async def test_image_pull_secrets_come_from_the_account_when_the_pod_has_none(store_with: StoreWith) -> None:
    sa = account(imagePullSecrets=[{"name": "registry"}])
    admitted = await admit(await store_with(sa), pod())
    assert admitted is not None
    assert admitted["spec"]["imagePullSecrets"] == [{"name": "registry"}]
    admitted = await admit(await store_with(sa), pod(imagePullSecrets=[{"name": "own"}]))
    assert admitted is not None
    assert admitted["spec"]["imagePullSecrets"] == [{"name": "own"}]


@pytest.mark.parametrize(("spec", "message"), [
    ({"volumes": [{"name": "s", "secret": {"secretName": "db"}}]},
     'volume with secret.secretName="db" is not allowed because service account default does not reference that secret'),
    ({"containers": [{"name": "app", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}}]}]},
     ('container app with envVar P referencing secret.secretName="db" is not allowed because service account default '
     "does not reference that secret")),
    ({"imagePullSecrets": [{"name": "reg"}]},
     'imagePullSecrets[0].name="reg" is not allowed because service account default does not reference that imagePullSecret'),
])
async def test_enforced_mountable_secrets(spec: dict[str, Any], message: str, store_with: StoreWith) -> None:
    sa = account(metadata={"name": "default", "annotations": {"kubernetes.io/enforce-mountable-secrets": "true"}},
                 secrets=[{"name": "allowed"}])
    with pytest.raises(errors.StatusError) as caught:
        await admit(await store_with(sa), pod(**spec))
    assert caught.value.message == f'pods "web" is forbidden: {message}'
    allowed = copy.deepcopy(sa)
    allowed["secrets"] = [{"name": "db"}]
    allowed["imagePullSecrets"] = [{"name": "reg"}]
    assert await admit(await store_with(allowed), pod(**spec)) is not None


@pytest.mark.parametrize(("spec", "message"), [
    ({"serviceAccountName": "default"}, "a mirror pod may not reference service accounts"),
    ({"volumes": [{"name": "s", "secret": {"secretName": "db"}}]}, "a mirror pod may not reference secrets"),
    ({"volumes": [{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}}]},
     "a mirror pod may not use ServiceAccountToken volume projections"),
])
async def test_mirror_pods_may_not_use_credentials(spec: dict[str, Any], message: str, store_with: StoreWith) -> None:
    obj = pod(**spec)
    obj["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    with pytest.raises(errors.StatusError) as caught:
        await admit(await store_with(account()), obj)
    assert caught.value.message == f'pods "web" is forbidden: {message}'


async def test_a_plain_mirror_pod_is_left_untouched(store_with: StoreWith) -> None:
    obj = pod()
    obj["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    before = copy.deepcopy(obj)
    assert await admit(await store_with(account()), obj) == before


@pytest.mark.parametrize("case", ["update", "subresource", "missing namespace", "no spec"])
async def test_what_the_plugin_leaves_alone(case: str, store_with: StoreWith) -> None:
    store = await store_with()  # no accounts at all: a checked pod would be refused
    obj = pod() if case != "no spec" else {"metadata": {"name": "web"}}
    before = copy.deepcopy(obj)
    if case == "update":
        await admit(store, obj, operation=UPDATE)
    elif case == "subresource":
        await admit(store, obj, subresource="status")
    elif case == "missing namespace":
        await admit(store, obj, namespace="nowhere")
    else:
        await admit(store, obj)
    assert obj == before
