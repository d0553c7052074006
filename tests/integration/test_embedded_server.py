"""`kubegate.Server` outside any fixture: threaded for synchronous clients, or on the caller's loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

import kubegate
from kubegate.config import ConfigError
from kubegate.testing.adminclient import RequestFailed
from kubegate.testing.manifests import ApplyError

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: gear}
spec: {teeth: 12}
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
"""


@contextmanager
def python_client(kubeconfig: Path) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(config_file=str(kubeconfig))
    try:
        yield api
    finally:
        # close the pools' sockets now (see tests/support/python_client.py)
        manager = api.rest_client.pool_manager
        for key in list(manager.pools.keys()):
            pool = manager.pools.get(key)
            if pool is not None:
                pool.close()
        api.close()


def _status(call: Callable[[], object]) -> int:
    try:
        call()
    except ApiException as error:
        return int(error.status)
    return 200


def test_with_serves_the_official_python_client() -> None:
    with kubegate.Server() as server:
        with python_client(server.kubeconfig) as api:
            core = client.CoreV1Api(api)
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="team-a")))
            assert "team-a" in [ns.metadata.name for ns in core.list_namespace().items]
        with python_client(server.user("jane", groups=["dev"])) as api:
            assert _status(lambda: client.CoreV1Api(api).list_namespaced_pod("team-a")) == 403
        server.apply(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
            "metadata: {name: dev-view, namespace: team-a}\n"
            "subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]\n"
            "roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}\n"
        )
        with python_client(server.user("jane", groups=["dev"])) as api:
            assert client.CoreV1Api(api).list_namespaced_pod("team-a").items == []
    assert server.url.startswith("https://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not running"):
        server.apply(DEPLOYMENT)


async def test_async_with_serves_from_the_callers_loop() -> None:
    async with kubegate.Server() as server:
        await server.aapply(DEPLOYMENT)
        await server.asettle()
        with pytest.raises(RuntimeError, match="await the a-method instead"):
            server.settle()

        def running_pods() -> list[str]:  # a synchronous client, on another thread
            with python_client(server.kubeconfig) as api:
                pods = client.CoreV1Api(api).list_namespaced_pod("default", label_selector="app=web").items
                return [pod.status.phase for pod in pods]

        assert await asyncio.to_thread(running_pods) == ["Running", "Running"]


def test_apply_creates_then_updates_and_finds_new_kinds() -> None:
    with kubegate.Server(nodes=0, system_workloads=False) as server:
        first = server.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {mode: a}\n")
        again = server.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"mode": "b"}})
        assert first[0]["data"] == {"mode": "a"} and again[0]["data"] == {"mode": "b"}
        assert again[0]["metadata"]["uid"] == first[0]["metadata"]["uid"]
        applied = server.apply(CRD)  # the Widget kind exists once the CRD is established
        assert [obj["kind"] for obj in applied] == ["CustomResourceDefinition", "Widget"]
        with pytest.raises(ApplyError, match='no kind "Gadget" is served in version "example.com/v1"'):
            server.apply("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n")
        with pytest.raises(ApplyError, match='ConfigMap "x": namespaces "nope" not found'):
            server.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nope}\n")


def test_token_creates_the_account_and_says_why_it_cannot() -> None:
    with kubegate.Server(nodes=0) as server:
        token = server.token("ci-bot", expiration_seconds=600)
        with python_client(server.kubeconfig) as api:
            accounts = client.CoreV1Api(api).list_namespaced_service_account("default").items
            assert "ci-bot" in [account.metadata.name for account in accounts]
            review = client.AuthenticationV1Api(api).create_token_review(
                client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token))
            )
        assert review.status.user.username == "system:serviceaccount:default:ci-bot"
        with pytest.raises(RequestFailed, match='namespaces "nope" not found'):
            server.token("ci-bot", "nope")


def test_options_are_the_server_flags() -> None:
    with pytest.raises(ConfigError, match="unknown option 'nodez'"):
        kubegate.Server(nodez=2)
    with pytest.raises(ConfigError, match="--nodes 5000 must be between 0 and 1000"):
        kubegate.Server(nodes=5000)
    server = kubegate.Server(authorization_mode="AlwaysAllow", kubernetes_version="1.30.2", nodes=0)
    with server, python_client(server.user("anyone")) as api:
        assert client.VersionApi(api).get_code().git_version == "v1.30.2"
        assert _status(lambda: client.CoreV1Api(api).list_secret_for_all_namespaces()) == 200


def test_faults_file_takes_effect_after_the_manifests(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("faults:\n- match: {verb: patch, resource: configmaps}\n  respond: {code: 503}\n")
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seeded}\n"
    with kubegate.Server(faults=faults, manifests=manifest, nodes=0) as server:
        with pytest.raises(ApplyError, match="the server is currently unable to handle the request"):
            server.apply(manifest)
        assert len(server.faults) == 1
        server.faults.clear()
        server.apply(manifest)
        lines = [line for line in server.requests if "/configmaps/seeded" in line]
        assert len(lines) == 3
        assert lines[1].endswith("fault=503 ServiceUnavailable")
        assert " PATCH /api/v1/namespaces/default/configmaps/seeded?fieldManager=kubegate-testing&force=true 503 " \
            "kubernetes-admin " in lines[1]


def test_a_fresh_server_starts_fast() -> None:
    with kubegate.Server(nodes=0):
        pass  # the process's PKI exists from here on
    started = []
    for _ in range(3):
        begin = time.monotonic()
        with kubegate.Server():
            started.append(time.monotonic() - begin)
    assert min(started) < 1.0, started


def test_a_pki_dir_of_its_own_is_kept_and_reused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with kubegate.Server(pki_dir=tmp_path / "pki", nodes=0) as first:
        ca = first.ca_file.read_bytes()
    with kubegate.Server(pki_dir=tmp_path / "pki", nodes=0) as second:
        assert second.ca_file == tmp_path / "pki" / "ca.crt"
        assert second.ca_file.read_bytes() == ca
        with python_client(second.kubeconfig) as api:  # the kubeconfig names this server's port
            assert client.VersionApi(api).get_code().minor == "32"
    assert "admin.kubeconfig" not in caplog.text
