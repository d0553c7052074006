"""Small things clients see on the wire: trailing newlines, what a DELETE answers, a create's
resourceVersion, and the WatchList defaulting that differs between minor versions."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import watch_events

CMS = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


async def test_json_documents_end_with_a_newline_as_go_encodes_them(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", CMS, identity=admin, json={"metadata": {"name": "c"}})
    assert created.status == 201 and created.raw.endswith(b"}\n")
    for path, headers in [
        (f"{CMS}/c", {}), (CMS, {}), (f"{CMS}/missing", {}), (f"{CMS}/c", {"Accept": TABLE}),
        ("/api", {}), ("/apis", {}), ("/api/v1", {}), ("/apis/apps", {}), ("/apis/apps/v1", {}),
    ]:
        response = await api.request("GET", path, identity=admin, headers=headers)
        assert response.raw.endswith(b"}\n") and not response.raw.endswith(b"\n\n"), (path, response.raw[-20:])
    deleted = await api.request("DELETE", f"{CMS}/c", identity=admin)
    assert deleted.body["status"] == "Success" and deleted.raw.endswith(b"}\n")


async def test_deleting_a_service_answers_the_service(api: InProcessServer, admin: Identity) -> None:
    body = {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
    created = await api.request("POST", "/api/v1/namespaces/default/services", identity=admin, json=body)
    assert created.status == 201, created.text
    deleted = await api.request("DELETE", "/api/v1/namespaces/default/services/web", identity=admin)
    assert deleted.status == 200
    assert (deleted.body["kind"], deleted.body["metadata"]["name"]) == ("Service", "web")
    assert deleted.body["metadata"]["uid"] == created.body["metadata"]["uid"]


@pytest.mark.parametrize("sent", ["abc", "0", "-3", "18446744073709551616"])
async def test_a_resource_version_that_is_not_a_positive_integer_is_dropped_on_create(
    api: InProcessServer, admin: Identity, sent: str
) -> None:
    created = await api.request("POST", CMS, identity=admin, json={"metadata": {"name": "c", "resourceVersion": sent}})
    assert created.status == 201, created.text
    assert created.body["metadata"]["resourceVersion"] == str(api.state.store.revision)


async def test_a_positive_resource_version_on_create_is_the_storage_layers_500(
    api: InProcessServer, admin: Identity
) -> None:
    body = {"metadata": {"name": "c", "resourceVersion": "12"}}
    refused = await api.request("POST", CMS, identity=admin, json=body)
    assert refused.status == 500
    assert refused.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "resourceVersion should not be set on objects to be created", "code": 500,
    }  # fmt: skip
    # a dry run stops before the storage layer, which is the one that checks
    dry = await api.request("POST", f"{CMS}?dryRun=All", identity=admin, json=body)
    assert dry.status == 201 and dry.body["metadata"]["resourceVersion"] == "12"


@pytest.mark.parametrize("version", ["1.33.1", "1.31.6"])
async def test_without_the_watch_list_gate_a_legacy_watch_gets_no_initial_events_end(
    start_server: StartServer, admin: Identity, version: str
) -> None:
    api = await start_server(kubernetes_version=version)
    path = f"{CMS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1"
    events = await asyncio.wait_for(watch_events(api, admin, path, until=lambda events: False), 10)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "kube-root-ca.crt")]
    asked = await api.request("GET", f"{CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", identity=admin)
    assert asked.status == 422
    assert asked.body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
        "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"
    )
