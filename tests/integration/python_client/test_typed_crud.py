"""Typed CRUD with the official Python client: CoreV1Api, AppsV1Api, RbacAuthorizationV1Api.

Every answer is deserialized into the client's generated models, which refuse a missing
required field, so these tests also hold kubegate to the shapes a real server sends.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, watch

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.python_client import (
    NS,
    M,
    api_client,
    create_namespace,
    deployment,
    in_thread,
    pod_template,
    refusal,
)


async def test_typed_core_kinds_round_trip(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        core = client.CoreV1Api(admin_api)
        namespace = core.create_namespace(client.V1Namespace(metadata=M(name=NS, labels={"team": "a"})))
        assert namespace.status.phase == "Active"
        assert namespace.metadata.labels == {"team": "a", "kubernetes.io/metadata.name": NS}
        assert isinstance(namespace.metadata.creation_timestamp, datetime.datetime)
        assert namespace.metadata.creation_timestamp.utcoffset() == datetime.timedelta(0)

        cm = core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name="settings"), data={"a": "1"}))
        assert cm.metadata.resource_version and cm.metadata.uid
        assert [entry.manager for entry in cm.metadata.managed_fields] == ["OpenAPI-Generator"]
        assert core.read_namespaced_config_map("settings", NS).data == {"a": "1"}

        secret = core.create_namespaced_secret(
            NS, client.V1Secret(metadata=M(name="creds"), string_data={"password": "s3cret"})
        )
        assert secret.data == {"password": base64.b64encode(b"s3cret").decode()}
        assert secret.string_data is None and secret.type == "Opaque"

        pod = core.create_namespaced_pod(
            NS, client.V1Pod(metadata=M(name="web"), spec=pod_template("web").spec)
        )
        assert pod.spec.containers[0].image_pull_policy == "IfNotPresent"
        status = core.read_namespaced_pod_status("web", NS)
        assert (status.status.phase, status.status.qos_class) == ("Pending", "BestEffort")

        service = core.create_namespaced_service(NS, client.V1Service(
            metadata=M(name="web"),
            spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)]),
        ))
        assert service.spec.ports[0].port == 80
        assert service.status.load_balancer is not None  # `loadBalancer: {}`, as Go encodes it

        deleted = core.delete_namespaced_pod("web", NS)
        assert isinstance(deleted, client.V1Pod)  # pods answer with the object, most kinds with a Status
        gone = core.delete_namespaced_config_map("settings", NS)
        assert (gone["kind"], gone["status"], gone["details"]["name"]) == ("Status", "Success", "settings")

    await in_thread(scenario)


@pytest.fixture
async def replica_server(start_server: StartServer) -> InProcessServer:
    # Without the deployment and replicaset controllers (`--controllers=*,-deployment,-replicaset`):
    # these tests write the status those controllers own and make the dependents they would make;
    # with them running, their own status writes race ours (a 409, or `replicas: 1`).
    return await start_server(controllers=("*", "-deployment", "-replicaset"))


@pytest.fixture
def replica_api(replica_server: InProcessServer, admin: Identity, tmp_path: Path) -> Iterator[client.ApiClient]:
    with api_client(replica_server, admin, workdir=tmp_path / "admin") as api:
        yield api


async def test_typed_deployment_patch_scale_status_and_delete(replica_api: client.ApiClient) -> None:
    def scenario() -> None:
        create_namespace(replica_api)
        apps = client.AppsV1Api(replica_api)
        created = apps.create_namespaced_deployment(NS, deployment("web"))
        assert created.metadata.generation == 1

        # A dict body goes as a strategic merge patch: containers merge by name.
        sidecar = {"spec": {"template": {"spec": {"containers": [{"name": "log", "image": "busybox"}]}}}}
        patched = apps.patch_namespaced_deployment("web", NS, sidecar)
        assert [c.name for c in patched.spec.template.spec.containers] == ["log", "web"]
        assert patched.metadata.generation == 2
        # A list body goes as a JSON patch.
        patched = apps.patch_namespaced_deployment("web", NS, [{"op": "replace", "path": "/spec/replicas", "value": 3}])
        assert patched.spec.replicas == 3

        scale = apps.read_namespaced_deployment_scale("web", NS)
        assert (scale.spec.replicas, scale.status.selector) == (3, "app=web")
        scale.spec.replicas = 1
        assert apps.replace_namespaced_deployment_scale("web", NS, scale).spec.replicas == 1

        status = apps.read_namespaced_deployment_status("web", NS)
        status.status = client.V1DeploymentStatus(replicas=1, ready_replicas=1, observed_generation=4)
        written = apps.replace_namespaced_deployment_status("web", NS, status)
        assert (written.status.ready_replicas, written.spec.replicas) == (1, 1)

        # A dependent, as the deployment controller would have made it.
        owner = client.V1OwnerReference(
            api_version="apps/v1", kind="Deployment", name="web", uid=written.metadata.uid,
            controller=True, block_owner_deletion=True,
        )
        apps.create_namespaced_replica_set(NS, client.V1ReplicaSet(
            metadata=M(name="web-1", owner_references=[owner]),
            spec=client.V1ReplicaSetSpec(selector=client.V1LabelSelector(match_labels={"app": "web"}),
                                         template=pod_template("web")),
        ))
        before = apps.list_namespaced_replica_set(NS).metadata.resource_version
        deleting = apps.delete_namespaced_deployment("web", NS, propagation_policy="Foreground")
        # the owner waits, marked, for its dependents to go first
        assert deleting["metadata"]["deletionTimestamp"] and deleting["metadata"]["finalizers"] == ["foregroundDeletion"]
        gone: dict[str, int] = {}  # name -> the resourceVersion of its deletion
        for lister in (apps.list_namespaced_replica_set, apps.list_namespaced_deployment):
            for event in watch.Watch().stream(lister, NS, resource_version=before, timeout_seconds=10):
                if event["type"] == "DELETED":
                    gone[event["object"].metadata.name] = int(event["object"].metadata.resource_version)
                    break
        assert sorted(gone, key=gone.__getitem__) == ["web-1", "web"]
        assert refusal(lambda: apps.read_namespaced_deployment("web", NS)).status == 404

    await in_thread(scenario)


async def test_replica_kinds_carry_the_status_fields_go_always_encodes(replica_api: client.ApiClient) -> None:
    """The typed models require `replicas` in a ReplicaSet's status: a fresh object has `0`."""
    def scenario() -> None:
        create_namespace(replica_api)
        apps = client.AppsV1Api(replica_api)
        selector = client.V1LabelSelector(match_labels={"app": "rs"})
        rs = apps.create_namespaced_replica_set(NS, client.V1ReplicaSet(
            metadata=M(name="rs"), spec=client.V1ReplicaSetSpec(selector=selector, template=pod_template("rs")),
        ))
        assert rs.status.replicas == 0
        sts = apps.create_namespaced_stateful_set(NS, client.V1StatefulSet(
            metadata=M(name="db"),
            spec=client.V1StatefulSetSpec(selector=selector, service_name="db", template=pod_template("rs")),
        ))
        assert (sts.status.replicas, sts.status.available_replicas) == (0, 0)
        # a status write that leaves them out still reads back with them
        written = apps.patch_namespaced_replica_set_status("rs", NS, {"status": {"readyReplicas": 1}})
        assert (written.status.replicas, written.status.ready_replicas) == (0, 1)

    await in_thread(scenario)


async def test_rbac_role_and_binding_grant_a_user_access(
    server: InProcessServer, admin_api: client.ApiClient, alice: Identity, tmp_path: Path
) -> None:
    def scenario() -> None:
        create_namespace(admin_api)
        with api_client(server, alice, workdir=tmp_path / "alice") as alice_api:
            pods = client.CoreV1Api(alice_api)
            denied = refusal(lambda: pods.list_namespaced_pod(NS))
            assert (denied.status, denied.reason, denied.body["reason"]) == (403, "Forbidden", "Forbidden")
            assert denied.message == (
                f'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "{NS}"'
            )

            rbac = client.RbacAuthorizationV1Api(admin_api)
            rbac.create_namespaced_role(NS, client.V1Role(
                metadata=M(name="pod-reader"),
                rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get", "list", "watch"])],
            ))
            binding = rbac.create_namespaced_role_binding(NS, client.V1RoleBinding(
                metadata=M(name="alice-reads-pods"),
                role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="pod-reader"),
                subjects=[client.RbacV1Subject(kind="User", name="alice", api_group="rbac.authorization.k8s.io")],
            ))
            assert binding.subjects[0].name == "alice"
            assert pods.list_namespaced_pod(NS).items == []
            pod = client.V1Pod(metadata=M(name="p"), spec=pod_template("p").spec)
            assert refusal(lambda: pods.create_namespaced_pod(NS, pod)).message == (
                f'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "{NS}"'
            )

    await in_thread(scenario)


async def test_a_bad_bearer_token_is_401(server: InProcessServer, anonymous: Identity, tmp_path: Path) -> None:
    def scenario() -> None:
        with api_client(server, anonymous, workdir=tmp_path, token="not-a-token") as api:
            refused = refusal(client.CoreV1Api(api).list_namespace)
        assert (refused.status, refused.reason, refused.message) == (401, "Unauthorized", "Unauthorized")

    await in_thread(scenario)


async def test_version_and_discovery_apis(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        version = client.VersionApi(admin_api).get_code()
        assert (version.major, version.minor, version.git_version) == ("1", "32", "v1.32.4")
        groups = {group.name: group for group in client.ApisApi(admin_api).get_api_versions().groups}
        assert groups["apps"].preferred_version.group_version == "apps/v1"
        assert groups["autoscaling"].preferred_version.group_version == "autoscaling/v2"
        core = client.CoreV1Api(admin_api).get_api_resources()
        assert {"pods", "pods/status", "configmaps"} <= {r.name for r in core.resources}

    await in_thread(scenario)
