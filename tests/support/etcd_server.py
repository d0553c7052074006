"""A real etcd on loopback ports, for the etcd3 backend's tests.

The etcd3 backend is only believable against the real engine, so its tests start Debian's
`etcd` (package etcd-server) on free ports with a throwaway data directory, wait until it
answers, and stop it by its pid at the end of the session.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

_counter = itertools.count()

#: Where Debian installs it; else whatever `etcd` is on PATH.
ETCD_PATHS = ("/usr/bin/etcd",)
START_TIMEOUT = 30.0


def unique() -> str:
    return f"{os.getpid()}-{next(_counter)}"


@dataclass
class EtcdServer:
    """A running etcd: its client URL, its process and its data directory."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def stop(self) -> None:
        """Stop it by its pid (SIGTERM, then SIGKILL) and remove its data."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def etcd_binary() -> str | None:
    """The etcd executable, or None when it is not installed."""
    for path in ETCD_PATHS:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("etcd")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsFiles:
    """An etcd serving https: the CA both sides chain to, its serving pair, a client pair."""

    ca: Path
    cert: Path
    key: Path
    client_cert: Path
    client_key: Path


def start_etcd(binary: str, *, tls: TlsFiles | None = None, timeout: float = START_TIMEOUT) -> EtcdServer:
    """Start etcd on free loopback ports and return once it answers /health.

    With `tls`, clients speak https and must present a certificate from `tls.ca`.
    """
    client, peer = free_port(), free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="kubegate-etcd-"))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{client}"
    peer_url = f"http://127.0.0.1:{peer}"
    command = [
        binary, "--name", "kubegate-test", "--data-dir", str(data_dir / "data"),
        "--listen-client-urls", url, "--advertise-client-urls", url,
        "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
        "--initial-cluster", f"kubegate-test={peer_url}",
        "--log-level", "error", "--logger", "zap",
    ]
    if tls is not None:
        command += ["--cert-file", str(tls.cert), "--key-file", str(tls.key),
                    "--client-cert-auth", "--trusted-ca-file", str(tls.ca)]
    log = (data_dir / "etcd.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    server = EtcdServer(url, process, data_dir)
    try:
        _wait_until_serving(server, tls, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_serving(server: EtcdServer, tls: TlsFiles | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = (server.data_dir / "etcd.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"etcd exited with {server.process.returncode}:\n{output}")
        if _healthy(server.url, tls):
            return
        time.sleep(0.05)
    raise RuntimeError(f"etcd did not serve {server.url} within {timeout:g}s")


def _healthy(url: str, tls: TlsFiles | None) -> bool:
    """True once etcd's /health says it can serve (it has a leader)."""
    context = None
    if tls is not None:
        context = ssl.create_default_context(cafile=str(tls.ca))
        context.load_cert_chain(str(tls.client_cert), str(tls.client_key))
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1, context=context) as reply:
            return bool(json.loads(reply.read()).get("health") == "true")
    except (OSError, ValueError):
        return False


def require_binary() -> str:
    """The etcd to test with; skips the test without one, but fails under CI (`CI` set)."""
    import pytest

    binary = etcd_binary()
    if binary is None:
        reason = "etcd is not installed (apt-get install etcd-server): the etcd3 backend is untested"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return binary
