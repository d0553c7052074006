"""A CustomResourceDefinition and its objects through CustomObjectsApi and the dynamic client."""

from __future__ import annotations

from typing import Any

from kubernetes import client, watch
from kubernetes.dynamic import DynamicClient

from tests.support.python_client import (
    NS,
    create_namespace,
    in_thread,
    refusal,
)

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList",
                  "shortNames": ["wd"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
            }}},
        }],
    },
}


def _widget(name: str, size: int) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"size": size}}


def _wait_established(api: client.ApiClient, name: str) -> None:
    extensions = client.ApiextensionsV1Api(api)
    for event in watch.Watch().stream(
        extensions.list_custom_resource_definition, field_selector=f"metadata.name={name}", timeout_seconds=10
    ):
        conditions = event["object"].status.conditions or []
        if any(c.type == "Established" and c.status == "True" for c in conditions):
            return
    raise AssertionError(f"CRD {name} never became Established")


async def test_custom_resources_through_custom_objects_api_and_dynamic_client(admin_api: client.ApiClient) -> None:
    group, version, plural = "example.com", "v1", "widgets"

    def scenario() -> None:
        create_namespace(admin_api)
        extensions = client.ApiextensionsV1Api(admin_api)
        crd = extensions.create_custom_resource_definition(WIDGET_CRD)
        assert crd.spec.names.kind == "Widget"
        _wait_established(admin_api, "widgets.example.com")

        custom = client.CustomObjectsApi(admin_api)
        created = custom.create_namespaced_custom_object(group, version, NS, plural, _widget("small", 1))
        assert created["metadata"]["uid"] and created["spec"] == {"size": 1}
        custom.create_namespaced_custom_object(group, version, NS, plural, _widget("large", 9))
        listed = custom.list_namespaced_custom_object(group, version, NS, plural)
        assert (listed["kind"], [w["metadata"]["name"] for w in listed["items"]]) == ("WidgetList", ["large", "small"])
        # the client's default patch for custom objects is a merge patch
        patched = custom.patch_namespaced_custom_object(group, version, NS, plural, "small", {"spec": {"size": 2}})
        assert patched["spec"] == {"size": 2}
        status = custom.patch_namespaced_custom_object_status(
            group, version, NS, plural, "small", {"status": {"ready": True}}
        )
        assert (status["status"], status["spec"]) == ({"ready": True}, {"size": 2})
        missing = refusal(lambda: custom.get_namespaced_custom_object(group, version, NS, plural, "absent"))
        assert missing.message == 'widgets.example.com "absent" not found'

        start = listed["metadata"]["resourceVersion"]
        custom.delete_namespaced_custom_object(group, version, NS, plural, "large")
        events: list[tuple[str, str]] = []
        for event in watch.Watch().stream(
            custom.list_namespaced_custom_object, group, version, NS, plural, resource_version=start, timeout_seconds=10,
        ):
            events.append((event["type"], event["object"]["metadata"]["name"]))  # custom objects stay dicts
            if event["type"] == "DELETED":
                break
        assert events == [("MODIFIED", "small"), ("MODIFIED", "small"), ("DELETED", "large")]

        dynamic = DynamicClient(admin_api)
        widgets = dynamic.resources.get(api_version="example.com/v1", kind="Widget")
        assert (widgets.name, widgets.short_names, widgets.namespaced) == ("widgets", ["wd"], True)
        dynamic_created = widgets.create(body=_widget("dyn", 3), namespace=NS)
        assert dynamic_created.spec.size == 3
        applied = widgets.server_side_apply(
            body={**_widget("dyn", 4), "metadata": {"name": "dyn", "namespace": NS}}, field_manager="dyn", force_conflicts=True
        )
        assert applied.spec.size == 4
        assert sorted(item.metadata.name for item in widgets.get(namespace=NS).items) == ["dyn", "small"]

        extensions.delete_custom_resource_definition("widgets.example.com")
        for event in watch.Watch().stream(
            extensions.list_custom_resource_definition, field_selector="metadata.name=widgets.example.com",
            resource_version=crd.metadata.resource_version, timeout_seconds=10,
        ):
            if event["type"] == "DELETED":
                break
        else:
            raise AssertionError("the CRD was not deleted")
        assert refusal(lambda: custom.list_namespaced_custom_object(group, version, NS, plural)).status == 404

    await in_thread(scenario)
