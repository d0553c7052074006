"""Who the server thinks you are, over real mutual TLS."""

from __future__ import annotations

import asyncio
import hashlib
import ssl

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.statuses import UNAUTHORIZED


async def whoami(api: InProcessServer, identity: Identity) -> dict[str, object]:
    response = await api.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        identity=identity,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert response.status == 201, response.text
    return response.body["status"]["userInfo"]  # type: ignore[no-any-return]


def certificate_extra(identity: Identity) -> dict[str, list[str]]:
    """The extra 1.32's x509 authenticator adds: the SHA-256 of the DER certificate."""
    assert identity.cert is not None
    der = x509.load_pem_x509_certificate(identity.cert.read_bytes()).public_bytes(serialization.Encoding.DER)
    return {"authentication.kubernetes.io/credential-id": [f"X509SHA256={hashlib.sha256(der).hexdigest()}"]}


async def test_client_certificate_names_the_user_and_groups(api: InProcessServer, alice: Identity) -> None:
    assert await whoami(api, alice) == {
        "username": "alice",
        "groups": ["dev", "ops", "system:authenticated"],
        "extra": certificate_extra(alice),
    }


async def test_admin_certificate_is_in_system_masters(api: InProcessServer, admin: Identity) -> None:
    assert await whoami(api, admin) == {
        "username": "kubernetes-admin",
        "groups": ["system:masters", "system:authenticated"],
        "extra": certificate_extra(admin),
    }


async def test_no_credentials_is_anonymous(start_server: StartServer, anonymous: Identity) -> None:
    # RBAC lets only authenticated users ask who they are, as a real cluster does
    api = await start_server(authorization_mode=("AlwaysAllow",))
    assert await whoami(api, anonymous) == {"username": "system:anonymous", "groups": ["system:unauthenticated"]}


async def test_anonymous_disabled_answers_the_real_401(start_server: StartServer, anonymous: Identity) -> None:
    api = await start_server(anonymous_auth=False)
    response = await api.request("GET", "/api/v1/namespaces", identity=anonymous)
    assert response.status == 401
    assert response.body == UNAUTHORIZED
    assert response.headers["Content-Type"] == "application/json"


async def test_certificate_from_another_ca_is_refused_at_the_handshake(api: InProcessServer, stranger: Identity) -> None:
    # The TLS layer verifies presented certificates against the client CA; a foreign one
    # never reaches the authenticators, so it cannot become kubernetes-admin.
    with pytest.raises((aiohttp.ClientError, ssl.SSLError)):
        await api.request("GET", "/api/v1/namespaces", identity=stranger)


async def test_server_speaks_http11_only(api: InProcessServer) -> None:
    context = ssl.create_default_context(cafile=str(api.ca_file))
    context.set_alpn_protocols(["h2", "http/1.1"])
    host, port = api.url.removeprefix("https://").split(":")
    _, writer = await asyncio.open_connection(host, int(port), ssl=context)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        assert ssl_object.selected_alpn_protocol() == "http/1.1"
        assert ssl_object.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        writer.close()
        await writer.wait_closed()
