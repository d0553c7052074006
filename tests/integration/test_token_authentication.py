"""Bearer tokens over HTTPS: static, ServiceAccount (bound and legacy) and bootstrap tokens.

Each identity is checked with SelfSubjectReview (what `kubectl auth whoami` asks), every forgery
and revoked token must get the exact 401 body, and the token never appears in the log.
"""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kubegate import pki
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.authn.serviceaccount.jwt import MAX_TOKEN_BYTES
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.sa_tokens import bound_claims_for, forge

UNAUTHORIZED = (
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",'
    b'"reason":"Unauthorized","code":401}\n'  # the real encoder ends the body with a newline
)
NOBODY = Identity()
STATIC_TOKEN = "static-0123456789"
BOOTSTRAP_TOKEN = "abcdef.0123456789abcdef"


async def whoami(api: InProcessServer, token: str) -> tuple[int, Any]:
    response = await api.request(
        "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", identity=NOBODY,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Authorization": f"Bearer {token}"},
    )
    if response.status != 201:
        return response.status, response.raw
    return response.status, response.body["status"]["userInfo"]


async def create(api: InProcessServer, admin: Identity, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", path, identity=admin, json=body)
    assert response.status == 201, response.text
    return response.body  # type: ignore[no-any-return]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
async def api(start_server: StartServer, tmp_path: Path) -> InProcessServer:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(f'{STATIC_TOKEN},alice,uid-alice,"dev,ops"\n')
    return await start_server(token_auth_file=tokens, enable_bootstrap_token_auth=True)


@pytest.fixture
def issuer(pki_files: pki.PkiFiles, api: InProcessServer) -> TokenIssuer:
    found = TokenIssuer.from_config(api.state.config, pki=pki_files)
    assert found is not None
    return found


@pytest.fixture
async def robot(api: InProcessServer, admin: Identity) -> dict[str, Any]:
    return await create(api, admin, "/api/v1/namespaces/default/serviceaccounts", {"metadata": {"name": "robot"}})


def robot_ref(robot: dict[str, Any]) -> ObjectRef:
    return ObjectRef("robot", robot["metadata"]["uid"])


async def test_static_token(api: InProcessServer) -> None:
    assert await whoami(api, STATIC_TOKEN) == (201, {
        "username": "alice", "uid": "uid-alice", "groups": ["dev", "ops", "system:authenticated"],
    })


async def test_bound_service_account_token(api: InProcessServer, issuer: TokenIssuer, robot: dict[str, Any]) -> None:
    issued = issuer.issue_bound(namespace="default", service_account=robot_ref(robot),
                                audiences=api.state.config.api_audiences_or_default, expiration_seconds=3600)
    assert await whoami(api, issued.token) == (201, {
        "username": "system:serviceaccount:default:robot",
        "uid": robot["metadata"]["uid"],
        "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
        "extra": {"authentication.kubernetes.io/credential-id": [issued.credential_id]},
    })


async def test_pod_bound_token_dies_with_the_pod(
    api: InProcessServer, admin: Identity, issuer: TokenIssuer, robot: dict[str, Any]
) -> None:
    pod = await create(api, admin, "/api/v1/namespaces/default/pods",
                       {"metadata": {"name": "web-1"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    issued = issuer.issue_bound(namespace="default", service_account=robot_ref(robot), audiences=api.state.config.api_audiences_or_default,
                                expiration_seconds=3600, pod=ObjectRef("web-1", pod["metadata"]["uid"]))
    status, user = await whoami(api, issued.token)
    assert status == 201
    assert user["extra"]["authentication.kubernetes.io/pod-name"] == ["web-1"]
    assert user["extra"]["authentication.kubernetes.io/pod-uid"] == [pod["metadata"]["uid"]]
    deleted = await api.request("DELETE", "/api/v1/namespaces/default/pods/web-1", identity=admin)
    assert deleted.status == 200
    await api.state.settle()  # a running pod is gone once its kubelet has stopped it
    assert await whoami(api, issued.token) == (401, UNAUTHORIZED)


async def test_legacy_token_lives_as_long_as_its_secret(
    api: InProcessServer, admin: Identity, issuer: TokenIssuer, robot: dict[str, Any]
) -> None:
    token = issuer.issue_legacy(namespace="default", service_account=robot_ref(robot), secret_name="robot-token")
    await create(api, admin, "/api/v1/namespaces/default/secrets", {
        "metadata": {"name": "robot-token", "annotations": {"kubernetes.io/service-account.name": "robot"}},
        "type": "kubernetes.io/service-account-token",
        "data": {"token": b64(token)},
    })
    status, user = await whoami(api, token)
    assert (status, user["username"]) == (201, "system:serviceaccount:default:robot")
    secret = await api.request("GET", "/api/v1/namespaces/default/secrets/robot-token", identity=admin)
    assert secret.body["metadata"]["labels"] == {"kubernetes.io/legacy-token-last-used": time.strftime("%Y-%m-%d", time.gmtime())}
    assert (await api.request("DELETE", "/api/v1/namespaces/default/secrets/robot-token", identity=admin)).status == 200
    assert await whoami(api, token) == (401, UNAUTHORIZED)


async def test_bootstrap_token(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "/api/v1/namespaces/kube-system/secrets", {
        "metadata": {"name": "bootstrap-token-abcdef"},
        "type": "bootstrap.kubernetes.io/token",
        "data": {"token-id": b64("abcdef"), "token-secret": b64("0123456789abcdef"),
                 "usage-bootstrap-authentication": b64("true"),
                 "auth-extra-groups": b64("system:bootstrappers:kubeadm:default-node-token")},
    })
    assert await whoami(api, BOOTSTRAP_TOKEN) == (201, {
        "username": "system:bootstrap:abcdef",
        "groups": ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"],
    })


async def test_a_bearer_header_with_two_spaces_is_ignored_as_the_real_server_does(api: InProcessServer) -> None:
    # "Bearer  <token>" carries an empty token: no credential at all, so the request is anonymous
    status, body = await whoami(api, f" {STATIC_TOKEN}")
    assert status == 403
    assert b'User \\"system:anonymous\\" cannot create resource \\"selfsubjectreviews\\"' in body


def _attacks(robot: dict[str, Any], pki_files: pki.PkiFiles) -> dict[str, str]:
    uid = robot["metadata"]["uid"]
    sa_key = serialization.load_pem_private_key(pki_files.sa_key.read_bytes(), password=None)
    alg = "ES256" if isinstance(sa_key, ec.EllipticCurvePrivateKey) else "RS256"
    now = int(time.time())
    good = bound_claims_for("default", "robot", uid)
    return {
        "malformed": "eyJhbGciOi.not-base64!.x",
        "oversized": forge({**good, "pad": "x" * MAX_TOKEN_BYTES}, sa_key, alg),
        "alg-none": forge(good, None, "none"),
        "hs256-with-public-key": forge(good, pki_files.sa_pub.read_bytes(), "HS256"),
        "foreign-key": forge(good, ec.generate_private_key(ec.SECP256R1()), "ES256"),
        "expired": forge(bound_claims_for("default", "robot", uid, issued_at=now - 7200), sa_key, alg),
        "not-yet-valid": forge(bound_claims_for("default", "robot", uid, issued_at=now + 600), sa_key, alg),
        "wrong-audience": forge(bound_claims_for("default", "robot", uid, audiences=("vault",)), sa_key, alg),
        "wrong-issuer": forge(bound_claims_for("default", "robot", uid, issuer="https://evil.example"), sa_key, alg),
        "unknown-service-account": forge(bound_claims_for("default", "ghost", uid), sa_key, alg),
        "unknown-static-token": "static-guess",
        "bootstrap-wrong-secret": "abcdef.ffffffffffffffff",
    }


async def test_forged_and_invalid_tokens_get_the_exact_401(
    api: InProcessServer, robot: dict[str, Any], pki_files: pki.PkiFiles, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="kubegate"):
        for name, token in _attacks(robot, pki_files).items():
            assert await whoami(api, token) == (401, UNAUTHORIZED), name
            assert token not in caplog.text, name


async def test_deleting_or_recreating_the_service_account_revokes_its_tokens(
    api: InProcessServer, admin: Identity, issuer: TokenIssuer, robot: dict[str, Any]
) -> None:
    issued = issuer.issue_bound(namespace="default", service_account=robot_ref(robot),
                                audiences=api.state.config.api_audiences_or_default, expiration_seconds=3600)
    assert (await whoami(api, issued.token))[0] == 201
    path = "/api/v1/namespaces/default/serviceaccounts/robot"
    assert (await api.request("DELETE", path, identity=admin)).status == 200
    assert await whoami(api, issued.token) == (401, UNAUTHORIZED)
    await create(api, admin, "/api/v1/namespaces/default/serviceaccounts", {"metadata": {"name": "robot"}})
    assert await whoami(api, issued.token) == (401, UNAUTHORIZED)
