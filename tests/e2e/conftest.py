"""One `kubegate serve` process per module; each test drives it with its own kubectl home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(params=["1.32", "1.31"])
def kubectl(request: pytest.FixtureRequest, server: ServerProcess, tmp_path: Path) -> Kubectl:
    """kubectl 1.32 (protobuf-era) and 1.31, each with a fresh HOME and discovery cache."""
    return Kubectl(kubectl_binary(request.param), server.kubeconfig, tmp_path)
