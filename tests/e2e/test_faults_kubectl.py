"""`kubegate serve --faults FILE` with real kubectl: client-go retries a 429, prints a 500's reason."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import kubegate_serve

FAULTS = """\
faults:
- match: {verb: list, resource: pods}
  respond: {code: 429, retryAfterSeconds: 1}
  times: 2
- match: {verb: get, resource: configmaps, name: flaky}
  respond: {code: 500}
"""


def test_kubectl_rides_out_throttling_and_reports_an_internal_error(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(FAULTS)
    with kubegate_serve(tmp_path / "pki", "--faults", str(faults)) as server:
        kubectl = Kubectl(kubectl_binary(), server.kubeconfig, tmp_path / "home")
        start = time.monotonic()
        listed = kubectl.run("get", "pods")
        elapsed = time.monotonic() - start
        assert listed.returncode == 0, listed.stderr
        assert listed.stderr == "No resources found in default namespace.\n"
        assert 2.0 <= elapsed < 10.0  # two 429s, each retried after its Retry-After: 1
        assert kubectl.run("get", "pods").returncode == 0  # the rule has fired its two times

        kubectl.ok("create", "configmap", "flaky")
        kubectl.ok("create", "configmap", "steady")
        failed = kubectl.run("get", "cm", "flaky")
        assert failed.returncode == 1
        assert failed.stderr == "Error from server (InternalError): Internal error occurred: fault injected by kubegate\n"
        assert "steady" in kubectl.ok("get", "cm", "steady")


def test_a_bad_faults_file_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("faults:\n- match: {verb: list, resource: pods}\n  respond: {code: 429, retryAfter: 1}\n")
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--faults", str(faults)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"kubegate: error: --faults {faults}: faults[0].respond: unknown key 'retryAfter' "
        "(known keys: code, message, reason, retryAfterSeconds)\n"
    )
