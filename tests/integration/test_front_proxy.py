"""The request-header front proxy, x509 against its own CA bundle, and anonymous switched off.

The front proxy's certificate comes from a CA of its own (as kubeadm's front-proxy-ca), so
it passes the TLS handshake but is no user by itself.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.integration.test_authentication import UNAUTHORIZED, certificate_extra, whoami
from tests.support.front_proxy import ProxyUser, TestCA, start_front_proxy
from tests.support.inprocess import Identity, InProcessServer
from tests.support.kubectl import Kubectl, kubectl_binary

PROXY_HEADERS = {
    "X-Remote-User": "jane",
    "X-Remote-Group": "dev",
    "X-Remote-Extra-Scopes": "openid",
}


@pytest.fixture(scope="module")
def front_proxy_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA.create(tmp_path_factory.mktemp("front-proxy-ca"))


@pytest.fixture(scope="module")
def proxy(front_proxy_ca: TestCA) -> Identity:
    return front_proxy_ca.issue("front-proxy-client", user="front-proxy-client")


@pytest.fixture
async def proxied(start_server: StartServer, front_proxy_ca: TestCA) -> InProcessServer:
    return await start_server(
        authorization_mode=("AlwaysAllow",),
        requestheader_client_ca_file=front_proxy_ca.cert_file,
        requestheader_allowed_names=("front-proxy-client",),
        requestheader_username_headers=("X-Remote-User",),
        requestheader_uid_headers=("X-Remote-Uid",),
        requestheader_group_headers=("X-Remote-Group",),
        requestheader_extra_headers_prefix=("X-Remote-Extra-",),
    )


async def review(api: InProcessServer, identity: Identity, headers: Any) -> tuple[int, Any]:
    response = await api.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        identity=identity,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers=headers,
    )
    return response.status, response.body


async def test_the_proxy_names_the_user_in_headers(proxied: InProcessServer, proxy: Identity) -> None:
    headers = [
        ("X-Remote-User", "jane"),
        ("X-Remote-Uid", "u-42"),
        ("X-Remote-Group", "dev"),
        ("X-Remote-Group", "ops"),
        ("X-Remote-Extra-Scopes", "openid"),
        ("X-Remote-Extra-Scopes", "profile"),
        ("X-Remote-Extra-Acme.com%2Fproject", "blue"),
    ]
    status, body = await review(proxied, proxy, headers)
    assert status == 201
    assert body["status"]["userInfo"] == {
        "username": "jane",
        "uid": "u-42",
        "groups": ["dev", "ops", "system:authenticated"],
        "extra": {"scopes": ["openid", "profile"], "acme.com/project": ["blue"]},
    }


@pytest.mark.parametrize("who", ["alice", "anonymous"])
async def test_the_same_headers_from_anyone_else_are_ignored(
    proxied: InProcessServer, who: str, request: pytest.FixtureRequest
) -> None:
    identity: Identity = request.getfixturevalue(who)
    status, body = await review(proxied, identity, PROXY_HEADERS)
    assert status == 201
    if identity.cert is None:
        expected = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
    else:
        expected = {
            "username": "alice",
            "groups": ["dev", "ops", "system:authenticated"],
            "extra": certificate_extra(identity),
        }
    assert body["status"]["userInfo"] == expected


async def test_a_proxy_certificate_with_a_name_not_allowed_is_refused(
    proxied: InProcessServer, front_proxy_ca: TestCA
) -> None:
    # The verifier rejects the CN and x509 rejects the CA: the real server answers 401.
    intruder = front_proxy_ca.issue("intruder", user="intruder")
    status, body = await review(proxied, intruder, PROXY_HEADERS)
    assert (status, body) == (401, UNAUTHORIZED)


async def test_a_proxy_certificate_alone_is_no_user(proxied: InProcessServer, proxy: Identity) -> None:
    status, body = await review(proxied, proxy, {})
    assert (status, body) == (401, UNAUTHORIZED)


async def test_any_names_from_the_proxy_ca_when_none_are_listed(
    start_server: StartServer, front_proxy_ca: TestCA
) -> None:
    api = await start_server(
        authorization_mode=("AlwaysAllow",),
        requestheader_client_ca_file=front_proxy_ca.cert_file,
        requestheader_username_headers=("X-Remote-User",),
        requestheader_group_headers=("X-Remote-Group",),
    )
    other = front_proxy_ca.issue("other-proxy", user="aggregator")
    status, body = await review(api, other, {"X-Remote-User": "system:anonymous", "X-Remote-Group": "x"})
    assert status == 201
    # The group adder leaves system:anonymous alone, as the real one does.
    assert body["status"]["userInfo"] == {"username": "system:anonymous", "groups": ["x"]}


async def test_front_proxy_headers_do_not_reach_the_handlers(
    proxied: InProcessServer, proxy: Identity, alice: Identity
) -> None:
    async def echo(request: web.Request, parts: list[str]) -> web.StreamResponse:
        return web.json_response(sorted(name.lower() for name in request.headers))

    proxied.state.nonresource_routes["echo"] = echo
    for identity in (proxy, alice):
        response = await proxied.request(
            "GET", "/echo", identity=identity, headers={**PROXY_HEADERS, "X-Other": "kept"}
        )
        assert response.status == 200
        seen = response.body
        assert "x-other" in seen
        assert not [name for name in seen if name.startswith("x-remote-")]


async def test_several_client_cas_in_one_bundle_both_work(
    start_server: StartServer, pki_files: pki.PkiFiles, alice: Identity, tmp_path: Path
) -> None:
    second = TestCA.create(tmp_path)
    bob = second.issue("bob", user="bob", groups=("qa",))
    bundle = tmp_path / "client-ca-bundle.crt"
    bundle.write_bytes(pki_files.ca_cert.read_bytes() + second.cert_file.read_bytes())
    api = await start_server(authorization_mode=("AlwaysAllow",), client_ca_file=bundle)
    assert (await whoami(api, alice))["username"] == "alice"
    assert (await whoami(api, bob))["groups"] == ["qa", "system:authenticated"]


async def test_an_expired_client_certificate_is_refused_at_the_handshake(
    api: InProcessServer, pki_files: pki.PkiFiles, tmp_path: Path
) -> None:
    cluster_ca = TestCA(tmp_path, *pki.load_ca(pki_files.ca_cert.parent))
    expired = cluster_ca.issue("expired", user="alice", not_before=datetime.now(UTC) - timedelta(days=3), days=1)
    with pytest.raises((aiohttp.ClientError, ssl.SSLError)):
        await api.request("GET", "/api/v1/namespaces", identity=expired)


@pytest.mark.parametrize("path", ["/healthz", "/version", "/api/v1/namespaces"])
async def test_anonymous_disabled_is_401_everywhere(
    start_server: StartServer, anonymous: Identity, path: str
) -> None:
    api = await start_server(anonymous_auth=False)
    response = await api.request("GET", path, identity=anonymous, headers=PROXY_HEADERS)
    assert (response.status, response.body) == (401, UNAUTHORIZED)


@pytest.mark.kubectl
async def test_kubectl_auth_whoami_through_a_front_proxy(
    proxied: InProcessServer, proxy: Identity, pki_files: pki.PkiFiles, tmp_path: Path
) -> None:
    binary = kubectl_binary("1.32")
    front = await start_front_proxy(
        upstream=proxied.url,
        upstream_ca=pki_files.ca_cert,
        identity=proxy,
        serving_cert=pki_files.serving_cert,
        serving_key=pki_files.serving_key,
        users={"jane-token": ProxyUser("jane", ("dev", "ops"), {"scopes": ("openid",)})},
    )
    try:
        kubeconfig = tmp_path / "proxy.kubeconfig"
        pki.write_kubeconfig(
            kubeconfig,
            pki.build_kubeconfig(
                server_url=front.url,
                ca_pem=pki_files.ca_cert.read_bytes(),
                user_name="jane",
                token="jane-token",
            ),
        )
        kubectl = Kubectl(binary, kubeconfig, tmp_path / "home")
        result = await asyncio.to_thread(kubectl.run, "auth", "whoami")
    finally:
        await front.close()
    assert result.returncode == 0, result.stderr
    rows = [line.split(None, 1) for line in result.stdout.splitlines()]
    assert rows == [
        ["ATTRIBUTE", "VALUE"],
        ["Username", "jane"],
        ["Groups", "[dev ops system:authenticated]"],
        ["Extra:", "scopes   [openid]"],
    ]
