"""The kubegate command as users run it: PKI files, extra identities, clean shutdown.

Start-up errors, --help and signals with open watches: tests/e2e/test_serve_startup.py.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import kubegate_serve


def kubegate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kubegate", *args], capture_output=True, text=True, timeout=60, check=False)


def test_pki_init_writes_the_documented_files(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    assert kubegate("pki", "init", "--pki-dir", str(pki)).returncode == 0
    names = {"ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub", "admin.crt", "admin.key", "admin.kubeconfig"}
    assert names <= {p.name for p in pki.iterdir()}
    for key in ("ca.key", "apiserver.key", "sa.key", "admin.key"):
        assert stat.S_IMODE((pki / key).stat().st_mode) == 0o600
    before = {p.name: p.read_bytes() for p in pki.iterdir() if p.is_file()}
    assert kubegate("pki", "init", "--pki-dir", str(pki)).returncode == 0
    assert {name: (pki / name).read_bytes() for name in before} == before  # reused, never overwritten


@pytest.mark.parametrize("version", ["1.31", "1.32"])
def test_kubeconfig_command_issues_a_working_identity(tmp_path: Path, version: str) -> None:
    with kubegate_serve(tmp_path / "pki") as server:
        made = kubegate("kubeconfig", "--user", "jane", "--group", "dev", "--group", "ops", "--pki-dir", str(server.pki_dir))
        assert made.returncode == 0, made.stderr
        path = Path(made.stdout.strip())
        assert path == server.pki_dir / "jane.kubeconfig"
        assert yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"] == server.url
        kubectl = Kubectl(kubectl_binary(version), path, tmp_path / "home")
        out = kubectl.ok("auth", "whoami")
        rows = {line.split()[0]: line.split(None, 1)[1].strip() for line in out.splitlines()[1:]}
        assert rows["Username"] == "jane"
        assert rows["Groups"] == "[dev ops system:authenticated]"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_cleanly(tmp_path: Path, signum: int) -> None:
    with kubegate_serve(tmp_path / "pki") as server:
        os.kill(server.process.pid, signum)
        assert server.process.wait(timeout=15) == 0
        assert server.process.stderr is not None
        assert "Traceback" not in server.process.stderr.read()


def test_bad_config_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("secure-port: lots\n")
    result = kubegate("serve", "--config", str(config), "--pki-dir", str(tmp_path / "pki"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"kubegate: error: {config}: secure-port: invalid int value 'lots'"
