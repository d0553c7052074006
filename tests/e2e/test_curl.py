"""curl, as the README shows it: with the admin client certificate, and with none."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.server import ServerProcess


def curl(server: ServerProcess, path: str, *cert_args: str) -> tuple[int, str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(
        ["curl", "-sS", "--cacert", str(server.pki_dir / "ca.crt"), *cert_args,
         "-w", "\n%{http_code}", f"{server.url}{path}"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    body, _, code = result.stdout.rpartition("\n")
    return int(code), body


def test_curl_with_the_admin_certificate_lists_namespaces(server: ServerProcess) -> None:
    pki = server.pki_dir
    code, body = curl(server, "/api/v1/namespaces", "--cert", str(pki / "admin.crt"), "--key", str(pki / "admin.key"))
    assert code == 200
    listing = json.loads(body)
    assert listing["kind"] == "NamespaceList"
    assert "default" in [item["metadata"]["name"] for item in listing["items"]]


def test_curl_without_a_certificate_is_anonymous(server: ServerProcess) -> None:
    code, body = curl(server, "/version")
    assert code == 200
    assert json.loads(body)["gitVersion"] == "v1.32.4"
    code, body = curl(server, "/healthz")
    assert (code, body) == (200, "ok")
