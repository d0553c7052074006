"""The dynamic client (discovery through /api and /apis, then generic CRUD, subresources and
server-side apply) and `kubernetes.utils.create_from_yaml`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from kubernetes import client, utils
from kubernetes.dynamic import DynamicClient

from tests.support.python_client import (
    NS,
    create_namespace,
    deployment,
    in_thread,
    refusal,
)


async def test_dynamic_client_discovers_and_serves_resources(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        dynamic = DynamicClient(admin_api)
        namespaces = dynamic.resources.get(api_version="v1", kind="Namespace")
        namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})

        deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
        assert (deployments.namespaced, deployments.name, deployments.short_names) == (True, "deployments", ["deploy"])
        assert {r.kind for r in dynamic.resources.search(group="apps", kind="Deployment")} == {"Deployment"}
        assert "scale" in deployments.subresources
        assert dynamic.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler").preferred

        body = admin_api.sanitize_for_serialization(deployment("dyn"))
        body.update(apiVersion="apps/v1", kind="Deployment")
        created = deployments.create(body=body, namespace=NS)
        assert created.metadata.name == "dyn" and created.spec.replicas == 2
        listed = deployments.get(namespace=NS, label_selector="app=dyn")
        assert [item.metadata.name for item in listed.items] == ["dyn"]

        patched = deployments.patch(
            name="dyn", namespace=NS, body={"metadata": {"labels": {"stage": "test"}}},
            content_type="application/merge-patch+json",
        )
        assert patched.metadata.labels.to_dict() == {"app": "dyn", "stage": "test"}
        scaled = deployments.subresources["scale"].patch(name="dyn", namespace=NS, body={"spec": {"replicas": 5}})
        assert scaled.spec.replicas == 5

        configmaps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
        applied = configmaps.server_side_apply(
            body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": NS}, "data": {"x": "1"}},
            field_manager="dynamic-ssa",
        )
        assert applied.data.x == "1"
        assert applied.metadata.managedFields[0].manager == "dynamic-ssa"

        deleted = deployments.delete(name="dyn", namespace=NS)
        assert (deleted.kind, deleted.status) == ("Status", "Success")
        assert refusal(lambda: deployments.get(name="dyn", namespace=NS)).status == 404

    await in_thread(scenario)


async def test_create_from_yaml(admin_api: client.ApiClient, tmp_path: Path) -> None:
    manifests = tmp_path / "app.yaml"
    workload = admin_api.sanitize_for_serialization(deployment("from-yaml"))
    manifests.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"}, "data": {"k": "v"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", **workload},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "from-yaml"},
         "spec": {"selector": {"app": "from-yaml"}, "ports": [{"port": 8080}]}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "from-yaml"},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]},
    ]))

    def scenario() -> None:
        create_namespace(admin_api)
        created = utils.create_from_yaml(admin_api, str(manifests), namespace=NS)
        assert [type(objects[0]).__name__ for objects in created] == ["V1ConfigMap", "V1Deployment", "V1Service", "V1Role"]
        assert client.AppsV1Api(admin_api).read_namespaced_deployment("from-yaml", NS).spec.replicas == 2
        assert _create_from_yaml_failures(admin_api, manifests) == [409, 409, 409, 409]

    await in_thread(scenario)


def _create_from_yaml_failures(api: client.ApiClient, manifests: Path) -> list[int]:
    """The status of each object `create_from_yaml` failed to create (see `refusal` on why not the exception)."""
    try:
        utils.create_from_yaml(api, str(manifests), namespace=NS)
    except utils.FailToCreateError as error:
        statuses = [int(failure.status) for failure in error.api_exceptions]
        for failure in error.api_exceptions:
            failure.__traceback__ = None  # each would keep its response open through a cycle
        return statuses
    raise AssertionError("every object was created")
