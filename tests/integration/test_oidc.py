"""OIDC over real HTTPS: a local issuer (discovery + JWKS), tokens minted here, kubegate judging.

Every rejection is the plain 401 Status a real API server answers; the reasons go to the log.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from kubegate import pki
from kubegate.authn.oidc.keyset import KeysUnavailable, RemoteKeySet
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.oidc_issuer import (
    OIDCIssuer,
    ec_signing_key,
    rsa_signing_key,
    start_issuer,
    unsigned_token,
)
from tests.support.remote_https import RemoteCA, closed_port, make_remote_ca
from tests.support.statuses import UNAUTHORIZED

NO_CERT = Identity()
REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


@pytest.fixture(scope="module")
def remote_ca(tmp_path_factory: pytest.TempPathFactory) -> RemoteCA:
    return make_remote_ca(tmp_path_factory.mktemp("oidc-ca"))


@pytest.fixture
async def issuer(remote_ca: RemoteCA) -> AsyncIterator[OIDCIssuer]:
    [running] = await start_issuer(remote_ca)
    yield running
    assert running.service is not None
    await running.service.close()


async def review(api: InProcessServer, token: str) -> tuple[int, Any]:
    response = await api.request(
        "POST",
        REVIEW_PATH,
        identity=NO_CERT,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status, response.body


async def whoami(api: InProcessServer, token: str) -> dict[str, Any]:
    status, body = await review(api, token)
    assert status == 201, body
    return body["status"]["userInfo"]  # type: ignore[no-any-return]


async def oidc_server(start_server: StartServer, issuer: OIDCIssuer, **flags: Any) -> InProcessServer:
    return await start_server(
        oidc_issuer_url=issuer.url, oidc_client_id="kubegate", oidc_ca_file=issuer.ca.ca_cert, **flags
    )


# --- the flags ---------------------------------------------------------------------------------


async def test_sub_is_prefixed_with_the_issuer_and_groups_with_their_prefix(
    start_server: StartServer, issuer: OIDCIssuer
) -> None:
    api = await oidc_server(start_server, issuer, oidc_groups_claim="groups", oidc_groups_prefix="oidc:")
    token = issuer.token(groups=["dev", "ops"], jti="4f1c")
    assert await whoami(api, token) == {
        "username": f"{issuer.url}#alice",
        "groups": ["oidc:dev", "oidc:ops", "system:authenticated"],
        "extra": {"authentication.kubernetes.io/credential-id": ["JTI=4f1c"]},
    }


async def test_username_prefix_dash_and_es256_keys(start_server: StartServer, issuer: OIDCIssuer) -> None:
    key = ec_signing_key("ec-1")
    issuer.publish(key)
    api = await oidc_server(start_server, issuer, oidc_username_prefix="-", oidc_signing_algs=("ES256",))
    assert await whoami(api, issuer.token(key)) == {"username": "alice", "groups": ["system:authenticated"]}
    # RS256 is no longer among the accepted algorithms
    assert (await review(api, issuer.token(rsa_signing_key("rsa-1"))))[0] == 401


@pytest.mark.kubectl
async def test_kubectl_auth_whoami_shows_the_mapped_user(
    start_server: StartServer, issuer: OIDCIssuer, tmp_path: Path
) -> None:
    api = await oidc_server(start_server, issuer, oidc_username_claim="email", oidc_groups_claim="groups")
    token = issuer.token(email="alice@example.com", email_verified=True, groups=["dev"])
    kubeconfig = tmp_path / "oidc.kubeconfig"
    pki.write_kubeconfig(
        kubeconfig,
        pki.build_kubeconfig(server_url=api.url, ca_pem=api.ca_file.read_bytes(), user_name="alice", token=token),
    )
    kubectl = Kubectl(kubectl_binary("1.32"), kubeconfig, tmp_path)
    result = await asyncio.to_thread(kubectl.run, "auth", "whoami")
    assert result.returncode == 0, result.stderr
    rows = [line.split(None, 1) for line in result.stdout.splitlines()]
    assert ["Username", "alice@example.com"] in rows
    assert ["Groups", "[dev system:authenticated]"] in rows


# --- attacks -----------------------------------------------------------------------------------


@pytest.fixture
async def strict_api(start_server: StartServer, issuer: OIDCIssuer) -> InProcessServer:
    """email as the user name, a required claim: the default token is good."""
    return await oidc_server(
        start_server, issuer, oidc_username_claim="email", oidc_required_claim=("tenant=blue",)
    )


GOOD: dict[str, Any] = {"email": "alice@example.com", "email_verified": True, "tenant": "blue"}


def forge(issuer: OIDCIssuer, case: str) -> str:
    published = issuer.published[0]
    claims = issuer.claims(**GOOD)
    if case == "wrong audience":
        return issuer.token(**{**GOOD, "aud": "someone-else"})
    if case == "expired":
        return issuer.token(**{**GOOD, "exp": int(claims["iat"]) - 10})
    if case == "no expiry":
        return issuer.token(**{**GOOD, "exp": None})
    if case == "not yet valid":
        return issuer.token(**{**GOOD, "nbf": int(claims["iat"]) + 3600})
    if case == "alg none":
        return unsigned_token(claims, {"alg": "none", "kid": published.kid})
    if case == "HS256 with a guessable secret":
        # PyJWT warns about the short key; the shortness is the point of this forgery.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            secret = "a shared secret, long enough for HS256 not to warn"
        return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": published.kid})
    if case == "unknown kid with no key":
        return issuer.token(rsa_signing_key("rogue", 7), **GOOD)
    if case == "published kid, other key":
        return issuer.token(rsa_signing_key(published.kid, 7), **GOOD)
    if case == "tampered payload":
        header, _, signature = issuer.token(**GOOD).split(".")
        other = issuer.token(**{**GOOD, "email": "root@example.com"}).split(".")[1]
        return f"{header}.{other}.{signature}"
    if case == "email not verified":
        return issuer.token(**{**GOOD, "email_verified": False})
    if case == "required claim missing":
        return issuer.token(**{**GOOD, "tenant": None})
    if case == "required claim differs":
        return issuer.token(**{**GOOD, "tenant": "red"})
    if case == "another issuer":
        return issuer.token(**{**GOOD, "iss": "https://evil.example"})
    if case == "not a JWT":
        return "opaque-token"
    raise AssertionError(case)


ATTACKS = [
    "wrong audience", "expired", "no expiry", "not yet valid", "alg none", "HS256 with a guessable secret",
    "unknown kid with no key", "published kid, other key", "tampered payload", "email not verified",
    "required claim missing", "required claim differs", "another issuer", "not a JWT",
]


async def test_the_good_token_passes(strict_api: InProcessServer, issuer: OIDCIssuer) -> None:
    user = await whoami(strict_api, issuer.token(**GOOD))
    assert user == {"username": "alice@example.com", "groups": ["system:authenticated"]}
    # email_verified may be absent; only a present false is refused
    assert (await whoami(strict_api, issuer.token(**{**GOOD, "email_verified": None})))["username"] == "alice@example.com"


@pytest.mark.parametrize("case", ATTACKS)
async def test_forged_and_invalid_tokens_get_the_plain_401(
    strict_api: InProcessServer, issuer: OIDCIssuer, case: str
) -> None:
    status, body = await review(strict_api, forge(issuer, case))
    assert (status, body) == (401, UNAUTHORIZED)


# --- keys --------------------------------------------------------------------------------------


async def test_key_rotation_fetches_the_new_keys_once(start_server: StartServer, issuer: OIDCIssuer) -> None:
    api = await oidc_server(start_server, issuer, oidc_username_prefix="-")
    old_token = issuer.token()
    assert (await whoami(api, old_token))["username"] == "alice"
    assert await whoami(api, issuer.token(sub="bob")) == {"username": "bob", "groups": ["system:authenticated"]}
    assert issuer.fetches == {"discovery": 1, "jwks": 1}  # loaded once, then cached

    issuer.publish(rsa_signing_key("key-2024", 3))  # the old key is withdrawn
    assert (await whoami(api, issuer.token(sub="carol")))["username"] == "carol"
    assert issuer.fetches == {"discovery": 1, "jwks": 2}  # the unknown kid made it look again

    # The old key is gone from the fresh set; asking again so soon is rate-limited.
    assert (await review(api, old_token))[0] == 401
    assert (await review(api, issuer.token(rsa_signing_key("made-up", 5))))[0] == 401
    assert issuer.fetches == {"discovery": 1, "jwks": 2}


async def test_made_up_key_ids_cannot_make_kubegate_hammer_the_issuer(
    start_server: StartServer, issuer: OIDCIssuer
) -> None:
    api = await oidc_server(start_server, issuer)
    for number in range(5):
        status, body = await review(api, issuer.token(rsa_signing_key(f"rogue-{number}", 7)))
        assert (status, body) == (401, UNAUTHORIZED)
    assert issuer.fetches == {"discovery": 1, "jwks": 2}  # the first load, one refresh


async def test_concurrent_first_tokens_share_one_discovery(start_server: StartServer, issuer: OIDCIssuer) -> None:
    api = await oidc_server(start_server, issuer)
    users = await asyncio.gather(*(whoami(api, issuer.token(sub=f"user-{n}")) for n in range(6)))
    assert {user["username"] for user in users} == {f"{issuer.url}#user-{n}" for n in range(6)}
    assert issuer.fetches == {"discovery": 1, "jwks": 1}


async def test_unreachable_issuer_means_401_and_the_server_carries_on(
    start_server: StartServer, remote_ca: RemoteCA, admin: Identity
) -> None:
    url = f"https://127.0.0.1:{closed_port()}"
    api = await start_server(oidc_issuer_url=url, oidc_client_id="kubegate", oidc_ca_file=remote_ca.ca_cert)
    token = jwt.encode({"iss": url, "aud": "kubegate", "sub": "x", "exp": 2**31}, rsa_signing_key("k").private, algorithm="RS256")
    for _ in range(2):
        assert await review(api, token) == (401, UNAUTHORIZED)
    assert (await api.request("GET", "/api/v1/namespaces", identity=admin)).status == 200


async def test_discovery_naming_another_issuer_is_not_trusted(start_server: StartServer, issuer: OIDCIssuer) -> None:
    issuer.advertised_issuer = "https://impostor.example"
    api = await oidc_server(start_server, issuer)
    assert await review(api, issuer.token()) == (401, UNAUTHORIZED)
    assert issuer.fetches == {"discovery": 1}


async def test_issuer_with_an_untrusted_certificate_is_not_believed(
    start_server: StartServer, issuer: OIDCIssuer, pki_files: pki.PkiFiles
) -> None:
    api = await start_server(oidc_issuer_url=issuer.url, oidc_client_id="kubegate", oidc_ca_file=pki_files.ca_cert)
    assert await review(api, issuer.token()) == (401, UNAUTHORIZED)
    assert not issuer.fetches  # the TLS handshake failed before any document was read


# --- AuthenticationConfiguration ----------------------------------------------------------------


def authentication_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "authentication-config.yaml"
    path.write_text(text)
    return path


def indent(pem: str) -> str:
    return "\n".join("      " + line for line in pem.strip().splitlines())


async def test_two_issuers_from_an_authentication_configuration(
    start_server: StartServer, remote_ca: RemoteCA, tmp_path: Path
) -> None:
    first, second = await start_issuer(remote_ca, paths=("/tenant-a", "/tenant-b"))
    try:
        ca = indent(remote_ca.ca_cert.read_text())
        path = authentication_config(tmp_path, f"""\
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: {first.url}
    audiences: [kubegate]
    certificateAuthority: |
{ca}
  claimMappings:
    username: {{claim: sub, prefix: "a:"}}
    groups: {{claim: groups, prefix: ""}}
- issuer:
    url: {second.url}
    audiences: [other, kubegate]
    audienceMatchPolicy: MatchAny
    certificateAuthority: |
{ca}
  claimValidationRules:
  - {{claim: tier, requiredValue: gold}}
  claimMappings:
    username: {{claim: email, prefix: ""}}
    uid: {{claim: oid}}
""")
        api = await start_server(authentication_config=path)
        assert await whoami(api, first.token(groups=["red"])) == {
            "username": "a:alice",
            "groups": ["red", "system:authenticated"],
        }
        token = second.token(aud=["other"], email="bob@b.example", tier="gold", oid="u-42")
        assert await whoami(api, token) == {"username": "bob@b.example", "uid": "u-42", "groups": ["system:authenticated"]}
        assert (await review(api, second.token(email="bob@b.example", tier="silver", oid="u-42")))[0] == 401
        # tenant b's key does not vouch for tenant a's tokens
        assert (await review(api, first.token(second.published[0])))[0] == 401
    finally:
        assert first.service is not None
        await first.service.close()


async def test_anonymous_limited_to_the_configured_paths(start_server: StartServer, tmp_path: Path) -> None:
    path = authentication_config(tmp_path, """\
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
""")
    api = await start_server(authentication_config=path)
    assert (await api.request("GET", "/livez", identity=NO_CERT)).status == 200
    response = await api.request("GET", "/version", identity=NO_CERT)
    assert (response.status, response.body) == (401, UNAUTHORIZED)


def test_cel_in_the_configuration_stops_kubegate_serve_with_one_line(tmp_path: Path) -> None:
    path = authentication_config(tmp_path, """\
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
- issuer: {url: "https://issuer.example", audiences: [kubegate]}
  claimMappings:
    username: {expression: "claims.sub + ':external'"}
""")
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--authentication-config", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"kubegate: error: {path}: invalid authentication configuration: "
        "jwt[0].claimMappings.username.expression: Invalid value: \"claims.sub + ':external'\": "
        "CEL expressions are not supported by kubegate; use claim (and prefix) instead\n"
    )


async def test_the_log_says_why_without_the_token(
    strict_api: InProcessServer, issuer: OIDCIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = forge(issuer, "expired")
    with caplog.at_level("INFO", logger="kubegate"):
        assert (await review(strict_api, token))[0] == 401
    assert "oidc: verify token: oidc: token is expired (Token Expiry: " in caplog.text
    assert token not in caplog.text and token.split(".")[2] not in caplog.text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_key_set_retries_a_failed_load_only_after_the_retry_interval(issuer: OIDCIssuer) -> None:
    clock = Clock()
    context = ssl.create_default_context(cafile=str(issuer.ca.ca_cert))
    keys = RemoteKeySet(issuer_url=issuer.url, ssl_context=context, clock=clock)
    issuer.advertised_issuer = "https://impostor.example"
    for _ in range(2):
        with pytest.raises(KeysUnavailable, match="authenticator not initialized"):
            await keys.current()
    assert issuer.fetches == {"discovery": 1}  # the second token did not ask again
    issuer.advertised_issuer = None
    clock.now += 10
    assert [key.kid for key in await keys.current()] == ["key-0"]
    assert issuer.fetches == {"discovery": 2, "jwks": 1}


async def test_key_set_refreshes_at_most_once_per_interval(issuer: OIDCIssuer) -> None:
    clock = Clock()
    context = ssl.create_default_context(cafile=str(issuer.ca.ca_cert))
    keys = RemoteKeySet(issuer_url=issuer.url, ssl_context=context, clock=clock, refresh_interval=10)
    assert await keys.refresh() is None  # nothing to refresh before the first load
    await keys.current()
    issuer.publish(rsa_signing_key("next", 3))
    refreshed = await keys.refresh()
    assert refreshed is not None and [key.kid for key in refreshed] == ["next"]
    assert await keys.refresh() is None
    clock.now += 10
    assert await keys.refresh() is not None
    assert issuer.fetches == {"discovery": 1, "jwks": 3}
