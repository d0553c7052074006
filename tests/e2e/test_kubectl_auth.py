"""Real kubectl: `auth can-i` (yes/no, reasons, --list), `--as` impersonation, curl reviews."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

POLICY = """\
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: apps}
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  resourceNames: ["web"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-read, namespace: apps}
subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: Namespace
metadata: {name: haunted}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ghost, namespace: haunted}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: ghost, apiGroup: rbac.authorization.k8s.io}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--authorization-mode=RBAC") as running:
        admin = Kubectl(kubectl_binary("1.32"), running.kubeconfig, tmp_path_factory.mktemp("admin-home"))
        admin.ok("apply", "-f", "-", input=POLICY)
        yield running


@pytest.fixture(scope="module")
def alice_kubeconfig(server: ServerProcess) -> Path:
    made = subprocess.run(
        [sys.executable, "-m", "kubegate", "kubeconfig", "--user", "alice", "--group", "dev",
         "--pki-dir", str(server.pki_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return Path(made.stdout.strip())


@pytest.fixture
def admin(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


@pytest.fixture
def alice(alice_kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), alice_kubeconfig, tmp_path)


def answer(kubectl: Kubectl, *args: str) -> tuple[int, str]:
    result = kubectl.run("auth", "can-i", *args)
    return result.returncode, result.stdout.strip()


def test_can_i_says_yes_and_no_with_exit_codes(admin: Kubectl, alice: Kubectl) -> None:
    assert answer(admin, "delete", "nodes") == (0, "yes")
    assert answer(alice, "list", "pods", "-n", "apps") == (0, "yes")
    assert answer(alice, "delete", "pods", "-n", "apps") == (1, "no")


def test_can_i_prints_the_reason_after_no(alice: Kubectl) -> None:
    assert answer(alice, "get", "pods", "-n", "haunted") == (
        1, 'no - RBAC: role.rbac.authorization.k8s.io "ghost" not found'
    )


def test_can_i_subresources_and_names(alice: Kubectl) -> None:
    assert answer(alice, "get", "pods", "--subresource=log", "-n", "apps") == (0, "yes")
    assert answer(alice, "create", "pods", "--subresource=exec", "-n", "apps") == (1, "no")
    assert answer(alice, "get", "deployments.apps/web", "-n", "apps") == (0, "yes")
    assert answer(alice, "get", "deployments.apps/api", "-n", "apps") == (1, "no")


def test_can_i_non_resource_urls(alice: Kubectl) -> None:
    assert answer(alice, "get", "/healthz") == (0, "yes")
    assert answer(alice, "get", "/metrics") == (1, "no")


def test_can_i_list_prints_the_rules_table(alice: Kubectl) -> None:
    out = alice.ok("auth", "can-i", "--list", "-n", "apps")
    lines = out.splitlines()
    assert lines[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    rows = [line.split() for line in lines[1:]]
    assert ["pods/log", "[]", "[]", "[get", "list]"] in rows
    assert ["pods", "[]", "[]", "[get", "list]"] in rows
    assert ["deployments.apps", "[]", "[web]", "[get]"] in rows
    assert ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"] in rows
    assert ["[/healthz]", "[]", "[get]"] in rows
    elsewhere = alice.ok("auth", "can-i", "--list", "-n", "default")
    assert "pods/log" not in elsewhere


def test_can_i_list_for_the_admin_is_everything(admin: Kubectl) -> None:
    rows = [line.split() for line in admin.ok("auth", "can-i", "--list").splitlines()[1:]]
    assert rows[:2] == [["*.*", "[]", "[]", "[*]"], ["[*]", "[]", "[*]"]]


def test_as_and_as_group_change_who_asks(admin: Kubectl) -> None:
    out = admin.ok("auth", "whoami", "--as=bob", "--as-group=dev", "--as-group=ops")
    rows = {line.split()[0]: line.split(None, 1)[1].strip() for line in out.splitlines()[1:]}
    assert rows == {"Username": "bob", "Groups": "[dev ops system:authenticated]"}
    assert answer(admin, "list", "pods", "-n", "apps", "--as=bob") == (1, "no")
    assert answer(admin, "list", "pods", "-n", "apps", "--as=bob", "--as-group=dev") == (0, "yes")
    result = admin.run("get", "pods", "-n", "apps", "--as=bob")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" '
        'in API group "" in the namespace "apps"'
    )


def test_impersonating_a_service_account(admin: Kubectl) -> None:
    out = admin.ok("auth", "whoami", "--as=system:serviceaccount:apps:robot")
    rows = {line.split()[0]: line.split(None, 1)[1].strip() for line in out.splitlines()[1:]}
    assert rows["Username"] == "system:serviceaccount:apps:robot"
    assert rows["Groups"] == "[system:serviceaccounts system:serviceaccounts:apps system:authenticated]"


def test_impersonation_without_the_right_is_the_real_403(alice: Kubectl) -> None:
    # with a cold cache kubectl's own discovery is refused first and prints only "unknown", as
    # against a real cluster; a warm cache lets the 403 of the request itself through
    alice.ok("get", "pods", "-n", "apps")
    result = alice.run("get", "pods", "--as=bob")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource '
        '"users" in API group "" at the cluster scope'
    )


def test_kubectl_131_asks_in_json_and_gets_the_same_answers(alice_kubeconfig: Path, tmp_path: Path) -> None:
    alice = Kubectl(kubectl_binary("1.31"), alice_kubeconfig, tmp_path)
    assert answer(alice, "list", "pods", "-n", "apps") == (0, "yes")
    assert answer(alice, "get", "pods", "-n", "haunted") == (
        1, 'no - RBAC: role.rbac.authorization.k8s.io "ghost" not found'
    )
    assert "pods/log" in alice.ok("auth", "can-i", "--list", "-n", "apps")


def curl_post(server: ServerProcess, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    pki = server.pki_dir
    result = subprocess.run(
        ["curl", "-sS", "--cacert", str(pki / "ca.crt"), "--cert", str(pki / "admin.crt"),
         "--key", str(pki / "admin.key"), "-H", "Content-Type: application/json", "-X", "POST",
         "--data-binary", json.dumps(body), "-w", "\n%{http_code}", f"{server.url}{path}"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    text, _, code = result.stdout.rpartition("\n")
    return int(code), json.loads(text)


def test_curl_subject_access_reviews(server: ServerProcess) -> None:
    spec = {"resourceAttributes": {"namespace": "apps", "verb": "list", "resource": "pods"}, "user": "erin",
            "groups": ["dev"]}
    code, body = curl_post(server, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                           {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
    assert code == 201
    assert body["status"] == {
        "allowed": True, "reason": 'RBAC: allowed by RoleBinding "devs-read/apps" of Role "pod-reader" to Group "dev"',
    }
    code, body = curl_post(server, "/apis/authorization.k8s.io/v1/namespaces/apps/localsubjectaccessreviews",
                           {"kind": "LocalSubjectAccessReview", "spec": {**spec, "user": "erin", "groups": []}})
    assert (code, body["metadata"], body["status"]) == (
        201, {"namespace": "apps", "creationTimestamp": None}, {"allowed": False}
    )
