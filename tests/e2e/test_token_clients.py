"""Bearer tokens with real clients: `kubectl auth whoami` (1.32, protobuf) and curl.

One `kubegate serve` with a token file and bootstrap tokens enabled; the admin creates a
ServiceAccount and a bootstrap-token Secret with kubectl, the test signs a ServiceAccount token
with the server's key, and each token user asks who they are.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubegate import pki
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.authn.serviceaccount.keys import load_signing_key
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

STATIC_TOKEN = "static-31d5e2a9b0"
BOOTSTRAP_TOKEN = "abcdef.0123456789abcdef"
API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    home = tmp_path_factory.mktemp("tokens")
    tokens = home / "tokens.csv"
    tokens.write_text(f'{STATIC_TOKEN},alice,uid-alice,"dev,ops"\n')
    with kubegate_serve(home / "pki", "--token-auth-file", str(tokens), "--enable-bootstrap-token-auth") as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path_factory.mktemp("admin-home"))


@pytest.fixture(scope="module")
def sa_token(server: ServerProcess, admin: Kubectl) -> str:
    admin.ok("create", "serviceaccount", "robot")
    uid = admin.ok("get", "serviceaccount", "robot", "-o", "jsonpath={.metadata.uid}")
    issuer = TokenIssuer(issuer=API_AUDIENCE, signing_key=load_signing_key(server.pki_dir / "sa.key"))
    return issuer.issue_bound(namespace="default", service_account=ObjectRef("robot", uid),
                              audiences=(API_AUDIENCE,), expiration_seconds=3600).token


@pytest.fixture(scope="module")
def bootstrap_secret(admin: Kubectl) -> None:
    admin.ok(
        "create", "secret", "generic", "bootstrap-token-abcdef", "-n", "kube-system",
        "--type", "bootstrap.kubernetes.io/token",
        "--from-literal=token-id=abcdef", "--from-literal=token-secret=0123456789abcdef",
        "--from-literal=usage-bootstrap-authentication=true",
        "--from-literal=auth-extra-groups=system:bootstrappers:kubeadm:default-node-token",
    )


def token_kubectl(server: ServerProcess, token: str, home: Path) -> Kubectl:
    config = pki.build_kubeconfig(server_url=server.url, ca_pem=(server.pki_dir / "ca.crt").read_bytes(),
                                  user_name="token-user", token=token)
    path = home / "token.kubeconfig"
    pki.write_kubeconfig(path, config)
    return Kubectl(kubectl_binary("1.32"), path, home)


def whoami_rows(kubectl: Kubectl) -> dict[str, str]:
    lines = kubectl.ok("auth", "whoami").splitlines()
    assert lines[0].split() == ["ATTRIBUTE", "VALUE"]
    rows = {}
    for line in lines[1:]:
        key, _, value = line.partition("   ")
        rows[key.strip()] = value.strip()
    return rows


def test_whoami_with_a_static_token(server: ServerProcess, tmp_path: Path) -> None:
    assert whoami_rows(token_kubectl(server, STATIC_TOKEN, tmp_path)) == {
        "Username": "alice",
        "UID": "uid-alice",
        "Groups": "[dev ops system:authenticated]",
    }


def test_whoami_with_a_service_account_token(server: ServerProcess, sa_token: str, tmp_path: Path) -> None:
    rows = whoami_rows(token_kubectl(server, sa_token, tmp_path))
    assert rows["Username"] == "system:serviceaccount:default:robot"
    assert rows["Groups"] == "[system:serviceaccounts system:serviceaccounts:default system:authenticated]"
    assert rows["Extra: authentication.kubernetes.io/credential-id"].startswith("[JTI=")


def test_whoami_with_a_bootstrap_token(server: ServerProcess, bootstrap_secret: None, tmp_path: Path) -> None:
    assert whoami_rows(token_kubectl(server, BOOTSTRAP_TOKEN, tmp_path)) == {
        "Username": "system:bootstrap:abcdef",
        "Groups": "[system:bootstrappers system:bootstrappers:kubeadm:default-node-token system:authenticated]",
    }


def test_kubectl_with_a_bad_token_is_unauthorized(server: ServerProcess, tmp_path: Path) -> None:
    result = token_kubectl(server, "not-a-token", tmp_path).run("auth", "whoami")
    assert result.returncode == 1
    assert "error: You must be logged in to the server (Unauthorized)" in result.stderr


def curl(server: ServerProcess, path: str, token: str) -> tuple[int, str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(
        ["curl", "-sS", "--cacert", str(server.pki_dir / "ca.crt"), "-H", f"Authorization: Bearer {token}",
         "-X", "POST", "-H", "Content-Type: application/json",
         "-d", '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
         "-w", "\n%{http_code}", f"{server.url}{path}"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    body, _, code = result.stdout.rpartition("\n")
    return int(code), body


@pytest.mark.parametrize("which", ["static", "serviceaccount", "bootstrap", "invalid"])
def test_curl_with_each_kind_of_token(
    server: ServerProcess, sa_token: str, bootstrap_secret: None, which: str
) -> None:
    token, username = {
        "static": (STATIC_TOKEN, "alice"),
        "serviceaccount": (sa_token, "system:serviceaccount:default:robot"),
        "bootstrap": (BOOTSTRAP_TOKEN, "system:bootstrap:abcdef"),
        "invalid": (sa_token[:-4] + "AAAA", ""),
    }[which]
    code, body = curl(server, "/apis/authentication.k8s.io/v1/selfsubjectreviews", token)
    if not username:
        assert (code, json.loads(body)["message"]) == (401, "Unauthorized")
        return
    assert code == 201
    assert json.loads(body)["status"]["userInfo"]["username"] == username


def test_a_malformed_token_file_stops_the_server_with_one_line(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("good,alice,u-1\nonly,two\n")
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--token-auth-file", str(tokens)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"kubegate: error: token file '{tokens}' must have at least 3 columns "
        "(token, user name, user uid), found 2 (line 2)\n"
    )
