"""GET /openapi/v2 over HTTPS: JSON or protobuf as asked, 406 otherwise, ETag and 304.

Without it kubectl 1.27 and 1.28 fail every `apply`, `create -f` and `edit` with `the server
could not find the requested resource` (the kubectl matrix found this).
"""

from __future__ import annotations

from tests.support.inprocess import Identity, InProcessServer

KUBECTL_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


async def test_openapi_v2_is_served_as_json_and_protobuf(api: InProcessServer, admin: Identity) -> None:
    as_json = await api.request("GET", "/openapi/v2", identity=admin, headers={"Accept": "application/json"})
    assert as_json.status == 200
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.body["swagger"] == "2.0"
    assert "io.k8s.api.core.v1.Pod" in as_json.body["definitions"]
    etag = as_json.headers["Etag"]

    as_protobuf = await api.request("GET", "/openapi/v2", identity=admin, headers={"Accept": KUBECTL_ACCEPT})
    assert as_protobuf.status == 200
    # the `@` form a client asks for is answered with the dotted form, which Go's MIME parser reads
    assert as_protobuf.headers["Content-Type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert as_protobuf.raw.startswith(b"\x0a\x032.0")  # field 1, swagger: "2.0"
    assert as_protobuf.headers["Etag"] == etag

    unchanged = await api.request("GET", "/openapi/v2", identity=admin, headers={"If-None-Match": etag})
    assert (unchanged.status, unchanged.raw) == (304, b"")
    refused = await api.request("GET", "/openapi/v2", identity=admin, headers={"Accept": "text/html"})
    assert (refused.status, refused.raw) == (406, b"")
    deeper = await api.request("GET", "/openapi/v2/x", identity=admin)
    assert (deeper.status, deeper.text) == (404, "404 page not found\n")


async def test_openapi_v2_needs_the_discovery_role(api: InProcessServer, anonymous: Identity) -> None:
    response = await api.request("GET", "/openapi/v2", identity=anonymous)
    assert response.status == 403
    assert response.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/openapi/v2"'
