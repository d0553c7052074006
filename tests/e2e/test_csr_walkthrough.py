"""The client-certificate tutorial, replayed with real openssl, kubectl and curl.

openssl makes a key and a request for /CN=testing-user/O=testing-group; kubectl submits it as a
CertificateSigningRequest and approves it; the certificate read back with `-o jsonpath` and
`base64 -d` goes into a hand-built kubeconfig and into curl, which both authenticate as
testing-user, and RBAC applies to that user. Around it: deny, an approver without the right on
the signer, and a kubelet-serving request the signer fails.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.csrs import request_pem
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

FORBIDDEN_PODS = (
    'Error from server (Forbidden): pods is forbidden: User "testing-user" cannot list resource "pods" '
    'in API group "" in the namespace "default"\n'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture
def admin(server: ServerProcess, tmp_path: Path) -> Kubectl:
    """The dispatcher on PATH, as the tutorials call it (it picks 1.32 from /version)."""
    return Kubectl(kubectl_binary(), server.kubeconfig, tmp_path / "admin-home")


def run(*cmd: str, cwd: Path, input: bytes | None = None) -> bytes:
    return subprocess.run(cmd, cwd=cwd, input=input, capture_output=True, check=True, timeout=60).stdout


def manifest(name: str, request_b64: str, *, signer: str, usages: list[str], seconds: int | None = None) -> str:
    spec: dict[str, object] = {"request": request_b64, "signerName": signer, "usages": usages}
    if seconds is not None:
        spec["expirationSeconds"] = seconds
    return json.dumps({
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": name}, "spec": spec,
    })  # fmt: skip


def csr_row(kubectl: Kubectl, name: str) -> list[str]:
    header, row = kubectl.ok("get", "csr", name).splitlines()
    assert header.split() == ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"]
    return row.split()


def test_a_client_certificate_from_openssl_to_rbac(server: ServerProcess, admin: Kubectl, tmp_path: Path) -> None:
    run("openssl", "genrsa", "-out", "testing-user.key", "2048", cwd=tmp_path)
    run("openssl", "req", "-new", "-key", "testing-user.key", "-out", "testing-user.csr",
        "-subj", "/CN=testing-user/O=testing-group", cwd=tmp_path)  # fmt: skip
    request = run("base64", "-w0", "testing-user.csr", cwd=tmp_path).decode()
    (tmp_path / "csr.json").write_text(manifest(
        "testing-user", request, signer="kubernetes.io/kube-apiserver-client", usages=["client auth"], seconds=86400
    ))  # fmt: skip

    assert admin.ok("apply", "-f", str(tmp_path / "csr.json")) == (
        "certificatesigningrequest.certificates.k8s.io/testing-user created\n"
    )
    name, _, signer, requestor, duration, condition = csr_row(admin, "testing-user")
    assert (name, signer, requestor, duration, condition) == (
        "testing-user", "kubernetes.io/kube-apiserver-client", "kubernetes-admin", "24h", "Pending",
    )
    assert admin.ok("certificate", "approve", "testing-user") == (
        "certificatesigningrequest.certificates.k8s.io/testing-user approved\n"
    )
    assert csr_row(admin, "testing-user")[-1] == "Approved,Issued"

    encoded = admin.ok("get", "csr", "testing-user", "-o", "jsonpath={.status.certificate}")
    (tmp_path / "testing-user.crt").write_bytes(run("base64", "-d", cwd=tmp_path, input=encoded.encode()))
    subject = run("openssl", "x509", "-noout", "-subject", "-in", "testing-user.crt", cwd=tmp_path)
    assert subject == b"subject=O = testing-group, CN = testing-user\n"

    ca_data = admin.ok("config", "view", "--raw", "--minify", "-o",
                       "jsonpath={.clusters[0].cluster.certificate-authority-data}")  # fmt: skip
    (tmp_path / "ca.crt").write_bytes(run("base64", "-d", cwd=tmp_path, input=ca_data.encode()))
    user = Kubectl(admin.binary, tmp_path / "testing-user.kubeconfig", tmp_path / "user-home")
    user.ok("config", "set-cluster", "kubegate", f"--server={server.url}",
            f"--certificate-authority={tmp_path / 'ca.crt'}", "--embed-certs")
    user.ok("config", "set-credentials", "testing-user", f"--client-certificate={tmp_path / 'testing-user.crt'}",
            f"--client-key={tmp_path / 'testing-user.key'}", "--embed-certs=true")
    user.ok("config", "set-context", "testing-user", "--cluster=kubegate", "--user=testing-user")
    user.ok("config", "use-context", "testing-user")  # fmt: skip

    whoami = {line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in user.ok("auth", "whoami").splitlines()[1:3]}
    assert whoami == {"Username": "testing-user", "Groups": "[testing-group system:authenticated]"}
    denied = user.run("get", "pods")
    assert (denied.returncode, denied.stderr) == (1, FORBIDDEN_PODS)

    def curl(path: str) -> tuple[str, dict[str, object]]:
        out = run("curl", "-s", "-w", "\n%{http_code}", "--cert", "testing-user.crt", "--key", "testing-user.key",
                  "--cacert", "ca.crt", server.url + path, cwd=tmp_path).decode()  # fmt: skip
        body, code = out.rsplit("\n", 1)
        return code, json.loads(body)

    code, groups = curl("/apis/")
    assert (code, groups["kind"]) == ("200", "APIGroupList")
    code, status = curl("/api/v1/namespaces/default/pods")
    assert (code, status["message"]) == ("403", FORBIDDEN_PODS.split(": ", 1)[1].rstrip("\n"))

    admin.ok("create", "rolebinding", "testing-group-view", "--clusterrole=view", "--group=testing-group", "-n", "default")
    allowed = user.run("get", "pods")
    assert (allowed.returncode, allowed.stderr) == (0, "No resources found in default namespace.\n")
    code, pods = curl("/api/v1/namespaces/default/pods")
    assert (code, pods["kind"]) == ("200", "PodList")


def _submit(kubectl: Kubectl, name: str, pem: bytes, *, signer: str, usages: list[str]) -> None:
    body = manifest(name, base64.b64encode(pem).decode(), signer=signer, usages=usages)
    assert kubectl.ok("create", "-f", "-", input=body) == f"certificatesigningrequest.certificates.k8s.io/{name} created\n"


def test_a_denied_request_stays_unsigned(admin: Kubectl) -> None:
    _submit(admin, "deny-me", request_pem("someone"), signer="kubernetes.io/kube-apiserver-client", usages=["client auth"])
    assert admin.ok("certificate", "deny", "deny-me") == "certificatesigningrequest.certificates.k8s.io/deny-me denied\n"
    assert csr_row(admin, "deny-me")[-1] == "Denied"
    assert admin.ok("get", "csr", "deny-me", "-o", "jsonpath={.status.certificate}") == ""
    again = admin.run("certificate", "approve", "deny-me")
    assert (again.returncode, again.stderr) == (1, 'error: certificate signing request "deny-me" is already Denied\n')


def test_approving_without_approve_on_the_signer_is_forbidden(
    server: ServerProcess, admin: Kubectl, tmp_path: Path
) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "kubegate", "kubeconfig", "--user", "bob", "--pki-dir", str(server.pki_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    admin.ok("create", "clusterrole", "csr-approval-writer", "--verb=get,list,update",
             "--resource=certificatesigningrequests,certificatesigningrequests/approval")
    admin.ok("create", "clusterrolebinding", "bob-csr", "--clusterrole=csr-approval-writer", "--user=bob")  # fmt: skip
    _submit(admin, "for-bob", request_pem("someone"), signer="kubernetes.io/kube-apiserver-client", usages=["client auth"])
    bob = Kubectl(kubectl_binary("1.32"), Path(made.stdout.strip()), tmp_path / "bob-home")
    refused = bob.run("certificate", "approve", "for-bob")
    assert (refused.returncode, refused.stderr) == (1, (
        'Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io "for-bob" is forbidden: '
        'user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"\n'
    ))  # fmt: skip
    assert csr_row(admin, "for-bob")[-1] == "Pending"


def test_a_kubelet_serving_request_for_a_non_node_fails(admin: Kubectl) -> None:
    pem = request_pem("not-a-node", ["system:nodes"], dns_names=["node1.example"])
    _submit(admin, "serving", pem, signer="kubernetes.io/kubelet-serving",
            usages=["digital signature", "key encipherment", "server auth"])  # fmt: skip
    assert admin.ok("certificate", "approve", "serving") == "certificatesigningrequest.certificates.k8s.io/serving approved\n"
    assert csr_row(admin, "serving")[-1] == "Approved,Failed"
    failed = admin.ok("get", "csr", "serving", "-o", 'jsonpath={.status.conditions[?(@.type=="Failed")].message}')
    assert failed == "subject common name does not begin with system:node:"


def test_kubectl_1_31_approves_with_a_json_body(server: ServerProcess, tmp_path: Path) -> None:
    old = Kubectl(kubectl_binary("1.31"), server.kubeconfig, tmp_path)
    _submit(old, "from-131", request_pem("someone"), signer="kubernetes.io/kube-apiserver-client", usages=["client auth"])
    assert old.ok("certificate", "approve", "from-131") == "certificatesigningrequest.certificates.k8s.io/from-131 approved\n"
    assert csr_row(old, "from-131")[-1] == "Approved,Issued"
