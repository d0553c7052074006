"""Bad storage flags end `kubegate serve` with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest


def _serve(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0", *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _the_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kubegate: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_an_unreachable_etcd(tmp_path: Path) -> None:
    port = _closed_port()
    error = _the_error(_serve(tmp_path, "--etcd-servers", f"http://127.0.0.1:{port}"))
    assert error == f"kubegate: error: cannot reach etcd at http://127.0.0.1:{port}: connection refused"


def test_a_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    error = _the_error(_serve(tmp_path, "--data-dir", str(blocker / "data")))
    assert str(blocker / "data") in error


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--storage-backend", "cassandra"), "--storage-backend 'cassandra' must be one of memory, sqlite, etcd3"),
        (("--storage-backend", "sqlite"), "--storage-backend sqlite needs --data-dir"),
        (("--data-dir", "d", "--etcd-servers", "http://127.0.0.1:2379"), "exclude each other"),
        (("--leader-elect-retry-period", "20s"), "leader election needs"),
    ],
)
def test_inconsistent_storage_flags(tmp_path: Path, flags: tuple[str, ...], message: str) -> None:
    assert message in _the_error(_serve(tmp_path, *flags))
