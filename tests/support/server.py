"""A kubegate started as its users start it (`kubegate serve`), on a free loopback port.

The fixture waits for the ready line rather than sleeping, and stops the process by its pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT = 30


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    url: str
    pki_dir: Path

    @property
    def kubeconfig(self) -> Path:
        return self.pki_dir / "admin.kubeconfig"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextmanager
def kubegate_serve(pki_dir: Path, *extra: str) -> Iterator[ServerProcess]:
    cmd: Sequence[str] = (
        sys.executable, "-m", "kubegate", "serve",
        "--pki-dir", str(pki_dir), "--secure-port", "0", *extra,
    )
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the ready line, or EOF if it died
        if not line.startswith("kubegate: serving on "):
            process.kill()
            _, err = process.communicate(timeout=READY_TIMEOUT)
            raise AssertionError(f"kubegate did not start: {line!r}\n{err}")
        url = line.split()[3]
        yield ServerProcess(process, url, pki_dir)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
