"""Admission webhooks over real HTTPS: a webhook server on the host, registered with caBundle.

Each test registers Mutating/ValidatingWebhookConfigurations pointing at an aiohttp server with
a certificate from a CA of its own, then writes objects and checks what a client sees (codes,
messages word for word, stored objects, Warning headers) and what the webhook received.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from tests.support.admission_webhook import (
    WebhookCA,
    WebhookServer,
    allow,
    configuration,
    deny,
    json_patch,
    make_webhook_ca,
    slow,
    webhook,
)
from tests.support.inprocess import Identity, InProcessServer
from tests.support.remote_https import closed_port

ADMISSION = "/apis/admissionregistration.k8s.io/v1"
MUTATING, VALIDATING = "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"
PATHS = {MUTATING: f"{ADMISSION}/mutatingwebhookconfigurations", VALIDATING: f"{ADMISSION}/validatingwebhookconfigurations"}
SELECTED = {"matchLabels": {"webhooks": "on"}}


@pytest.fixture(scope="session")
def webhook_ca(tmp_path_factory: pytest.TempPathFactory) -> WebhookCA:
    return make_webhook_ca(tmp_path_factory.mktemp("webhook-ca"))


@pytest.fixture
async def hooks(webhook_ca: WebhookCA) -> AsyncIterator[WebhookServer]:
    server = await WebhookServer({}).start(webhook_ca)
    yield server
    await server.close()


async def register(api: InProcessServer, admin: Identity, kind: str, name: str, *webhooks: dict[str, Any]) -> None:
    response = await api.request("POST", PATHS[kind], identity=admin, json=configuration(kind, name, *webhooks))
    assert response.status == 201, response.text


async def namespace(api: InProcessServer, admin: Identity, name: str, **labels: str) -> None:
    body = {"metadata": {"name": name, "labels": labels}}
    response = await api.request("POST", "/api/v1/namespaces", identity=admin, json=body)
    assert response.status == 201, response.text


async def create_config_map(
    api: InProcessServer, admin: Identity, ns: str, name: str, *, query: str = "", **labels: str
) -> Any:
    body = {"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}
    return await api.request("POST", f"/api/v1/namespaces/{ns}/configmaps{query}", identity=admin, json=body)


async def test_a_validating_webhook_denies_in_the_selected_namespace_only(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/deny"] = deny("config maps are not welcome here")
    await namespace(api, admin, "hooked", webhooks="on")
    await register(api, admin, VALIDATING, "deny", webhook(
        "deny.example.com", url=hooks.url("/deny"), ca=webhook_ca, namespaceSelector=SELECTED,
    ))  # fmt: skip
    refused = await create_config_map(api, admin, "hooked", "c")
    assert refused.status == 403
    assert refused.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'admission webhook "deny.example.com" denied the request: config maps are not welcome here',
        "reason": "Forbidden", "code": 403,
    }  # fmt: skip
    assert (await api.request("GET", "/api/v1/namespaces/hooked/configmaps/c", identity=admin)).status == 404
    [review] = hooks.reviews["/deny"]
    assert (review["apiVersion"], review["kind"]) == ("admission.k8s.io/v1", "AdmissionReview")
    request = review["request"]
    assert list(request) == [
        "uid", "kind", "resource", "requestKind", "requestResource", "name", "namespace", "operation",
        "userInfo", "object", "oldObject", "dryRun", "options",
    ]  # fmt: skip
    assert request["kind"] == request["requestKind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert request["resource"] == request["requestResource"] == {"group": "", "version": "v1", "resource": "configmaps"}
    assert (request["name"], request["namespace"], request["operation"]) == ("c", "hooked", "CREATE")
    assert request["userInfo"]["username"] == "kubernetes-admin"
    assert "system:masters" in request["userInfo"]["groups"]
    # validating webhooks see the object the registry is about to store
    assert request["object"]["metadata"]["uid"] and request["object"]["metadata"]["creationTimestamp"]
    assert (request["oldObject"], request["dryRun"]) == (None, False)
    assert request["options"] == {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}
    # outside the selected namespace the webhook is not asked at all
    assert (await create_config_map(api, admin, "default", "c")).status == 201
    assert len(hooks.reviews["/deny"]) == 1


async def test_denials_keep_the_webhooks_status_code_or_become_400(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/bare"] = lambda request: {"allowed": False, "status": {"message": "no"}}
    hooks.routes["/silent"] = lambda request: {"allowed": False}
    await register(api, admin, VALIDATING, "bare", webhook("bare.example.com", url=hooks.url("/bare"), ca=webhook_ca))
    refused = await create_config_map(api, admin, "default", "c")
    assert (refused.status, refused.body.get("reason")) == (400, None)
    assert refused.body["message"] == 'admission webhook "bare.example.com" denied the request: no'
    await api.request("DELETE", f"{PATHS[VALIDATING]}/bare", identity=admin)
    await register(api, admin, VALIDATING, "silent", webhook("silent.example.com", url=hooks.url("/silent"), ca=webhook_ca))
    refused = await create_config_map(api, admin, "default", "c")
    assert (refused.status, refused.body["message"]) == (
        400, 'admission webhook "silent.example.com" denied the request without explanation',
    )  # fmt: skip


async def test_a_mutating_webhooks_patch_is_stored_and_its_warnings_sent(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/mutate"] = json_patch(
        {"op": "add", "path": "/metadata/labels/stamped", "value": "by-webhook"},
        warnings=["stamped by the webhook"],
    )
    hooks.routes["/check"] = allow()
    await register(api, admin, MUTATING, "stamp", webhook("stamp.example.com", url=hooks.url("/mutate"), ca=webhook_ca))
    await register(api, admin, VALIDATING, "check", webhook("check.example.com", url=hooks.url("/check"), ca=webhook_ca))
    created = await create_config_map(api, admin, "default", "c", team="a")
    assert created.status == 201, created.text
    assert created.body["metadata"]["labels"] == {"team": "a", "stamped": "by-webhook"}
    assert created.headers.getall("Warning") == ['299 - "stamped by the webhook"']
    stored = await api.request("GET", "/api/v1/namespaces/default/configmaps/c", identity=admin)
    assert stored.body["metadata"]["labels"] == {"team": "a", "stamped": "by-webhook"}
    # the mutating webhook saw the request's object; the validating one, after it, the patched one
    [mutated] = hooks.requests("/mutate")
    assert "uid" not in mutated["object"]["metadata"]
    [checked] = hooks.requests("/check")
    assert checked["object"]["metadata"]["labels"] == {"team": "a", "stamped": "by-webhook"}


async def test_failure_policy_decides_about_an_unreachable_webhook(
    api: InProcessServer, admin: Identity, webhook_ca: WebhookCA
) -> None:
    port = closed_port()
    url = f"https://127.0.0.1:{port}/deny"
    await register(api, admin, VALIDATING, "dead", webhook("dead.example.com", url=url, ca=webhook_ca))
    failed = await create_config_map(api, admin, "default", "c")
    message = (
        f'failed calling webhook "dead.example.com": failed to call webhook: Post "{url}?timeout=10s": '
        f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    )
    assert failed.status == 500
    assert failed.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"Internal error occurred: {message}", "reason": "InternalError",
        "details": {"causes": [{"message": message}]}, "code": 500,
    }  # fmt: skip
    patch = [{"op": "replace", "path": "/webhooks/0/failurePolicy", "value": "Ignore"}]
    response = await api.request(
        "PATCH", f"{PATHS[VALIDATING]}/dead", identity=admin, data=json.dumps(patch),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert response.status == 200, response.text
    assert (await create_config_map(api, admin, "default", "c")).status == 201


async def test_a_slow_webhook_times_out(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/slow"] = slow(5, allow())
    await register(api, admin, VALIDATING, "slow", webhook(
        "slow.example.com", url=hooks.url("/slow"), ca=webhook_ca, timeoutSeconds=1,
    ))  # fmt: skip
    failed = await create_config_map(api, admin, "default", "c")
    assert (failed.status, failed.body["message"]) == (500, (
        'Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: '
        f'Post "{hooks.url("/slow")}?timeout=1s": context deadline exceeded'
    ))  # fmt: skip


async def test_the_serving_certificate_must_chain_to_the_ca_bundle(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, pki_files: pki.PkiFiles, tmp_path: Path
) -> None:
    hooks.routes["/deny"] = deny("never asked")
    other = WebhookCA(pki_files.ca_cert.read_bytes(), tmp_path, tmp_path)  # the cluster's CA, not the webhook's
    await register(api, admin, VALIDATING, "tls", webhook("tls.example.com", url=hooks.url("/deny"), ca=other))
    failed = await create_config_map(api, admin, "default", "c")
    assert failed.body["message"] == (
        'Internal error occurred: failed calling webhook "tls.example.com": failed to call webhook: '
        f'Post "{hooks.url("/deny")}?timeout=10s": tls: failed to verify certificate: '
        "x509: certificate signed by unknown authority"
    )
    assert "/deny" not in hooks.reviews


async def test_dry_run_reaches_only_webhooks_without_side_effects(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/allow"] = allow()
    await register(api, admin, VALIDATING, "effects", webhook(
        "effects.example.com", url=hooks.url("/allow"), ca=webhook_ca, sideEffects="NoneOnDryRun",
    ))  # fmt: skip
    dry = await create_config_map(api, admin, "default", "c", query="?dryRun=All")
    assert dry.status == 201
    [request] = hooks.requests("/allow")
    assert request["dryRun"] is True and request["options"]["dryRun"] == ["All"]
    patch = [{"op": "replace", "path": "/webhooks/0/sideEffects", "value": "Some"}]
    await api.request(
        "PATCH", f"{PATHS[VALIDATING]}/effects", identity=admin, data=json.dumps(patch),
        headers={"Content-Type": "application/json-patch+json"},
    )
    refused = await create_config_map(api, admin, "default", "c", query="?dryRun=All")
    assert (refused.status, refused.body["reason"], refused.body["message"]) == (
        400, "BadRequest", 'admission webhook "effects.example.com" does not support dry run',
    )  # fmt: skip
    assert len(hooks.requests("/allow")) == 1
    assert (await create_config_map(api, admin, "default", "c")).status == 201  # no dry run: called


async def test_a_service_webhook_is_reached_through_its_endpoints(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/deny"] = deny("asked through the service")
    service = {"namespace": "default", "name": "webhook", "path": "/deny", "port": 443}
    await register(api, admin, VALIDATING, "svc", webhook("svc.example.com", service=service, ca=webhook_ca))
    failed = await create_config_map(api, admin, "default", "c")
    assert failed.body["message"] == (
        'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: '
        'Post "https://webhook.default.svc:443/deny?timeout=10s": service "webhook" not found'
    )
    body = {"metadata": {"name": "webhook"}, "spec": {"ports": [{"port": 443, "targetPort": hooks.port}]}}
    assert (await api.request("POST", "/api/v1/namespaces/default/services", identity=admin, json=body)).status == 201
    endpoints = {
        "metadata": {"name": "webhook"},
        "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": hooks.port}]}],
    }
    assert (await api.request("POST", "/api/v1/namespaces/default/endpoints", identity=admin, json=endpoints)).status == 201
    refused = await create_config_map(api, admin, "default", "c")
    assert (refused.status, refused.body["message"]) == (
        403, 'admission webhook "svc.example.com" denied the request: asked through the service',
    )  # fmt: skip


async def test_updates_and_deletes_carry_the_old_object_and_their_options(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/allow"] = allow()
    assert (await create_config_map(api, admin, "default", "c")).status == 201
    await register(api, admin, VALIDATING, "watch-writes", webhook(
        "writes.example.com", url=hooks.url("/allow"), ca=webhook_ca, operations=("UPDATE", "DELETE"),
    ))  # fmt: skip
    cm = "/api/v1/namespaces/default/configmaps/c"
    patched = await api.request(
        "PATCH", f"{cm}?fieldManager=tester", identity=admin, data=json.dumps({"data": {"k": "w"}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status == 200, patched.text
    deleted = await api.request("DELETE", cm, identity=admin, json={"propagationPolicy": "Background"})
    assert deleted.status == 200
    update, delete = hooks.requests("/allow")
    assert update["operation"] == "UPDATE"
    assert (update["oldObject"]["data"], update["object"]["data"]) == ({"k": "v"}, {"k": "w"})
    assert update["options"] == {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1", "fieldManager": "tester"}
    assert (delete["operation"], delete["name"], delete["object"]) == ("DELETE", "c", None)
    assert delete["oldObject"]["data"] == {"k": "w"}
    assert delete["options"] == {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1", "propagationPolicy": "Background"}


async def test_a_patch_on_delete_is_refused(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/mutate"] = json_patch({"op": "add", "path": "/metadata/labels", "value": {"a": "b"}})
    assert (await create_config_map(api, admin, "default", "c")).status == 201
    await register(api, admin, MUTATING, "on-delete", webhook(
        "on-delete.example.com", url=hooks.url("/mutate"), ca=webhook_ca, operations=("DELETE",),
    ))  # fmt: skip
    refused = await api.request("DELETE", "/api/v1/namespaces/default/configmaps/c", identity=admin)
    assert (refused.status, refused.body["message"]) == (500, (
        'Internal error occurred: admission webhook "on-delete.example.com" attempted to modify the object, '
        "which is not supported for this operation"
    ))  # fmt: skip


async def test_a_webhook_that_asked_to_see_later_changes_is_called_again(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/watcher"] = allow()
    hooks.routes["/stamp"] = json_patch({"op": "add", "path": "/metadata/labels/stamped", "value": "yes"})
    # configurations run in name order: a-watcher before b-stamp
    await register(api, admin, MUTATING, "b-stamp", webhook("stamp.example.com", url=hooks.url("/stamp"), ca=webhook_ca))
    await register(api, admin, MUTATING, "a-watcher", webhook(
        "watcher.example.com", url=hooks.url("/watcher"), ca=webhook_ca, reinvocationPolicy="IfNeeded",
    ))  # fmt: skip
    assert (await create_config_map(api, admin, "default", "c", team="a")).status == 201
    first, second = hooks.requests("/watcher")
    assert first["object"]["metadata"]["labels"] == {"team": "a"}
    assert second["object"]["metadata"]["labels"] == {"team": "a", "stamped": "yes"}
    assert len(hooks.requests("/stamp")) == 1


async def test_object_selectors_and_invalid_answers(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/wrong-uid"] = lambda request: {"allowed": True, "uid": "not-the-request"}
    await register(api, admin, VALIDATING, "picky", webhook(
        "picky.example.com", url=hooks.url("/wrong-uid"), ca=webhook_ca,
        objectSelector={"matchLabels": {"check": "yes"}},
    ))  # fmt: skip
    assert (await create_config_map(api, admin, "default", "unchecked")).status == 201
    assert "/wrong-uid" not in hooks.reviews
    failed = await create_config_map(api, admin, "default", "checked", check="yes")
    [request] = hooks.requests("/wrong-uid")
    assert failed.body["message"] == (
        'Internal error occurred: failed calling webhook "picky.example.com": received invalid webhook response: '
        f'expected response.uid="{request["uid"]}", got "not-the-request"'
    )


async def test_equivalent_versions_match_unless_exact(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/allow"] = allow()
    await register(api, admin, VALIDATING, "hpa", webhook(
        "hpa.example.com", url=hooks.url("/allow"), ca=webhook_ca,
        groups=("autoscaling",), versions=("v2",), resources=("horizontalpodautoscalers",),
    ))  # fmt: skip
    hpa = {
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3},
    }
    path = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    assert (await api.request("POST", path, identity=admin, json=hpa)).status == 201
    [request] = hooks.requests("/allow")
    assert request["kind"] == {"group": "autoscaling", "version": "v2", "kind": "HorizontalPodAutoscaler"}
    assert request["requestKind"] == {"group": "autoscaling", "version": "v1", "kind": "HorizontalPodAutoscaler"}
    assert request["requestResource"]["version"] == "v1" and request["resource"]["version"] == "v2"
    assert request["object"]["apiVersion"] == "autoscaling/v2"
    patch = [{"op": "add", "path": "/webhooks/0/matchPolicy", "value": "Exact"}]
    await api.request(
        "PATCH", f"{PATHS[VALIDATING]}/hpa", identity=admin, data=json.dumps(patch),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert (await api.request("POST", path, identity=admin, json={**hpa, "metadata": {"name": "two"}})).status == 201
    assert len(hooks.requests("/allow")) == 1


async def test_webhook_configurations_never_go_through_webhooks(
    api: InProcessServer, admin: Identity, webhook_ca: WebhookCA
) -> None:
    dead = f"https://127.0.0.1:{closed_port()}/"
    await register(api, admin, VALIDATING, "everything", webhook(
        "everything.example.com", url=dead, ca=webhook_ca, groups=("*",), versions=("*",), resources=("*/*",),
        operations=("*",),
    ))  # fmt: skip
    assert (await create_config_map(api, admin, "default", "c")).status == 500
    # the broken webhook can still be removed
    removed = await api.request("DELETE", f"{PATHS[VALIDATING]}/everything", identity=admin)
    assert removed.status == 200
    assert (await create_config_map(api, admin, "default", "c")).status == 201



async def test_a_namespace_is_selected_by_its_own_labels(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/deny"] = deny("no team namespaces today")
    await register(api, admin, VALIDATING, "teams", webhook(
        "teams.example.com", url=hooks.url("/deny"), ca=webhook_ca, resources=("namespaces",),
        namespaceSelector={"matchLabels": {"team": "a"}},
    ))  # fmt: skip
    await namespace(api, admin, "plain")
    body = {"metadata": {"name": "team-a", "labels": {"team": "a"}}}  # no apiVersion, no kind
    refused = await api.request("POST", "/api/v1/namespaces", identity=admin, json=body)
    assert (refused.status, refused.body["message"]) == (
        403, 'admission webhook "teams.example.com" denied the request: no team namespaces today',
    )  # fmt: skip
    [request] = hooks.requests("/deny")
    assert (request["name"], request["namespace"]) == ("team-a", "team-a")
    assert (request["object"]["apiVersion"], request["object"]["kind"]) == ("v1", "Namespace")


async def test_match_conditions_in_cel_decide_whether_the_webhook_is_called(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    hooks.routes["/deny"] = deny("no guarded config maps")
    conditions = [{"name": "guarded-only", "expression": "has(object.metadata.labels) && "
                   "'guarded' in object.metadata.labels"}]
    await register(api, admin, VALIDATING, "guard", webhook(
        "guard.example.com", url=hooks.url("/deny"), ca=webhook_ca, matchConditions=conditions,
    ))  # fmt: skip
    assert (await create_config_map(api, admin, "default", "plain")).status == 201
    refused = await create_config_map(api, admin, "default", "held", guarded="yes")
    assert refused.status == 403
    assert refused.body["message"] == 'admission webhook "guard.example.com" denied the request: no guarded config maps'
