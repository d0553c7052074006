"""`kubegate serve --audit-*` with real kubectl and curl: the audit log and /metrics as users see them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  nonResourceURLs: ["/debug/*", "/metrics"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Metadata
"""


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    base = tmp_path_factory.mktemp("audited")
    (base / "policy.yaml").write_text(POLICY)
    log = base / "audit.log"
    with kubegate_serve(
        base / "pki", "--nodes", "0", "--system-workloads", "false",
        "--audit-policy-file", str(base / "policy.yaml"), "--audit-log-path", str(log),
    ) as server:
        yield server, log


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def curl(server: ServerProcess, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    return subprocess.run(
        ["curl", "-sS", "-i", "--cacert", str(server.pki_dir / "ca.crt"), *args, f"{server.url}{path}"],
        capture_output=True, text=True, timeout=30, check=True,
    )


def test_kubectl_get_pods_shows_in_metrics_and_the_log(audited: tuple[ServerProcess, Path], tmp_path: Path) -> None:
    server, log = audited
    kubectl = Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)
    kubectl.ok("get", "pods")
    kubectl.ok("create", "configmap", "settings", "--from-literal=mode=fast")
    metrics = kubectl.ok("get", "--raw", "/metrics")
    listed = [
        line for line in metrics.splitlines()
        if line.startswith("apiserver_request_total{") and 'verb="LIST"' in line and 'resource="pods"' in line
    ]
    assert listed, metrics[:2000]
    assert re.search(r'code="200",component="apiserver",dry_run="",group="",resource="pods",'
                     r'scope="namespace",subresource="",verb="LIST",version="v1"} [1-9]', listed[0])
    assert "# HELP apiserver_request_duration_seconds [STABLE]" in metrics
    logged = events(log)
    lists = [e for e in logged if e["verb"] == "list" and e["requestURI"].startswith("/api/v1/namespaces/default/pods")]
    assert lists and lists[0]["userAgent"].startswith("kubectl")  # type: ignore[union-attr]
    assert all(e["stage"] != "RequestReceived" for e in logged)
    assert not [e for e in logged if str(e["requestURI"]).startswith("/metrics")]
    [created] = [e for e in logged if e["verb"] == "create" and e["objectRef"]["resource"] == "configmaps"]  # type: ignore[index]
    assert created["requestObject"]["data"] == {"mode": "fast"}  # type: ignore[index]
    assert created["responseObject"]["metadata"]["name"] == "settings"  # type: ignore[index]


def test_curl_anonymous_metrics_is_forbidden_and_audited(audited: tuple[ServerProcess, Path]) -> None:
    server, log = audited
    answer = curl(server, "/metrics")
    head, _, body = answer.stdout.partition("\n\n")  # text mode has turned CRLF into LF
    assert head.startswith(("HTTP/1.1 403", "HTTP/2 403"))
    audit_id = re.search(r"^audit-id: (\S+)", head, re.IGNORECASE | re.MULTILINE)
    assert audit_id is not None
    assert json.loads(body)["message"] == 'forbidden: User "system:anonymous" cannot get path "/metrics"'
    # the /metrics rule is None for everyone: nothing was written for it
    assert [e for e in events(log) if e["auditID"] == audit_id.group(1)] == []


def test_a_forbidden_kubectl_user_is_logged_with_decision_forbid(audited: tuple[ServerProcess, Path], tmp_path: Path) -> None:
    server, log = audited
    made = subprocess.run(
        [sys.executable, "-m", "kubegate", "kubeconfig", "--user", "mallory", "--pki-dir", str(server.pki_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    kubectl = Kubectl(kubectl_binary("1.32"), Path(made.stdout.strip()), tmp_path)
    refused = kubectl.run("get", "secrets", "-n", "kube-system")
    assert refused.returncode == 1
    assert 'User "mallory" cannot list resource "secrets"' in refused.stderr
    lines = [line for line in log.read_text().splitlines() if '"username":"mallory"' in line and "secrets" in line]
    assert lines and '"authorization.k8s.io/decision":"forbid"' in lines[-1]
    event = json.loads(lines[-1])
    assert event["responseStatus"]["code"] == 403
    assert event["objectRef"] == {"resource": "secrets", "namespace": "kube-system", "apiVersion": "v1"}


def test_a_bad_policy_file_is_one_line_at_start(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n")
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--nodes", "0", "--audit-policy-file", str(policy), "--audit-log-path", "-"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [(
        'kubegate: error: loading audit policy file: rules[0].level: Unsupported value: "Everything": supported '
        f'values: "None", "Metadata", "Request", "RequestResponse": from file {policy}'
    )]
