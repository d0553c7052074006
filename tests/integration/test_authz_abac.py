"""`--authorization-mode=ABAC`: a policy file decides, through real requests over mutual TLS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kubegate.config import ConfigError
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

V1BETA1 = "abac.authorization.kubernetes.io/v1beta1"


def line(**spec: Any) -> str:
    return json.dumps({"apiVersion": V1BETA1, "kind": "Policy", "spec": spec})


POLICY = "\n".join([
    "# alice may do anything with configmaps in default",
    line(user="alice", namespace="default", resource="configmaps", apiGroup=""),
    "",
    "# ops may read everything everywhere",
    line(group="ops", readonly=True, namespace="*", resource="*", apiGroup="*"),
    "# anonymous users may read /version; \"*\" is every authenticated user, not anonymous ones",
    line(group="system:unauthenticated", readonly=True, nonResourcePath="/version"),
    line(user="*", readonly=True, nonResourcePath="/apis/*"),
    '{"user": "bob"}',  # a legacy unversioned line: bob may do anything
]) + "\n"


@pytest.fixture
async def abac(start_server: StartServer, tmp_path: Path) -> InProcessServer:
    policy = tmp_path / "abac.jsonl"
    policy.write_text(POLICY)
    return await start_server(authorization_mode=("ABAC",), authorization_policy_file=policy)


def configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


async def test_a_matching_line_allows(abac: InProcessServer, alice: Identity) -> None:
    created = await abac.request("POST", "/api/v1/namespaces/default/configmaps", identity=alice, json=configmap("a"))
    assert created.status == 201, created.text
    # ops (one of alice's groups) reads everything, in any namespace
    listed = await abac.request("GET", "/api/v1/namespaces/kube-system/secrets", identity=alice)
    assert listed.status == 200, listed.text


async def test_no_matching_line_is_403_with_the_abac_reason(abac: InProcessServer, alice: Identity) -> None:
    response = await abac.request("POST", "/api/v1/namespaces/default/secrets", identity=alice, json={
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
    })
    assert response.status == 403
    assert response.body["message"] == (
        'secrets is forbidden: User "alice" cannot create resource "secrets" in API group "" '
        'in the namespace "default": No policy matched.'
    )
    assert response.body["reason"] == "Forbidden"


async def test_readonly_lines_do_not_allow_writes(abac: InProcessServer, alice: Identity) -> None:
    # the ops line matches any resource, but only for get, list and watch
    response = await abac.request("DELETE", "/api/v1/namespaces/kube-system/configmaps/x", identity=alice)
    assert response.status == 403
    assert response.body["message"].endswith(
        'cannot delete resource "configmaps" in API group "" in the namespace "kube-system": No policy matched.'
    )


async def test_anonymous_matches_only_the_unauthenticated_group(abac: InProcessServer, anonymous: Identity) -> None:
    version = await abac.request("GET", "/version", identity=anonymous)
    assert version.status == 200, version.text
    apis = await abac.request("GET", "/apis/apps", identity=anonymous)
    assert apis.status == 403
    assert apis.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/apis/apps": No policy matched.'


async def test_star_user_means_every_authenticated_user(abac: InProcessServer, alice: Identity) -> None:
    assert (await abac.request("GET", "/apis/apps", identity=alice)).status == 200
    # a prefix path does not cover the bare prefix without the slash
    assert (await abac.request("GET", "/apis", identity=alice)).status == 403


async def test_bad_policy_file_stops_the_server_naming_the_line(start_server: StartServer, tmp_path: Path) -> None:
    policy = tmp_path / "abac.jsonl"
    policy.write_text(line(user="alice", resource="*") + "\n\n" + line(user="bob", readonly="yes") + "\n")
    with pytest.raises(ConfigError) as caught:
        await start_server(authorization_mode=("ABAC",), authorization_policy_file=policy)
    assert str(caught.value).startswith(f"error reading policy file {policy}, line 3: {{")
    assert str(caught.value).endswith(
        "json: cannot unmarshal string into Go struct field PolicySpec.spec.readonly of type bool"
    )


async def test_abac_needs_its_policy_file(start_server: StartServer) -> None:
    with pytest.raises(ConfigError, match="authorization-mode ABAC's authorization policy file not passed"):
        await start_server(authorization_mode=("ABAC",))


def test_kubegate_serve_prints_a_bad_policy_file_as_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "abac.jsonl"
    policy.write_text("{not json\n")
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--authorization-mode", "ABAC", "--authorization-policy-file", str(policy)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [(
        f"kubegate: error: error reading policy file {policy}, line 1: {{not json: couldn't get version/kind; "
        "json parse error: Expecting property name enclosed in double quotes"
    )]
