"""A namespace's credentials over HTTPS: they appear with it, and do not hold up its deletion.

The ServiceAccount, root CA and token controllers put objects into every new namespace; the
namespace controller must still be able to empty a terminating one and remove it, even though
those controllers react to every deletion it makes.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import watch_events


async def names(api: InProcessServer, admin: Identity, path: str) -> list[str]:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return [item["metadata"]["name"] for item in response.body["items"]]


@pytest.mark.parametrize("legacy", [False, True])
async def test_a_namespace_with_credentials_is_still_deleted(
    start_server: StartServer, admin: Identity, legacy: bool
) -> None:
    api = await start_server(legacy_service_account_token_secrets=legacy)
    created = await api.request("POST", "/api/v1/namespaces", identity=admin, json={"metadata": {"name": "brief"}})
    assert created.status == 201
    await api.state.settle()  # the controllers fill the namespace after its creation is answered
    base = "/api/v1/namespaces/brief"
    assert await names(api, admin, base + "/serviceaccounts") == ["default"]
    assert await names(api, admin, base + "/configmaps") == ["kube-root-ca.crt"]
    secrets = await names(api, admin, base + "/secrets")
    assert len(secrets) == (1 if legacy else 0)
    since = created.body["metadata"]["resourceVersion"]
    watching = asyncio.create_task(watch_events(
        api, admin, f"/api/v1/namespaces?watch=1&fieldSelector=metadata.name%3Dbrief&resourceVersion={since}",
        until=lambda events: events[-1]["type"] == "DELETED",
    ))
    deleted = await api.request("DELETE", base, identity=admin)
    assert deleted.status == 200 and deleted.body["status"]["phase"] == "Terminating"
    events = await asyncio.wait_for(watching, 15)
    assert events[-1]["type"] == "DELETED"
    for plural in ("serviceaccounts", "configmaps", "secrets"):
        assert api.state.store.count(("", plural), namespace="brief") == 0
