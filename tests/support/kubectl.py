"""Running real kubectl binaries against a kubegate, each call with its own HOME and cache."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest


def kubectl_binary(version: str | None = None) -> str:
    """The dispatcher on PATH, or the versioned binary beside it (`kubectl.1.31`)."""
    dispatcher = shutil.which("kubectl")
    if dispatcher is None:
        pytest.skip("kubectl is not installed")
    if version is None:
        return dispatcher
    candidate = Path(os.path.realpath(dispatcher)).parent / f"kubectl.{version}"
    if not candidate.exists():
        pytest.skip(f"kubectl {version} is not installed")
    return str(candidate)


@dataclass
class Kubectl:
    binary: str
    kubeconfig: Path
    home: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env.update(
            HOME=str(self.home),
            KUBECONFIG=str(self.kubeconfig),
            KUBECACHEDIR=str(self.home / "cache"),
            KUBECTL_COMMAND_HEADERS="true",
        )
        return env

    def run(self, *args: str, input: str | None = None, check: bool = False, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.binary, *args],
            input=input,
            check=False,
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def ok(self, *args: str, input: str | None = None) -> str:
        return self.run(*args, input=input, check=True).stdout

    def settle(self) -> None:
        """Wait until kubegate's controllers, scheduler and kubelets have nothing left to do.

        `GET /debug/kubegate/settle` answers once every write is in the watch cache and no
        controller has work queued or due within two seconds; its own 504 fails the call.
        """
        answer = json.loads(self.ok("get", "--raw", "/debug/kubegate/settle"))
        assert answer["settled"] is True, answer

    def stream(self, *args: str) -> LineStream:
        """Start a long-running kubectl (e.g. `get -w`) whose output is read line by line."""
        process = subprocess.Popen(
            [self.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env()
        )
        return LineStream(process)


class LineStream:
    """Lines a process prints, handed over by a reader thread so a wait can time out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def readline(self, timeout: float = 20) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("kubectl printed nothing in time") from None
        if line is None:
            raise AssertionError("kubectl exited before printing the expected line")
        return line

    def stop(self) -> None:
        self.process.kill()
        self.process.communicate()
