"""Over HTTPS: discovery, OpenAPI and the routes agree on what `--kubernetes-version` serves.

A 1.27 server lists flowcontrol v1beta3 (preferred) and v1beta2 and answers a request for v1 with
the real 404; a 1.29 server serves v1 and v1beta3, both views of one set of objects; a 1.34 server
adds resource.k8s.io. Every view of the surface (/apis, aggregated discovery, the group-version
lists, the OpenAPI v3 index and the v2 document) must name the same group-versions.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

FLOWCONTROL = "flowcontrol.apiserver.k8s.io"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
NOT_FOUND = {
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "the server could not find the requested resource", "reason": "NotFound", "details": {}, "code": 404,
}


async def _group_versions(api: InProcessServer, admin: Identity) -> dict[str, list[str]]:
    """Every view's group-versions (core excluded), each in the order it lists them."""
    groups = (await api.request("GET", "/apis", identity=admin)).body["groups"]
    aggregated = await api.request("GET", "/apis", identity=admin, headers={"Accept": AGGREGATED})
    v3 = (await api.request("GET", "/openapi/v3", identity=admin)).body["paths"]
    v2 = (await api.request("GET", "/openapi/v2", identity=admin, headers={"Accept": "application/json"})).body
    # /apis/<group>/<version>/... (not /apis/ and /apis/<group>/, the discovery documents)
    v2_gvs = {"/".join(p.split("/")[2:4]) for p in v2["paths"] if p.startswith("/apis/") and len(p.split("/")) >= 5}
    return {
        "apis": [v["groupVersion"] for g in groups for v in g["versions"]],
        "aggregated": [f"{i['metadata']['name']}/{v['version']}" for i in aggregated.body["items"] for v in i["versions"]],
        "openapi v3": sorted(key.removeprefix("apis/") for key in v3 if key.count("/") == 2),
        "openapi v2": sorted(v2_gvs),
    }


@pytest.mark.parametrize(
    ("version", "flowcontrol", "resource_api"),
    [("1.27", ["v1beta3", "v1beta2"], False), ("1.29", ["v1", "v1beta3"], False),
     ("1.32.4", ["v1"], False), ("1.34", ["v1"], True)],
)
async def test_every_view_names_the_same_group_versions(
    start_server: StartServer, admin: Identity, version: str, flowcontrol: list[str], resource_api: bool,
) -> None:
    api = await start_server(kubernetes_version=version)
    views = await _group_versions(api, admin)
    assert views["aggregated"] == views["apis"]
    assert views["openapi v3"] == views["openapi v2"] == sorted(views["apis"])
    assert [gv for gv in views["apis"] if gv.startswith(FLOWCONTROL)] == [f"{FLOWCONTROL}/{v}" for v in flowcontrol]
    assert ("resource.k8s.io/v1" in views["apis"]) is resource_api
    group = (await api.request("GET", f"/apis/{FLOWCONTROL}", identity=admin)).body
    assert group["preferredVersion"]["version"] == flowcontrol[0]


async def test_a_version_the_release_does_not_serve_is_the_real_404(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(kubernetes_version="1.27")
    listed = await api.request("GET", f"/apis/{FLOWCONTROL}/v1/flowschemas", identity=admin)
    assert (listed.status, listed.body) == (404, NOT_FOUND)
    created = await api.request(
        "POST", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", identity=admin,
        json={"metadata": {"name": "p"}, "spec": {}},
    )
    assert (created.status, created.body) == (404, NOT_FOUND)
    resources = (await api.request("GET", "/apis/admissionregistration.k8s.io/v1", identity=admin)).body
    assert [r["name"] for r in resources["resources"]] == ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    for path in (f"/apis/{FLOWCONTROL}/v1", "/openapi/v3/apis/resource.k8s.io/v1"):
        missing = await api.request("GET", path, identity=admin)
        assert (missing.status, missing.text) == (404, "404 page not found\n"), path


def _priority_level(api_version: str, shares_field: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version, "kind": "PriorityLevelConfiguration", "metadata": {"name": "batch"},
        "spec": {"type": "Limited", "limited": {shares_field: 5, "limitResponse": {"type": "Reject"}}},
    }


async def test_flowcontrol_versions_are_views_of_one_object(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(kubernetes_version="1.28")
    base = f"/apis/{FLOWCONTROL}"
    created = await api.request(
        "POST", f"{base}/v1beta2/prioritylevelconfigurations", identity=admin,
        json=_priority_level(f"{FLOWCONTROL}/v1beta2", "assuredConcurrencyShares"),
    )
    assert created.status == 201, created.body
    as_v1beta3 = (await api.request("GET", f"{base}/v1beta3/prioritylevelconfigurations/batch", identity=admin)).body
    assert as_v1beta3["apiVersion"] == f"{FLOWCONTROL}/v1beta3"
    assert as_v1beta3["spec"]["limited"] == {
        "nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}, "lendablePercent": 0}
    assert as_v1beta3["metadata"]["uid"] == created.body["metadata"]["uid"]
    listed = (await api.request("GET", f"{base}/v1beta2/prioritylevelconfigurations", identity=admin)).body
    assert [item["spec"]["limited"]["assuredConcurrencyShares"] for item in listed["items"]] == [5]
    clash = await api.request(
        "POST", f"{base}/v1beta3/prioritylevelconfigurations", identity=admin,
        json=_priority_level(f"{FLOWCONTROL}/v1beta3", "nominalConcurrencyShares"),
    )
    assert clash.status == 409
    assert clash.body["message"] == 'prioritylevelconfigurations.flowcontrol.apiserver.k8s.io "batch" already exists'


async def test_resources_added_later_are_served_from_their_release(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(kubernetes_version="1.34")
    claim = {
        "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim", "metadata": {"name": "gpu"},
        "spec": {"devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com"}}]}},
    }
    created = await api.request("POST", "/apis/resource.k8s.io/v1/namespaces/default/resourceclaims", identity=admin, json=claim)
    assert created.status == 201, created.body
    core = (await api.request("GET", "/api/v1", identity=admin)).body
    assert "pods/resize" in [r["name"] for r in core["resources"]]
    storage = (await api.request("GET", "/apis/storage.k8s.io/v1", identity=admin)).body
    vac = next(r for r in storage["resources"] if r["name"] == "volumeattributesclasses")
    assert (vac["kind"], vac["namespaced"], vac.get("shortNames")) == ("VolumeAttributesClass", False, ["vac"])


@pytest.mark.parametrize(
    ("version", "path", "warning"),
    [
        ("1.28", f"/apis/{FLOWCONTROL}/v1beta3/flowschemas", None),
        ("1.30", f"/apis/{FLOWCONTROL}/v1beta3/flowschemas", (f"{FLOWCONTROL}/v1beta3 FlowSchema is deprecated in v1.29+, "
         f"unavailable in v1.32+; use {FLOWCONTROL}/v1 FlowSchema")),
        ("1.32.4", "/api/v1/namespaces/default/endpoints", None),
        ("1.33", "/api/v1/namespaces/default/endpoints", "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"),
    ],
)
async def test_deprecated_apis_answer_with_a_warning(
    start_server: StartServer, admin: Identity, version: str, path: str, warning: str | None,
) -> None:
    api = await start_server(kubernetes_version=version)
    listed = await api.request("GET", path, identity=admin)
    assert listed.status == 200
    assert listed.headers.getall("Warning", []) == ([] if warning is None else [f'299 - "{warning}"'])
