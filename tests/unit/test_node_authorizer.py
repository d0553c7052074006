"""The Node authorizer and its graph, against a watch cache filled directly (no HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision
from kubegate.authz.node.authorizer import NodeAuthorizer, node_identity
from kubegate.authz.node.references import pod_references, pv_secrets
from kubegate.storage.cacher import Cacher
from tests.support.memory_cache import put_object, running_cache

N1 = UserInfo("system:node:n1", groups=("system:nodes", "system:authenticated"))
NO_RELATIONSHIP = "no relationship found between node 'n1' and this object"


async def put(store: Cacher, resource: tuple[str, str], obj: dict[str, Any]) -> None:
    meta = obj["metadata"]
    await store.create(resource, (meta.get("namespace", ""), meta["name"]), obj)  # KeyExists if taken


def pod(name: str, node: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"namespace": "ns", "name": name}, "spec": {"nodeName": node, **spec}}


@pytest.fixture
async def store() -> AsyncIterator[Cacher]:
    async with running_cache() as store:
        await fill(store)
        yield store


async def fill(store: Cacher) -> None:
    await put(store, ("", "pods"), pod("web", "n1", {
        "serviceAccountName": "web-sa",
        "imagePullSecrets": [{"name": "registry"}],
        "initContainers": [{"name": "i", "envFrom": [{"configMapRef": {"name": "init-env"}}]}],
        "containers": [{"name": "c", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}}]}],
        "volumes": [
            {"name": "cfg", "projected": {"sources": [{"configMap": {"name": "projected"}}, {"secret": {"name": "tls"}}]}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {}}},
        ],
    }))
    await put(store, ("", "pods"), pod("other", "n2", {"volumes": [{"name": "s", "secret": {"secretName": "theirs"}}]}))
    await put(store, ("", "pods"), pod("pending", "", {"volumes": [{"name": "s", "secret": {"secretName": "unscheduled"}}]}))
    await put(store, ("", "persistentvolumes"), {
        "metadata": {"name": "pv-data"},
        "spec": {"claimRef": {"namespace": "ns", "name": "data"},
                 "csi": {"driver": "d", "volumeHandle": "h", "nodePublishSecretRef": {"name": "csi-creds", "namespace": "storage"}}},
    })
    await put(store, ("storage.k8s.io", "volumeattachments"), {"metadata": {"name": "va1"}, "spec": {"nodeName": "n1"}})


def ask(authorizer: NodeAuthorizer, verb: str, resource: str, name: str = "", *, namespace: str = "ns",
        group: str = "", subresource: str = "", field_selector: str = "", user: UserInfo = N1) -> tuple[Decision, str]:
    verdict = authorizer.decide(Attributes(
        user=user, verb=verb, is_resource_request=True, namespace=namespace, api_group=group, resource=resource,
        subresource=subresource, name=name, field_selector=field_selector,
    ))
    return verdict.decision, verdict.reason


ALLOW = (Decision.ALLOW, "")


@pytest.mark.parametrize(
    ("request_args", "expected"),
    [
        # what the pod on n1 uses
        (("get", "secrets", "registry"), ALLOW),
        (("get", "secrets", "db"), ALLOW),
        (("watch", "secrets", "tls"), ALLOW),
        (("get", "configmaps", "init-env"), ALLOW),
        (("get", "configmaps", "projected"), ALLOW),
        (("get", "persistentvolumeclaims", "data"), ALLOW),
        (("get", "persistentvolumeclaims", "web-scratch"), ALLOW),  # the ephemeral volume's claim
        (("get", "persistentvolumes", "pv-data"), ALLOW),
        (("get", "pods", "web"), ALLOW),
        # what it does not
        (("get", "secrets", "theirs"), (Decision.NO_OPINION, NO_RELATIONSHIP)),
        (("get", "secrets", "unscheduled"), (Decision.NO_OPINION, NO_RELATIONSHIP)),
        (("get", "pods", "other"), (Decision.NO_OPINION, NO_RELATIONSHIP)),
        (("list", "secrets"), (Decision.NO_OPINION, "No Object name found")),
        (("update", "configmaps", "projected"), (Decision.NO_OPINION, "can only read resources of this type")),
        (("list", "persistentvolumes"), (Decision.NO_OPINION, "can only get individual resources of this type")),
        (("get", "secrets", "db", {"namespace": ""}), (Decision.NO_OPINION, "can only read namespaced object of this type")),
    ],
)
async def test_reads_follow_the_graph(store: Cacher, request_args: tuple[Any, ...], expected: tuple[Decision, str]) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    positional = list(request_args)
    options: dict[str, Any] = positional.pop() if isinstance(positional[-1], dict) else {}
    assert ask(authorizer, *positional, **options) == expected


async def test_pv_secrets_and_volume_attachments(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    assert ask(authorizer, "get", "secrets", "csi-creds", namespace="storage") == ALLOW
    assert ask(authorizer, "get", "volumeattachments", "va1", namespace="", group="storage.k8s.io") == ALLOW


async def test_service_account_tokens(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    assert ask(authorizer, "create", "serviceaccounts", "web-sa", subresource="token") == ALLOW
    assert ask(authorizer, "create", "serviceaccounts", "default", subresource="token") == (Decision.NO_OPINION, NO_RELATIONSHIP)
    assert ask(authorizer, "get", "serviceaccounts", "web-sa") == (
        Decision.NO_OPINION, "can only create tokens for individual service accounts"
    )


async def test_pods_and_nodes(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    assert ask(authorizer, "list", "pods", namespace="", field_selector="spec.nodeName=n1") == ALLOW
    assert ask(authorizer, "watch", "pods", namespace="", field_selector="spec.nodeName==n1,status.phase!=Failed") == ALLOW
    assert ask(authorizer, "list", "pods", namespace="", field_selector="spec.nodeName=n2") == (
        Decision.NO_OPINION, "can only list/watch pods with spec.nodeName field selector"
    )
    assert ask(authorizer, "create", "pods", "mirror") == ALLOW
    assert ask(authorizer, "update", "pods", "web") == (Decision.NO_OPINION, "")
    assert ask(authorizer, "patch", "pods", "web", subresource="status") == ALLOW
    assert ask(authorizer, "create", "pods", "web", subresource="eviction") == ALLOW
    assert ask(authorizer, "get", "nodes", "n1", namespace="") == ALLOW
    assert ask(authorizer, "delete", "nodes", "n1", namespace="") == (Decision.NO_OPINION, "")
    assert ask(authorizer, "update", "nodes", "n1", namespace="", subresource="status") == ALLOW


async def test_static_rules_leases_and_csinodes(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    assert ask(authorizer, "create", "events") == ALLOW
    assert ask(authorizer, "delete", "events", "e") == (Decision.NO_OPINION, "")
    assert ask(authorizer, "create", "certificatesigningrequests", namespace="", group="certificates.k8s.io") == ALLOW
    assert ask(authorizer, "create", "tokenreviews", namespace="", group="authentication.k8s.io") == ALLOW
    lease: dict[str, Any] = {"group": "coordination.k8s.io", "namespace": "kube-node-lease"}
    assert ask(authorizer, "update", "leases", "n1", **lease) == ALLOW
    assert ask(authorizer, "list", "leases", **lease) == (
        Decision.NO_OPINION, "can only get, create, update, patch, or delete a node lease"
    )
    assert ask(authorizer, "get", "leases", "n1", group="coordination.k8s.io", namespace="default") == (
        Decision.NO_OPINION, 'can only access leases in the "kube-node-lease" system namespace'
    )
    assert ask(authorizer, "get", "csinodes", "n2", namespace="", group="storage.k8s.io") == (
        Decision.NO_OPINION, "can only access CSINode with the same name as the requesting node"
    )


async def test_the_graph_follows_writes(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    current = store.get(("", "pods"), ("ns", "web"))
    assert current is not None
    moved = {**current.obj, "spec": {**current.obj["spec"], "nodeName": "n2"}}
    await put_object(store, ("", "pods"), moved)
    assert ask(authorizer, "get", "secrets", "db") == (Decision.NO_OPINION, NO_RELATIONSHIP)
    await put(store, ("", "pods"), pod("again", "n1", {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "db"}}]}]}))
    assert ask(authorizer, "get", "secrets", "db") == ALLOW
    await store.delete(("", "pods"), ("ns", "again"))  # KeyNotFound if it was not there
    assert ask(authorizer, "get", "secrets", "db") == (Decision.NO_OPINION, NO_RELATIONSHIP)
    await store.delete(("", "persistentvolumes"), ("", "pv-data"))
    assert ask(authorizer, "get", "secrets", "csi-creds", namespace="storage") == (Decision.NO_OPINION, NO_RELATIONSHIP)


@pytest.mark.parametrize(
    ("user", "identity"),
    [
        (N1, "n1"),
        (UserInfo("system:node:n1"), None),  # not in system:nodes
        (UserInfo("alice", groups=("system:nodes",)), None),
        (UserInfo("system:node:", groups=("system:nodes",)), ""),
    ],
)
def test_node_identity(user: UserInfo, identity: str | None) -> None:
    assert node_identity(user) == identity


async def test_non_nodes_and_nameless_nodes(store: Cacher) -> None:
    authorizer = NodeAuthorizer.for_store(store)
    assert ask(authorizer, "get", "secrets", "db", user=UserInfo("alice")) == (Decision.NO_OPINION, "")
    nameless = UserInfo("system:node:", groups=("system:nodes",))
    assert ask(authorizer, "get", "secrets", "db", user=nameless) == (
        Decision.NO_OPINION, 'unknown node for user "system:node:"'
    )
    assert authorizer.rules_for(N1, "ns").incomplete
    assert not authorizer.rules_for(UserInfo("alice"), "ns").incomplete


def test_references_ignore_malformed_objects() -> None:
    assert pod_references({"metadata": {"name": "p"}, "spec": {"volumes": "nope", "containers": [None, 3]}}) == frozenset()
    assert pv_secrets({"spec": {"azureFile": {"secretName": "az"}}}) == frozenset({("secret", "default", "az")})
