"""TokenRequest over HTTPS: the 201 answer, defaults and limits, bound objects, the real errors,
and the token's life (valid as the ServiceAccount until it expires or its bound object goes).

Time is a `FakeClock`: "an hour later" is one call, never a sleep.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest

from kubegate.api import meta
from kubegate.api.clock import FakeClock, installed
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.statuses import UNAUTHORIZED

ISSUER = "https://kubernetes.default.svc.cluster.local"
ACCOUNTS = "/api/v1/namespaces/default/serviceaccounts"
TOKEN = ACCOUNTS + "/robot/token"
NOBODY = Identity()


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    with installed(fake):
        yield fake


@pytest.fixture
async def robot(api: InProcessServer, admin: Identity) -> dict[str, Any]:
    response = await api.request("POST", ACCOUNTS, identity=admin, json={"metadata": {"name": "robot"}})
    assert response.status == 201, response.text
    return response.body  # type: ignore[no-any-return]


async def request_token(api: InProcessServer, identity: Identity, spec: dict[str, Any] | None = None,
                        *, path: str = TOKEN, **body: Any) -> tuple[int, Any]:
    payload = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec or {}, **body}
    response = await api.request("POST", path, identity=identity, json=payload)
    return response.status, response.body


async def token_for(api: InProcessServer, admin: Identity, spec: dict[str, Any] | None = None) -> str:
    status, body = await request_token(api, admin, spec)
    assert status == 201, body
    return str(body["status"]["token"])


async def whoami(api: InProcessServer, token: str) -> tuple[int, Any]:
    response = await api.request(
        "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", identity=NOBODY,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status, response.body["status"]["userInfo"] if response.status == 201 else response.body


async def create(api: InProcessServer, admin: Identity, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", path, identity=admin, json=body)
    assert response.status == 201, response.text
    return response.body  # type: ignore[no-any-return]


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


async def test_a_token_request_answers_201_with_the_token(
    api: InProcessServer, admin: Identity, robot: dict[str, Any], clock: FakeClock
) -> None:
    status, body = await request_token(api, admin)
    assert status == 201
    now = clock()
    assert {k: v for k, v in body.items() if k != "status"} == {
        "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": "robot", "namespace": "default", "creationTimestamp": meta.format_time(now)},
        "spec": {"audiences": [ISSUER], "expirationSeconds": 3600},
    }
    assert body["status"]["expirationTimestamp"] == meta.format_time(now + timedelta(seconds=3600))
    payload = claims(body["status"]["token"])
    assert payload["aud"] == [ISSUER] and payload["iss"] == ISSUER
    assert payload["exp"] - payload["iat"] == 3600
    assert payload["sub"] == "system:serviceaccount:default:robot"
    assert payload["kubernetes.io"] == {
        "namespace": "default", "serviceaccount": {"name": "robot", "uid": robot["metadata"]["uid"]},
    }
    assert await whoami(api, body["status"]["token"]) == (201, {
        "username": "system:serviceaccount:default:robot",
        "uid": robot["metadata"]["uid"],
        "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
        "extra": {"authentication.kubernetes.io/credential-id": [f"JTI={payload['jti']}"]},
    })


async def test_the_token_expires(api: InProcessServer, admin: Identity, robot: dict[str, Any], clock: FakeClock) -> None:
    token = await token_for(api, admin, {"expirationSeconds": 600})
    clock.advance(seconds=600 + 59)  # go-jose allows a minute of clock skew
    assert (await whoami(api, token))[0] == 201
    clock.advance(seconds=2)
    assert await whoami(api, token) == (401, UNAUTHORIZED)


async def test_audiences(api: InProcessServer, admin: Identity, robot: dict[str, Any]) -> None:
    both = await token_for(api, admin, {"audiences": [ISSUER, "vault"]})
    assert claims(both)["aud"] == [ISSUER, "vault"]
    assert (await whoami(api, both))[0] == 201
    vault_only = await token_for(api, admin, {"audiences": ["vault"]})
    assert await whoami(api, vault_only) == (401, UNAUTHORIZED)  # not meant for this API


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"spec": {"expirationSeconds": 599}}, 422,
     ('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: '
     "may not specify a duration less than 10 minutes")),
    ({"spec": {"expirationSeconds": (1 << 32) + 1}}, 422,
     ('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: '
     "may not specify a duration larger than 2^32 seconds")),
    ({"metadata": {"name": "other"}}, 422,
     ('TokenRequest.authentication.k8s.io "robot" is invalid: metadata.name: Invalid value: "other": '
     "must match the service account name if specified")),
    ({"metadata": {"namespace": "kube-system"}}, 422,
     ('TokenRequest.authentication.k8s.io "robot" is invalid: metadata.namespace: Invalid value: "kube-system": '
     "must match the service account namespace if specified")),
    ({"spec": {"expirationSeconds": "1h"}}, 400,
     ('TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal string into Go '
     "struct field TokenRequestSpec.spec.expirationSeconds of type int64")),
    ({"kind": "TokenReview"}, 400,
     "the kind in the data (TokenReview) does not match the expected kind (TokenRequest)"),
    ({"spec": {"boundObjectRef": {"kind": "Deployment", "apiVersion": "apps/v1", "name": "web"}}}, 400,
     "cannot bind token to object of type apps/v1, Kind=Deployment"),
    ({"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "nope"}}}, 404,
     'pods "nope" not found'),
    ({"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "nope"}}}, 404,
     'secrets "nope" not found'),
    ({"spec": {"boundObjectRef": {"kind": "Node", "apiVersion": "v1", "name": "nope"}}}, 404,
     'nodes "nope" not found'),
])
async def test_refusals(
    api: InProcessServer, admin: Identity, robot: dict[str, Any], body: dict[str, Any], code: int, message: str
) -> None:
    payload = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", **body}
    response = await api.request("POST", TOKEN, identity=admin, json=payload)
    assert (response.status, response.body["message"]) == (code, message)


async def test_a_missing_account_is_404(api: InProcessServer, admin: Identity) -> None:
    status, body = await request_token(api, admin, path=ACCOUNTS + "/ghost/token")
    assert (status, body["message"], body["details"]) == (404, 'serviceaccounts "ghost" not found',
                                                           {"name": "ghost", "kind": "serviceaccounts"})


async def test_longer_than_the_maximum_is_shortened(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(service_account_max_token_expiration=7200.0)
    await create(api, admin, ACCOUNTS, {"metadata": {"name": "robot"}})
    response = await api.request("POST", TOKEN, identity=admin, json={"spec": {"expirationSeconds": 86400}})
    assert response.status == 201
    assert response.body["spec"]["expirationSeconds"] == 7200
    assert response.headers.getall("Warning") == ['299 - "requested expiration of 86400 seconds shortened to 7200 seconds"']
    payload = claims(response.body["status"]["token"])
    assert payload["exp"] - payload["iat"] == 7200


async def test_a_pod_bound_token_lives_as_long_as_the_pod(
    api: InProcessServer, admin: Identity, robot: dict[str, Any]
) -> None:
    pod = await create(api, admin, "/api/v1/namespaces/default/pods", {
        "metadata": {"name": "web"}, "spec": {"serviceAccountName": "robot", "containers": [{"name": "c", "image": "nginx"}]},
    })
    ref = {"kind": "Pod", "apiVersion": "v1", "name": "web", "uid": pod["metadata"]["uid"]}
    status, body = await request_token(api, admin, {"boundObjectRef": ref})
    assert status == 201 and body["spec"]["boundObjectRef"] == ref
    token = body["status"]["token"]
    assert claims(token)["kubernetes.io"]["pod"] == {"name": "web", "uid": pod["metadata"]["uid"]}
    status, user = await whoami(api, token)
    assert status == 201
    assert user["extra"]["authentication.kubernetes.io/pod-name"] == ["web"]
    assert (await api.request("DELETE", "/api/v1/namespaces/default/pods/web", identity=admin)).status == 200
    await api.state.settle()  # a running pod is gone once its kubelet has stopped it
    assert await whoami(api, token) == (401, UNAUTHORIZED)


async def test_kubelet_style_pod_tokens_are_extended(api: InProcessServer, admin: Identity, robot: dict[str, Any]) -> None:
    await create(api, admin, "/api/v1/namespaces/default/pods", {
        "metadata": {"name": "web"}, "spec": {"serviceAccountName": "robot", "containers": [{"name": "c", "image": "x"}]},
    })
    status, body = await request_token(api, admin, {
        "expirationSeconds": 3607, "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web"},
    })
    assert status == 201 and body["spec"]["expirationSeconds"] == 3607
    payload = claims(body["status"]["token"])
    assert payload["exp"] - payload["iat"] == 365 * 24 * 3600
    assert payload["kubernetes.io"]["warnafter"] == payload["iat"] + 3607


@pytest.mark.parametrize(("ref", "code", "message"), [
    ({"kind": "Pod", "apiVersion": "v1", "name": "web", "uid": "1234"}, 409,
     ('Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (1234) does not match '
     "the UID in record. The object might have been deleted and then recreated")),
    ({"kind": "Pod", "apiVersion": "v1", "name": "other"}, 400,
     'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.'),
])
async def test_bound_pod_refusals(
    api: InProcessServer, admin: Identity, robot: dict[str, Any], ref: dict[str, Any], code: int, message: str
) -> None:
    for name, account in (("web", "robot"), ("other", "default")):
        await create(api, admin, "/api/v1/namespaces/default/pods", {
            "metadata": {"name": name}, "spec": {"serviceAccountName": account, "containers": [{"name": "c", "image": "x"}]},
        })
    status, body = await request_token(api, admin, {"boundObjectRef": ref})
    assert (status, body["message"]) == (code, message)


async def test_secret_and_node_bound_tokens(api: InProcessServer, admin: Identity, robot: dict[str, Any]) -> None:
    secret = await create(api, admin, "/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"}})
    node = await create(api, admin, "/api/v1/nodes", {"metadata": {"name": "n1"}})
    by_secret = await token_for(api, admin, {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s"}})
    by_node = await token_for(api, admin, {"boundObjectRef": {"kind": "Node", "apiVersion": "v1", "name": "n1"}})
    assert claims(by_secret)["kubernetes.io"]["secret"] == {"name": "s", "uid": secret["metadata"]["uid"]}
    assert claims(by_node)["kubernetes.io"]["node"] == {"name": "n1", "uid": node["metadata"]["uid"]}
    status, user = await whoami(api, by_node)
    assert status == 201 and user["extra"]["authentication.kubernetes.io/node-name"] == ["n1"]
    assert (await api.request("DELETE", "/api/v1/namespaces/default/secrets/s", identity=admin)).status == 200
    assert await whoami(api, by_secret) == (401, UNAUTHORIZED)
    assert (await api.request("DELETE", "/api/v1/nodes/n1", identity=admin)).status == 200
    assert await whoami(api, by_node) == (401, UNAUTHORIZED)


async def test_deleting_the_account_revokes_its_tokens(api: InProcessServer, admin: Identity, robot: dict[str, Any]) -> None:
    token = await token_for(api, admin)
    assert (await api.request("DELETE", ACCOUNTS + "/robot", identity=admin)).status == 200
    assert await whoami(api, token) == (401, UNAUTHORIZED)


async def test_creating_tokens_needs_create_on_serviceaccounts_token(
    api: InProcessServer, admin: Identity, alice: Identity, robot: dict[str, Any]
) -> None:
    status, body = await request_token(api, alice)
    assert (status, body["message"]) == (403, (
        'serviceaccounts "robot" is forbidden: User "alice" cannot create resource "serviceaccounts/token" '
        'in API group "" in the namespace "default"'
    ))
    await create(api, admin, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
        "metadata": {"name": "token-maker"},
        "rules": [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}],
    })
    await create(api, admin, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
        "metadata": {"name": "alice-makes-tokens"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "token-maker"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
    })
    assert (await request_token(api, alice))[0] == 201


async def test_a_token_secret_authenticates_until_deleted(
    api: InProcessServer, admin: Identity, robot: dict[str, Any]
) -> None:
    await create(api, admin, "/api/v1/namespaces/default/secrets", {
        "metadata": {"name": "robot-token", "annotations": {"kubernetes.io/service-account.name": "robot"}},
        "type": "kubernetes.io/service-account-token",
    })
    secret = (await api.request("GET", "/api/v1/namespaces/default/secrets/robot-token", identity=admin)).body
    token = base64.b64decode(secret["data"]["token"]).decode()
    status, user = await whoami(api, token)
    assert (status, user["username"]) == (201, "system:serviceaccount:default:robot")
    assert (await api.request("DELETE", "/api/v1/namespaces/default/secrets/robot-token", identity=admin)).status == 200
    assert await whoami(api, token) == (401, UNAUTHORIZED)
