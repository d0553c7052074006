"""The ServiceAccount walkthroughs of the usual tutorials, replayed with real kubectl and curl.

1. Before 1.24 (`--legacy-service-account-token-secrets`): create a ServiceAccount, read its
   token and CA from the Secret listed in `.secrets`, call the API with curl, then build a
   kubeconfig by hand with `kubectl config` and watch RBAC apply to it.
2. Since 1.24: `kubectl create token` (kubectl 1.32 sends it as protobuf), with audiences, a
   duration and a bound Pod; allowed where a RoleBinding grants, Forbidden elsewhere, 401 once
   the bound Pod is deleted.
3. Expiry, against an in-process server whose clock the test moves: no waiting an hour.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from kubegate.api.clock import FakeClock, installed
from tests.support.inprocess import start_in_process
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

pytestmark = pytest.mark.kubectl

API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)\n"


def forbidden_pods(user: str, namespace: str) -> str:
    return (f'Error from server (Forbidden): pods is forbidden: User "{user}" cannot list resource "pods" '
            f'in API group "" in the namespace "{namespace}"\n')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--legacy-service-account-token-secrets") as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path_factory.mktemp("admin-home"))


def sh(kubectl: Kubectl, script: str, cwd: Path) -> str:
    """Run a tutorial's shell lines with the admin's kubectl environment; their stdout."""
    env = {**kubectl.env(), "PATH": f"{Path(kubectl.binary).parent}:/usr/bin:/bin"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, check=False,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def curl(url: str, ca: Path, token: str) -> tuple[int, str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(
        ["curl", "-sS", "--cacert", str(ca), "-H", f"Authorization: Bearer {token}", "-w", "\n%{http_code}", url],
        capture_output=True, text=True, timeout=30, check=True,
    )
    body, _, code = result.stdout.rpartition("\n")
    return int(code), body


def token_kubectl(url: str, ca_pem: bytes, token: str, home: Path) -> Kubectl:
    config = pki.build_kubeconfig(server_url=url, ca_pem=ca_pem, user_name="sa", token=token)
    pki.write_kubeconfig(home / "sa.kubeconfig", config)
    return Kubectl(kubectl_binary("1.32"), home / "sa.kubeconfig", home)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def whoami(kubectl: Kubectl) -> dict[str, str]:
    rows = {}
    for line in kubectl.ok("auth", "whoami").splitlines()[1:]:
        key, _, value = line.partition("   ")
        rows[key.strip()] = value.strip()
    return rows


# 1. token Secrets, as before 1.24 -----------------------------------------------------------


def test_a_legacy_token_secret_drives_curl_and_a_hand_made_kubeconfig(
    server: ServerProcess, admin: Kubectl, tmp_path: Path
) -> None:
    admin.ok("create", "serviceaccount", "build-robot")
    secret = sh(admin, """
        SECRET=$(kubectl get serviceaccount build-robot -o jsonpath='{.secrets[0].name}')
        kubectl get secret "$SECRET" -o jsonpath='{.data.token}' | base64 -d > token
        kubectl get secret "$SECRET" -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt
        echo -n "$SECRET"
    """, tmp_path)
    assert secret.startswith("build-robot-token-")
    token = (tmp_path / "token").read_text()
    assert (tmp_path / "ca.crt").read_bytes() == (server.pki_dir / "ca.crt").read_bytes()
    code, body = curl(f"{server.url}/apis/", tmp_path / "ca.crt", token)
    assert code == 200 and json.loads(body)["kind"] == "APIGroupList"

    sh(admin, f"""
        kubectl config set-cluster kubegate --server={server.url} --certificate-authority=ca.crt --kubeconfig=robot.kubeconfig
        kubectl config set-credentials build-robot --token="$(cat token)" --kubeconfig=robot.kubeconfig
        kubectl config set-context robot --cluster=kubegate --user=build-robot --namespace=default --kubeconfig=robot.kubeconfig
        kubectl config use-context robot --kubeconfig=robot.kubeconfig
    """, tmp_path)
    robot = Kubectl(kubectl_binary("1.32"), tmp_path / "robot.kubeconfig", tmp_path)
    rows = whoami(robot)
    assert rows["Username"] == "system:serviceaccount:default:build-robot"
    assert rows["Groups"] == "[system:serviceaccounts system:serviceaccounts:default system:authenticated]"
    denied = robot.run("get", "pods")
    assert (denied.returncode, denied.stderr) == (1, forbidden_pods("system:serviceaccount:default:build-robot", "default"))
    admin.ok("create", "rolebinding", "build-robot-view", "--clusterrole=view", "--serviceaccount=default:build-robot")
    allowed = robot.run("get", "pods")
    assert (allowed.returncode, allowed.stderr) == (0, "No resources found in default namespace.\n")

    admin.ok("delete", "serviceaccount", "build-robot")  # its token Secret goes with it, and the token
    assert admin.run("get", "secret", secret).stderr == f'Error from server (NotFound): secrets "{secret}" not found\n'
    assert robot.run("get", "pods").stderr == UNAUTHORIZED


def test_a_new_namespace_gets_its_default_account_and_root_ca(
    server: ServerProcess, admin: Kubectl
) -> None:
    admin.ok("create", "namespace", "fresh")
    assert admin.ok("get", "serviceaccounts", "-n", "fresh", "-o", "name") == "serviceaccount/default\n"
    ca = admin.ok("get", "configmap", "kube-root-ca.crt", "-n", "fresh", "-o", "jsonpath={.data.ca\\.crt}")
    assert ca == (server.pki_dir / "ca.crt").read_text()
    listed = admin.ok("get", "serviceaccount", "default", "-n", "fresh")
    assert listed.split("\n")[1].split()[:2] == ["default", "1"]  # SECRETS 1: its legacy token


# 2. kubectl create token ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot(admin: Kubectl) -> str:
    """ServiceAccount team/bot, allowed to read pods in team only."""
    admin.ok("create", "namespace", "team")
    admin.ok("create", "serviceaccount", "bot", "-n", "team")
    admin.ok("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods", "-n", "team")
    admin.ok("create", "rolebinding", "bot-reads-pods", "--role=pod-reader", "--serviceaccount=team:bot", "-n", "team")
    return "system:serviceaccount:team:bot"


def test_create_token_is_allowed_where_bound_and_forbidden_elsewhere(
    server: ServerProcess, admin: Kubectl, bot: str, tmp_path: Path
) -> None:
    token = admin.ok("create", "token", "bot", "-n", "team")
    assert "\n" not in token  # kubectl prints the bare token when stdout is not a terminal
    payload = claims(token)
    assert (payload["aud"], payload["exp"] - payload["iat"]) == ([API_AUDIENCE], 3600)
    user = token_kubectl(server.url, (server.pki_dir / "ca.crt").read_bytes(), token, tmp_path)
    inside = user.run("get", "pods", "-n", "team")
    assert (inside.returncode, inside.stderr) == (0, "No resources found in team namespace.\n")
    outside = user.run("get", "pods", "-n", "default")
    assert (outside.returncode, outside.stderr) == (1, forbidden_pods(bot, "default"))


def test_create_token_with_audiences_and_a_duration(admin: Kubectl, bot: str) -> None:
    token = admin.ok("create", "token", "bot", "-n", "team", "--duration", "10m",
                     "--audience", API_AUDIENCE, "--audience", "vault")
    payload = claims(token)
    assert payload["aud"] == [API_AUDIENCE, "vault"]
    assert payload["exp"] - payload["iat"] == 600
    too_short = admin.run("create", "token", "bot", "-n", "team", "--duration", "5m")
    assert (too_short.returncode, too_short.stderr) == (1, (
        'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: '
        "spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes\n"
    ))
    missing = admin.run("create", "token", "ghost", "-n", "team")
    assert missing.stderr == 'error: failed to create token: serviceaccounts "ghost" not found\n'


def test_a_pod_bound_token_dies_with_its_pod(server: ServerProcess, admin: Kubectl, bot: str, tmp_path: Path) -> None:
    admin.ok("run", "web", "-n", "team", "--image=nginx", '--overrides={"spec":{"serviceAccountName":"bot"}}')
    token = admin.ok("create", "token", "bot", "-n", "team", "--bound-object-kind", "Pod", "--bound-object-name", "web")
    assert claims(token)["kubernetes.io"]["pod"]["name"] == "web"
    user = token_kubectl(server.url, (server.pki_dir / "ca.crt").read_bytes(), token, tmp_path)
    assert user.ok("get", "pods", "-n", "team", "-o", "name") == "pod/web\n"
    wrong = admin.run("create", "token", "default", "-n", "team", "--bound-object-kind", "Pod", "--bound-object-name", "web")
    assert wrong.stderr == ('error: failed to create token: cannot bind token for serviceaccount "default" '
                            "to pod running with different serviceaccount name.\n")
    admin.ok("delete", "pod", "web", "-n", "team")
    gone = user.run("get", "pods", "-n", "team")
    assert (gone.returncode, gone.stderr) == (1, UNAUTHORIZED)


def test_the_pod_records_its_token_volume(admin: Kubectl, bot: str) -> None:
    admin.ok("run", "api-client", "-n", "team", "--image=busybox")
    spec = json.loads(admin.ok("get", "pod", "api-client", "-n", "team", "-o", "json"))["spec"]
    assert spec["serviceAccountName"] == "default"
    [volume] = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-")
    assert [list(source) for source in volume["projected"]["sources"]] == [["serviceAccountToken"], ["configMap"], ["downwardAPI"]]
    assert spec["containers"][0]["volumeMounts"] == [
        {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": volume["name"], "readOnly": True},
    ]
    missing = admin.run("run", "x", "-n", "team", "--image=nginx", '--overrides={"spec":{"serviceAccountName":"ghost"}}')
    assert missing.stderr == ('Error from server (Forbidden): pods "x" is forbidden: error looking up service account '
                              'team/ghost: serviceaccount "ghost" not found\n')


# 3. expiry, with a clock the test moves -----------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    with installed(fake):
        yield fake


async def test_a_created_token_is_refused_once_expired(tmp_path: Path, clock: FakeClock) -> None:
    files = pki.ensure_pki(tmp_path / "pki", server_url="https://127.0.0.1:6443")
    api = await start_in_process(files)
    try:
        admin_config = pki.build_kubeconfig(
            server_url=api.url, ca_pem=files.ca_cert.read_bytes(), user_name="admin",
            client_cert_pem=files.admin_cert.read_bytes(), client_key_pem=files.admin_key.read_bytes(),
        )
        pki.write_kubeconfig(tmp_path / "admin.kubeconfig", admin_config)
        (tmp_path / "admin").mkdir()
        (tmp_path / "robot").mkdir()
        admin = Kubectl(kubectl_binary("1.32"), tmp_path / "admin.kubeconfig", tmp_path / "admin")
        await asyncio.to_thread(admin.ok, "create", "serviceaccount", "robot")
        await asyncio.to_thread(admin.ok, "create", "clusterrolebinding", "robot-view",
                                "--clusterrole=view", "--serviceaccount=default:robot")
        token = await asyncio.to_thread(admin.ok, "create", "token", "robot", "--duration", "10m")
        user = token_kubectl(api.url, files.ca_cert.read_bytes(), token, tmp_path / "robot")
        listed = await asyncio.to_thread(user.run, "get", "serviceaccounts")
        assert listed.returncode == 0 and listed.stdout.split()[:2] == ["NAME", "SECRETS"]
        clock.advance(seconds=10 * 60 + 61)  # past the expiry and go-jose's minute of leeway
        expired = await asyncio.to_thread(user.run, "get", "serviceaccounts")
        assert (expired.returncode, expired.stderr) == (1, UNAUTHORIZED)
    finally:
        await api.close()
