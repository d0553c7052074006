"""Every failure is a Status with the real apiserver's code, reason and message."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"a": "1"}}


async def test_not_found(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/web", identity=admin)
    assert response.status == 404
    assert response.body == status(
        404, "NotFound", 'deployments.apps "web" not found', {"name": "web", "group": "apps", "kind": "deployments"}
    )


async def test_unknown_resource_is_a_404_status(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", "/api/v1/widgets", identity=admin)
    assert response.status == 404
    assert response.body == status(404, "NotFound", "the server could not find the requested resource", {})


async def test_unknown_path_is_a_plain_404(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", "/nothing/here", identity=admin)
    assert response.status == 404
    assert response.text == "404 page not found\n"


async def test_create_into_missing_namespace(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("POST", "/api/v1/namespaces/nope/configmaps", identity=admin, json=CM)
    assert response.status == 404
    assert response.body["message"] == 'namespaces "nope" not found'


async def test_already_exists(api: InProcessServer, admin: Identity) -> None:
    first = await api.request("POST", "/api/v1/namespaces/default/configmaps", identity=admin, json=CM)
    assert first.status == 201
    again = await api.request("POST", "/api/v1/namespaces/default/configmaps", identity=admin, json=CM)
    assert again.status == 409
    assert again.body == status(
        409, "AlreadyExists", 'configmaps "app" already exists', {"name": "app", "kind": "configmaps"}
    )


async def test_stale_resource_version_conflicts(api: InProcessServer, admin: Identity) -> None:
    created = (await api.request("POST", "/api/v1/namespaces/default/configmaps", identity=admin, json=CM)).body
    stale = created["metadata"]["resourceVersion"]
    fresh = {**created, "data": {"a": "2"}}
    assert (await api.request("PUT", "/api/v1/namespaces/default/configmaps/app", identity=admin, json=fresh)).status == 200
    lost = {**created, "data": {"a": "3"}, "metadata": {**created["metadata"], "resourceVersion": stale}}
    response = await api.request("PUT", "/api/v1/namespaces/default/configmaps/app", identity=admin, json=lost)
    assert response.status == 409
    assert response.body == status(
        409,
        "Conflict",
        'Operation cannot be fulfilled on configmaps "app": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": "app", "kind": "configmaps"},
    )


async def test_invalid_name_lists_its_cause(api: InProcessServer, admin: Identity) -> None:
    bad = {**CM, "metadata": {"name": "Bad_Name"}}
    response = await api.request("POST", "/api/v1/namespaces/default/configmaps", identity=admin, json=bad)
    assert response.status == 422
    regex = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    detail = (
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
        f"and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{regex}')"
    )
    assert response.body == status(
        422,
        "Invalid",
        f'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {detail}',
        {
            "name": "Bad_Name",
            "kind": "ConfigMap",
            "causes": [{"reason": "FieldValueInvalid", "message": f'Invalid value: "Bad_Name": {detail}', "field": "metadata.name"}],
        },
    )


async def test_missing_name_is_required(api: InProcessServer, admin: Identity) -> None:
    response = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin, json={"kind": "ConfigMap", "apiVersion": "v1"}
    )
    assert response.status == 422
    assert response.body["message"] == 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'


async def test_malformed_json_is_a_400(api: InProcessServer, admin: Identity) -> None:
    response = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin, data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert response.body["reason"] == "BadRequest"


async def test_wrong_kind_is_a_400(api: InProcessServer, admin: Identity) -> None:
    response = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin,
        json={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}},
    )
    assert response.status == 400
    assert response.body["message"] == "the kind in the data (Secret) does not match the expected kind (ConfigMap)"


async def test_unsupported_body_type_is_a_415(api: InProcessServer, admin: Identity) -> None:
    response = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin, data=b"x", headers={"Content-Type": "text/csv"}
    )
    assert response.status == 415
    assert response.body["reason"] == "UnsupportedMediaType"


async def test_body_over_3_mib_is_a_413(api: InProcessServer, admin: Identity) -> None:
    big = {**CM, "data": {"a": "x" * (3 * 1024 * 1024)}}
    response = await api.request("POST", "/api/v1/namespaces/default/configmaps", identity=admin, json=big)
    assert response.status == 413
    assert response.body == status(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    listed = await api.request("GET", "/api/v1/namespaces/default/configmaps", identity=admin)
    assert [i["metadata"]["name"] for i in listed.body["items"]] == ["kube-root-ca.crt"]  # nothing stored


async def test_verb_a_resource_does_not_serve_is_a_405(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("DELETE", "/api/v1/componentstatuses/etcd-0", identity=admin)
    assert response.status == 405
    assert response.body["reason"] == "MethodNotAllowed"
    assert response.body["message"] == 'delete is not supported on resources of kind "componentstatuses"'


async def test_unexpected_errors_are_a_500_status_without_traceback(api: InProcessServer, admin: Identity) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    api.state.rest.get = explode  # type: ignore[method-assign]
    response = await api.request("GET", "/api/v1/namespaces/default/configmaps/app", identity=admin)
    assert response.status == 500
    assert response.body["reason"] == "InternalError"
    assert "secret internals" not in response.text and "Traceback" not in response.text


async def test_always_deny_gives_the_real_403(start_server: StartServer, alice: Identity, admin: Identity) -> None:
    api = await start_server(authorization_mode=("AlwaysDeny",))
    response = await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/web", identity=alice)
    assert response.status == 403
    assert response.body == status(
        403,
        "Forbidden",
        'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" '
        'in the namespace "default": Everything is forbidden.',
        {"name": "web", "group": "apps", "kind": "deployments"},
    )
    listing = await api.request("GET", "/api/v1/nodes", identity=alice)
    assert listing.body["message"] == (
        'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope: '
        "Everything is forbidden."
    )
    root = await api.request("GET", "/", identity=alice)
    assert root.body == status(403, "Forbidden", 'forbidden: User "alice" cannot get path "/": Everything is forbidden.', {})
    # system:masters is allowed before any configured authorizer runs
    assert (await api.request("GET", "/api/v1/nodes", identity=admin)).status == 200
