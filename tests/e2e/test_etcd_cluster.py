"""Several `kubegate serve` processes over one etcd serve one cluster.

Started as users start them (same PKI directory, so the same CA and ServiceAccount keys), they
see each other's writes at once, authorize with each other's RBAC objects, run controllers in
exactly one process (the holder of the kube-controller-manager Lease) and hand over when it dies.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from tests.support import etcd_server
from tests.support.admin_client import AdminClient
from tests.support.server import ServerProcess, kubegate_serve

FAST_ELECTION = (
    "--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s",
    "--leader-elect-retry-period", "0.5s",
)
LEASE = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager"


@pytest.fixture
def cluster(etcd: Any, tmp_path: Path) -> Iterator[tuple[list[ServerProcess], Path, str]]:
    pki_dir = tmp_path / "pki"
    prefix = f"/kg-{etcd_server.unique()}/registry"
    flags = ("--etcd-servers", etcd.url, "--etcd-prefix", prefix, *FAST_ELECTION)
    with ExitStack() as stack:
        first = stack.enter_context(kubegate_serve(pki_dir, *flags))
        second = stack.enter_context(kubegate_serve(pki_dir, *flags))
        yield [first, second], pki_dir, prefix


async def _lease_holder(client: AdminClient) -> str:
    status, lease = await client.request("GET", LEASE)
    return str((lease.get("spec") or {}).get("holderIdentity") or "") if status == 200 else ""


async def test_two_processes_serve_one_cluster(cluster: tuple[list[ServerProcess], Path, str], etcd: Any) -> None:
    (first, second), pki_dir, prefix = cluster
    async with AdminClient(first.url, pki_dir) as a, AdminClient(second.url, pki_dir) as b:
        # a write through one is read through the other at once (a consistent read)
        await a.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "shared"}})
        assert (await b.ok("GET", "/api/v1/namespaces/shared"))["metadata"]["name"] == "shared"

        # a watch on one sees writes made on the other
        listed = await b.ok("GET", "/api/v1/namespaces/shared/configmaps")
        stream = b.watch(f"/api/v1/namespaces/shared/configmaps?watch=1&resourceVersion={listed['metadata']['resourceVersion']}")
        await a.ok("POST", "/api/v1/namespaces/shared/configmaps", {"metadata": {"name": "from-a"}})
        event = await asyncio.wait_for(stream.__anext__(), 10)
        assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "from-a")
        await stream.aclose()

        # exactly one default ServiceAccount and one kube-root-ca.crt: one process ran the controllers
        for client in (a, b, a):
            await client.settle()
        accounts = await b.ok("GET", "/api/v1/namespaces/shared/serviceaccounts")
        assert [item["metadata"]["name"] for item in accounts["items"]] == ["default"]
        configmaps = await b.ok("GET", "/api/v1/namespaces/shared/configmaps")
        assert sorted(item["metadata"]["name"] for item in configmaps["items"]) == ["from-a", "kube-root-ca.crt"]

    # etcdctl sees the real key layout, with JSON values
    shown = await asyncio.to_thread(
        subprocess.run,
        ["etcdctl", "--endpoints", etcd.url, "get", f"{prefix}/namespaces/shared", "--print-value-only"],
        capture_output=True, text=True, timeout=30, env={**os.environ, "ETCDCTL_API": "3"}, check=False,
    )
    assert shown.returncode == 0 and '"name":"shared"' in shown.stdout


async def test_a_role_binding_made_on_one_authorizes_on_the_other(
    cluster: tuple[list[ServerProcess], Path, str], tmp_path: Path
) -> None:
    (first, second), pki_dir, _ = cluster
    ca_cert, ca_key = pki.load_ca(pki_dir)
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user="jane", groups=())
    jane_dir = tmp_path / "jane"
    jane_dir.mkdir()
    (jane_dir / "ca.crt").write_bytes((pki_dir / "ca.crt").read_bytes())
    (jane_dir / "admin.crt").write_bytes(cert)
    (jane_dir / "admin.key").write_bytes(key)
    async with AdminClient(first.url, pki_dir) as a, AdminClient(second.url, jane_dir) as jane_on_b:
        status, _ = await jane_on_b.request("GET", "/api/v1/namespaces/default/configmaps")
        assert status == 403
        await a.ok("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
            "metadata": {"name": "jane-view"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}],
        })
        async with AdminClient(second.url, pki_dir) as b:
            await b.settle()  # b's cache, and so its RBAC index, holds a's write
        status, _ = await jane_on_b.request("GET", "/api/v1/namespaces/default/configmaps")
        assert status == 200


async def test_controllers_move_to_the_survivor_when_the_leader_dies(etcd: Any, tmp_path: Path) -> None:
    pki_dir = tmp_path / "pki"
    flags = ("--etcd-servers", etcd.url, "--etcd-prefix", f"/kg-{etcd_server.unique()}/registry", *FAST_ELECTION)
    with kubegate_serve(pki_dir, *flags) as leader:
        async with AdminClient(leader.url, pki_dir) as first:
            await first.settle()
            holder = await _lease_holder(first)
            assert holder  # alone, the first process leads
        with kubegate_serve(pki_dir, *flags) as survivor:
            leader.process.kill()  # SIGKILL: the Lease is not released, it must expire
            leader.process.wait()
            async with AdminClient(survivor.url, pki_dir) as b:
                await b.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "after-failover"}})
                listed = await b.ok("GET", "/api/v1/namespaces/after-failover/serviceaccounts")
                if not listed["items"]:
                    path = ("/api/v1/namespaces/after-failover/serviceaccounts?watch=1&resourceVersion="
                            f"{listed['metadata']['resourceVersion']}")
                    event = await asyncio.wait_for(b.watch(path).__anext__(), 30)
                    assert event["object"]["metadata"]["name"] == "default"
                new_holder = await _lease_holder(b)
                assert new_holder and new_holder != holder
