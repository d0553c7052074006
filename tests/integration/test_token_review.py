"""TokenReview answers and the ServiceAccount issuer's discovery documents, over HTTPS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from kubegate import pki
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.authn.serviceaccount.keys import key_id
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"


@pytest.fixture
async def api(start_server: StartServer, tmp_path: Path) -> InProcessServer:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("static-token,alice,uid-alice,dev\n")
    return await start_server(token_auth_file=tokens)


async def review(api: InProcessServer, admin: Identity, spec: dict[str, Any]) -> tuple[int, Any]:
    response = await api.request(
        "POST", REVIEWS, identity=admin,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": spec},
    )
    return response.status, response.body


async def service_account_token(api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles, **kwargs: Any) -> str:
    created = await api.request("POST", "/api/v1/namespaces/default/serviceaccounts", identity=admin,
                                json={"metadata": {"name": "robot"}})
    issuer = TokenIssuer.from_config(api.state.config, pki=pki_files)
    assert issuer is not None
    issued = issuer.issue_bound(namespace="default", service_account=ObjectRef("robot", created.body["metadata"]["uid"]),
                                expiration_seconds=3600, **kwargs)
    return issued.token


async def test_a_static_token_reviewed(api: InProcessServer, admin: Identity) -> None:
    assert await review(api, admin, {"token": "static-token"}) == (201, {
        "kind": "TokenReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {"token": "static-token"},
        "status": {
            "authenticated": True,
            "user": {"username": "alice", "uid": "uid-alice", "groups": ["dev", "system:authenticated"]},
            "audiences": [API_AUDIENCE],
        },
    })


async def test_an_unknown_token_is_not_authenticated(api: InProcessServer, admin: Identity) -> None:
    status, body = await review(api, admin, {"token": "nobody-knows-me"})
    assert status == 201
    assert body["status"] == {"user": {}, "error": "invalid bearer token"}


async def test_a_service_account_token_for_another_audience(
    api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles
) -> None:
    token = await service_account_token(api, admin, pki_files, audiences=("vault",))
    status, body = await review(api, admin, {"token": token})
    assert status == 201
    assert body["status"] == {
        "user": {},
        "error": f'token audiences ["vault"] is invalid for the target audiences ["{API_AUDIENCE}"]',
    }
    status, body = await review(api, admin, {"token": token, "audiences": ["vault", "other"]})
    assert body["spec"]["audiences"] == ["vault", "other"]
    assert body["status"]["authenticated"] is True
    assert body["status"]["audiences"] == ["vault"]
    assert body["status"]["user"]["username"] == "system:serviceaccount:default:robot"


async def test_static_tokens_are_only_for_the_api_audiences(api: InProcessServer, admin: Identity) -> None:
    status, body = await review(api, admin, {"token": "static-token", "audiences": ["vault"]})
    assert (status, body["status"]) == (201, {"user": {}, "error": "invalid bearer token"})


async def test_a_token_is_required(api: InProcessServer, admin: Identity) -> None:
    status, body = await review(api, admin, {})
    assert status == 400
    assert body["message"] == "token is required for TokenReview in authentication"


async def test_reviewing_needs_permission(api: InProcessServer, alice: Identity) -> None:
    status, body = await review(api, alice, {"token": "static-token"})
    assert status == 403
    assert body["message"] == (
        'tokenreviews.authentication.k8s.io is forbidden: User "alice" cannot create resource "tokenreviews" '
        'in API group "authentication.k8s.io" at the cluster scope'
    )


async def test_issuer_discovery_documents(api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles) -> None:
    config = await api.request("GET", "/.well-known/openid-configuration", identity=admin)
    assert config.status == 200
    assert config.headers["Content-Type"] == "application/json"
    assert config.headers["Cache-Control"] == "public, max-age=3600"
    sa_key = serialization.load_pem_public_key(pki_files.sa_pub.read_bytes())
    algorithm = "ES256" if "EC" in type(sa_key).__name__ else "RS256"
    assert json.loads(config.raw) == {
        "issuer": API_AUDIENCE,
        "jwks_uri": f"https://{api.state.address}/openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [algorithm],
    }
    jwks = await api.request("GET", "/openid/v1/jwks", identity=admin)
    assert jwks.headers["Content-Type"] == "application/jwk-set+json"
    [key] = json.loads(jwks.raw)["keys"]
    assert (key["use"], key["kid"], key["alg"]) == ("sig", key_id(sa_key), algorithm)  # type: ignore[arg-type]
    assert (await api.request("GET", "/openid/v1/jwks/extra", identity=admin)).status == 404


async def test_discovery_is_for_service_accounts_not_anonymous(api: InProcessServer, anonymous: Identity) -> None:
    response = await api.request("GET", "/openid/v1/jwks", identity=anonymous)
    assert response.status == 403
    assert response.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/openid/v1/jwks"'


async def test_service_accounts_may_read_the_discovery_documents(
    api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles
) -> None:
    token = await service_account_token(api, admin, pki_files, audiences=(API_AUDIENCE,))
    for path in ("/.well-known/openid-configuration", "/openid/v1/jwks/"):
        response = await api.request("GET", path, identity=Identity(), headers={"Authorization": f"Bearer {token}"})
        assert response.status == 200, path


async def test_no_discovery_for_an_issuer_that_is_not_https(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(service_account_issuer=("kubernetes.default.svc",))
    assert (await api.request("GET", "/.well-known/openid-configuration", identity=admin)).status == 404
