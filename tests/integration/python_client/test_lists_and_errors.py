"""Lists (selectors, pages), optimistic concurrency, errors and server-side apply, seen
through the official Python client: every failure is an `ApiException` carrying the real Status.
"""

from __future__ import annotations

from kubernetes import client

from tests.support.python_client import (
    NS,
    M,
    create_namespace,
    in_thread,
    refusal,
)


async def test_list_with_selectors_and_pages(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        for i in range(5):
            labels = {"tier": "front" if i % 2 else "back"}
            core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name=f"cm-{i}", labels=labels)))

        front = core.list_namespaced_config_map(NS, label_selector="tier=front")
        assert [cm.metadata.name for cm in front.items] == ["cm-1", "cm-3"]
        assert [cm.metadata.name for cm in core.list_namespaced_config_map(NS, label_selector="tier!=front,tier").items] == [
            "cm-0", "cm-2", "cm-4",
        ]
        by_name = core.list_namespaced_config_map(NS, field_selector="metadata.name=cm-2")
        assert [cm.metadata.name for cm in by_name.items] == ["cm-2"]

        names: list[str] = []
        page = core.list_namespaced_config_map(NS, limit=2, label_selector="tier")
        snapshot = page.metadata.resource_version
        assert page.metadata.remaining_item_count is None  # not counted under a selector, as on a real server
        core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name="cm-late", labels={"tier": "x"})))
        while True:
            names += [cm.metadata.name for cm in page.items]
            assert page.metadata.resource_version == snapshot  # every page reads the first page's snapshot
            if not page.metadata._continue:
                break
            page = core.list_namespaced_config_map(NS, limit=2, label_selector="tier", _continue=page.metadata._continue)
        assert names == ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]

        bad = refusal(lambda: core.list_namespaced_config_map(NS, field_selector="data.a=1"))
        assert (bad.status, bad.reason, bad.body["reason"]) == (400, "Bad Request", "BadRequest")
        assert bad.message == '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"'

        pods = core.list_namespaced_pod(NS, field_selector="status.phase=Pending,spec.nodeName=")
        assert pods.items == []

    await in_thread(scenario)


async def test_replace_with_a_stale_resource_version_is_409(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        first = core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name="app"), data={"v": "1"}))
        first.data = {"v": "2"}
        second = core.replace_namespaced_config_map("app", NS, first)
        assert second.data == {"v": "2"}
        assert int(second.metadata.resource_version) > int(first.metadata.resource_version)

        first.data = {"v": "3"}  # still carries the first resourceVersion
        conflict = refusal(lambda: core.replace_namespaced_config_map("app", NS, first))
        assert (conflict.status, conflict.reason) == (409, "Conflict")
        assert conflict.headers["Content-Type"] == "application/json"
        assert conflict.body == {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'Operation cannot be fulfilled on configmaps "app": the object has been modified; '
                       "please apply your changes to the latest version and try again",
            "reason": "Conflict", "details": {"name": "app", "kind": "configmaps"}, "code": 409,
        }

    await in_thread(scenario)


async def test_errors_are_api_exceptions_with_status_bodies(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        apps = client.AppsV1Api(admin_api)

        missing = refusal(lambda: apps.read_namespaced_deployment("absent", NS))
        assert (missing.status, missing.reason, missing.body["reason"]) == (404, "Not Found", "NotFound")
        assert missing.message == 'deployments.apps "absent" not found'
        assert missing.body["details"] == {"name": "absent", "group": "apps", "kind": "deployments"}

        twice = client.V1ConfigMap(metadata=M(name="twice"))
        core.create_namespaced_config_map(NS, twice)
        exists = refusal(lambda: core.create_namespaced_config_map(NS, twice))
        assert (exists.status, exists.body["reason"]) == (409, "AlreadyExists")
        assert exists.message == 'configmaps "twice" already exists'

        invalid = refusal(lambda: core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name="Not_Valid"))))
        assert (invalid.status, invalid.reason, invalid.body["reason"]) == (422, "Unprocessable Entity", "Invalid")
        assert invalid.body["details"]["causes"][0]["field"] == "metadata.name"

        elsewhere = client.V1ConfigMap(metadata=M(name="x"))
        assert refusal(lambda: core.create_namespaced_config_map("nowhere", elsewhere)).message == (
            'namespaces "nowhere" not found'
        )

    await in_thread(scenario)


async def test_server_side_apply_with_field_managers(admin_api: client.ApiClient) -> None:
    apply = "application/apply-patch+yaml"

    def scenario() -> None:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"owner": "a"}}
        created = core.patch_namespaced_config_map("applied", NS, manifest, field_manager="team-a", _content_type=apply)
        assert created.data == {"owner": "a"}
        (entry,) = created.metadata.managed_fields
        assert (entry.manager, entry.operation, entry.fields_type) == ("team-a", "Apply", "FieldsV1")
        assert entry.fields_v1 == {"f:data": {"f:owner": {}}}

        rival = {**manifest, "data": {"owner": "b"}}
        conflict = refusal(lambda: core.patch_namespaced_config_map(
            "applied", NS, rival, field_manager="team-b", _content_type=apply,
        ))
        assert (conflict.status, conflict.body["reason"]) == (409, "Conflict")
        assert conflict.message == 'Apply failed with 1 conflict: conflict with "team-a": .data.owner'

        forced = core.patch_namespaced_config_map(
            "applied", NS, rival, field_manager="team-b", force=True, _content_type=apply
        )
        assert forced.data == {"owner": "b"}
        assert [m.manager for m in forced.metadata.managed_fields] == ["team-b"]

    await in_thread(scenario)
