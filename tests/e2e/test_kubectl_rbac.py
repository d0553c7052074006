"""Issue 4's acceptance scenario with real kubectl 1.32: a ServiceAccount bound to a Role.

The admin creates namespace `mynamespace`, ServiceAccount `myuser`, a Role that reads pods and a
RoleBinding to the ServiceAccount and to User `myotheruser`; a client certificate then speaks as
the ServiceAccount, and kubectl shows exactly what a real cluster refuses and allows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

SA_USER = "system:serviceaccount:mynamespace:myuser"


def issue(server: ServerProcess, out: Path, user: str, *groups: str) -> Path:
    flags = [arg for group in groups for arg in ("--group", group)]
    subprocess.run(
        [sys.executable, "-m", "kubegate", "kubeconfig", "--user", user, *flags,
         "--pki-dir", str(server.pki_dir), "--server", server.url, "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def scenario(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> ServerProcess:
    admin = Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path_factory.mktemp("admin-home"))
    admin.ok("create", "namespace", "mynamespace")
    admin.ok("create", "serviceaccount", "myuser", "-n", "mynamespace")
    admin.ok("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods", "-n", "mynamespace")
    admin.ok("create", "rolebinding", "read-pods", "--role=pod-reader", "--serviceaccount=mynamespace:myuser",
             "--user=myotheruser", "-n", "mynamespace")  # fmt: skip
    return server


def as_user(server: ServerProcess, home: Path, user: str, *groups: str) -> Kubectl:
    home.mkdir(parents=True, exist_ok=True)
    kubeconfig = issue(server, home / "user.kubeconfig", user, *groups)
    return Kubectl(kubectl_binary("1.32"), kubeconfig, home)


def test_service_account_sees_exactly_the_real_forbidden_lines(scenario: ServerProcess, tmp_path: Path) -> None:
    kubectl = as_user(scenario, tmp_path, SA_USER, "system:serviceaccounts", "system:serviceaccounts:mynamespace")
    result = kubectl.run("get", "all", "-n", "default")
    assert result.returncode == 1
    refused = [
        ("pods", ""), ("replicationcontrollers", ""), ("services", ""), ("daemonsets", "apps"),
        ("deployments", "apps"), ("replicasets", "apps"), ("statefulsets", "apps"),
        ("horizontalpodautoscalers", "autoscaling"), ("cronjobs", "batch"), ("jobs", "batch"),
    ]  # fmt: skip
    assert result.stderr.splitlines() == [
        f"Error from server (Forbidden): {resource}{'.' + group if group else ''} is forbidden: "
        f'User "{SA_USER}" cannot list resource "{resource}" in API group "{group}" in the namespace "default"'
        for resource, group in refused
    ]
    listed = kubectl.run("get", "pods", "-n", "mynamespace")
    assert (listed.returncode, listed.stderr.strip()) == (0, "No resources found in mynamespace namespace.")


def test_the_other_subject_of_the_binding_reads_pods_too(scenario: ServerProcess, tmp_path: Path) -> None:
    kubectl = as_user(scenario, tmp_path, "myotheruser")
    assert kubectl.run("get", "pods", "-n", "mynamespace").returncode == 0
    refused = kubectl.run("auth", "can-i", "delete", "pods", "-n", "mynamespace")
    assert (refused.returncode, refused.stdout) == (1, "no\n")


def test_kubectl_create_role_beyond_ones_rights_is_refused(scenario: ServerProcess, tmp_path: Path) -> None:
    admin = Kubectl(kubectl_binary("1.32"), scenario.kubeconfig, tmp_path / "admin")
    admin.ok("create", "rolebinding", "carol-admin", "--clusterrole=admin", "--user=carol", "-n", "mynamespace")
    carol = as_user(scenario, tmp_path / "carol", "carol", "dev")
    result = carol.run("create", "role", "node-reader", "--verb=get", "--resource=nodes", "-n", "mynamespace")
    assert result.returncode == 1
    assert result.stderr == (
        'Error from server (Forbidden): roles.rbac.authorization.k8s.io "node-reader" is forbidden: '
        'user "carol" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not '
        'currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}\n'
    )
    assert "role.rbac.authorization.k8s.io/pod-lister created" in carol.ok(
        "create", "role", "pod-lister", "--verb=list", "--resource=pods", "-n", "mynamespace"
    )


def test_anonymous_curl(scenario: ServerProcess) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")

    def curl(path: str) -> tuple[int, str]:
        result = subprocess.run(
            ["curl", "-sS", "--cacert", str(scenario.pki_dir / "ca.crt"), "-w", "\n%{http_code}", scenario.url + path],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        body, _, code = result.stdout.rpartition("\n")
        return int(code), body

    assert curl("/") == (403, json.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'forbidden: User "system:anonymous" cannot get path "/"', "reason": "Forbidden",
        "details": {}, "code": 403,
    }, separators=(",", ":")) + "\n")  # fmt: skip  (the real encoder ends every JSON body with a newline)
    assert curl("/healthz") == (200, "ok")
    assert curl("/version")[0] == 200
