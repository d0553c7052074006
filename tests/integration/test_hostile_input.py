"""Hostile request content: huge numbers, deep nesting, certificates from unusual PKIs.

None of it may give a 500 or a traceback: numbers past 64 bits get strconv's 400 (never a word
about Python's int limits), objects deeper than kubegate can store get a 422 before any
recursive walk meets them, and client certificates that Go accepts (through an intermediate
the client sends; from the second of two CAs with the same subject) authenticate as their CN.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kubegate.registry.rest import MAX_OBJECT_DEPTH
from tests.integration.conftest import StartServer
from tests.support import hostile_pki
from tests.support.inprocess import Identity, InProcessServer

HUGE = "9" * 5000
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert record.exc_info is None, record.getMessage()


@pytest.mark.parametrize("query", [
    f"limit={HUGE}", f"watch=1&timeoutSeconds={HUGE}", f"limit=-{HUGE}",
])
async def test_a_number_past_64_bits_in_the_query_is_strconvs_400(
    api: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture, query: str
) -> None:
    response = await api.request("GET", f"/api/v1/pods?{query}", identity=admin)
    assert response.status == 400, response.text
    message = response.body["message"]
    assert message.startswith("strconv.ParseInt: parsing \"") and message.endswith("\": value out of range")
    assert "set_int_max_str_digits" not in response.text
    assert_quiet(no_errors_logged)


async def test_a_huge_number_in_a_selector_is_a_400(
    api: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture
) -> None:
    response = await api.request("GET", f"/api/v1/pods?labelSelector=a%3E{HUGE}", identity=admin)
    assert response.status == 400
    assert "set_int_max_str_digits" not in response.text
    assert_quiet(no_errors_logged)


async def test_a_huge_grace_period_is_a_400(
    api: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture
) -> None:
    response = await api.request("DELETE", f"{CONFIGMAPS}/none?gracePeriodSeconds={HUGE}", identity=admin)
    assert response.status == 400
    assert response.body["message"].endswith("value out of range")
    assert_quiet(no_errors_logged)


async def test_a_huge_yaml_integer_stays_text_as_go_yaml_keeps_it(
    api: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture
) -> None:
    body = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  big: {HUGE}\n"
    response = await api.request(
        "POST", CONFIGMAPS, identity=admin, data=body, headers={"Content-Type": "application/yaml"}
    )
    assert response.status == 201, response.text
    assert response.body["data"]["big"] == HUGE
    assert_quiet(no_errors_logged)


# -- depth ---------------------------------------------------------------------------------

DEEPS = "/apis/example.com/v1/namespaces/default/deeps"


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture
async def deep_crd(api: InProcessServer, admin: Identity) -> InProcessServer:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "deeps.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "deeps", "singular": "deep", "kind": "Deep"},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
        },
    }
    created = await api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", identity=admin, json=crd)
    assert created.status == 201, created.text
    await api.state.settle()
    return api


async def create_deep(api: InProcessServer, admin: Identity, name: str, depth: int) -> tuple[int, dict[str, object]]:
    body = f'{{"apiVersion":"example.com/v1","kind":"Deep","metadata":{{"name":"{name}"}},"spec":{nested(depth)}}}'
    response = await api.request(
        "POST", DEEPS, identity=admin, data=body, headers={"Content-Type": "application/json"}
    )
    return response.status, response.body


async def test_a_custom_resource_kubegate_can_store_is_created(deep_crd: InProcessServer, admin: Identity) -> None:
    status, body = await create_deep(deep_crd, admin, "shallow", 200)
    assert status == 201, body


@pytest.mark.parametrize("depth", [600, 1000])
async def test_a_custom_resource_nested_too_deep_is_a_422_not_a_recursion_error(
    deep_crd: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture, depth: int
) -> None:
    status, body = await create_deep(deep_crd, admin, f"d{depth}", depth)
    assert status == 422
    assert body["message"] == (
        f'Deep.example.com "d{depth}" is invalid: <nil>: Forbidden: nested more than {MAX_OBJECT_DEPTH} levels deep'
    )
    assert_quiet(no_errors_logged)


async def test_managed_fields_nested_900_levels_are_a_422(
    api: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture
) -> None:
    fields = '{"f:a":' * 900 + "{}" + "}" * 900
    managed = f'[{{"manager":"x","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{fields}}}]'
    body = f'{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"mf","managedFields":{managed}}}}}'
    response = await api.request("POST", CONFIGMAPS, identity=admin, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 422, response.text
    assert_quiet(no_errors_logged)


async def test_an_update_nested_too_deep_is_a_422(
    deep_crd: InProcessServer, admin: Identity, no_errors_logged: pytest.LogCaptureFixture
) -> None:
    status, created = await create_deep(deep_crd, admin, "grows", 1)
    assert status == 201
    metadata = json.dumps(created["metadata"])
    body = f'{{"apiVersion":"example.com/v1","kind":"Deep","metadata":{metadata},"spec":{nested(800)}}}'
    response = await deep_crd.request(
        "PUT", f"{DEEPS}/grows", identity=admin, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 422, response.text
    assert_quiet(no_errors_logged)


# -- client certificates -------------------------------------------------------------------


async def whoami(api: InProcessServer, identity: Identity) -> dict[str, object]:
    response = await api.request(
        "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", identity=identity,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert response.status == 201, response.text
    user: dict[str, object] = response.body["status"]["userInfo"]
    return user


async def test_a_certificate_from_an_intermediate_ca_authenticates_as_its_cn(
    start_server: StartServer, pki_files: object, tmp_path: Path
) -> None:
    root = hostile_pki.ca("corp-root")
    intermediate = hostile_pki.ca("corp-intermediate", issuer=root)
    carol = hostile_pki.user("carol", "dev", issuer=intermediate)
    bundle = hostile_pki.write_bundle(tmp_path / "client-ca.crt", root)
    api = await start_server(client_ca_file=bundle)
    user = await whoami(api, Identity(*hostile_pki.write_identity(tmp_path, "carol", carol, intermediate)))
    assert (user["username"], user["groups"]) == ("carol", ["dev", "system:authenticated"])


async def test_every_ca_with_the_subject_is_tried_for_a_certificate_without_aki(
    start_server: StartServer, tmp_path: Path
) -> None:
    # two `kubegate pki init` runs: both CAs are CN=kubernetes; the bundle holds both
    first, second = hostile_pki.ca("kubernetes"), hostile_pki.ca("kubernetes")
    bundle = hostile_pki.write_bundle(tmp_path / "client-ca.crt", first, second)
    api = await start_server(client_ca_file=bundle)
    for name, issuer in (("dave", second), ("erin", first)):
        leaf = hostile_pki.user(name, issuer=issuer, with_aki=False)
        user = await whoami(api, Identity(*hostile_pki.write_identity(tmp_path, name, leaf)))
        assert user["username"] == name
