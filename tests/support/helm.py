"""Running a real helm against a kubegate, with its own HOME, cache and config directories.

`.ci/install-helm` puts helm v4 beside the venv's python; a helm on PATH is used otherwise.
Without one the test is skipped, but under CI (`CI` set) it fails, as the etcd tests do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


def helm_binary() -> str:
    beside_python = Path(sys.executable).parent / "helm"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("helm")
    if found is not None:
        return found
    reason = "helm is not installed (.ci/install-helm puts one in the venv)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass
class Helm:
    binary: str
    kubeconfig: Path
    home: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "HELM"))}
        env.update(
            HOME=str(self.home),
            KUBECONFIG=str(self.kubeconfig),
            HELM_CACHE_HOME=str(self.home / "cache"),
            HELM_CONFIG_HOME=str(self.home / "config"),
            HELM_DATA_HOME=str(self.home / "data"),
        )
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args], capture_output=True, text=True, env=self.env(), timeout=timeout, check=False,
        )

    def ok(self, *args: str, timeout: float = 120) -> str:
        result = self.run(*args, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result.stdout
