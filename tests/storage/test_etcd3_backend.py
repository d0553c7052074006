"""What only the etcd3 backend promises: kube-apiserver's layout in a real etcd, shared by processes.

The storage contract itself is `test_conformance.py`; these tests look at etcd from outside
(`etcdctl`), dial servers that are not there or speak TLS, and run two backends on one prefix.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubegate import pki
from kubegate.storage.errors import TooOldRevision
from kubegate.storage.etcd3 import Etcd3Backend, EtcdUnavailable
from kubegate.storage.interface import ADDED, DELETED, MODIFIED, Stored
from tests.support import etcd_server
from tests.support.etcd_server import EtcdServer
from tests.support.storage_watch import next_events


def configmap(name: str, namespace: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
        "data": dict(data),
    }


def etcdctl(server: EtcdServer, *args: str) -> str:
    binary = shutil.which("etcdctl") or "/usr/bin/etcdctl"
    if not os.access(binary, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("etcdctl is not installed (apt-get install etcd-client)", pytrace=False)
        pytest.skip("etcdctl is not installed (apt-get install etcd-client)")
    command = [binary, "--endpoints", server.url, *args]
    env = {**os.environ, "ETCDCTL_API": "3"}
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=30).stdout


@pytest.fixture
async def registry(etcd: EtcdServer) -> AsyncIterator[Etcd3Backend]:
    """A backend on the real `/registry` prefix (tests keep to namespaces of their own)."""
    backend = await Etcd3Backend.connect([etcd.url])
    try:
        yield backend
    finally:
        await backend.close()


async def test_keys_land_under_the_prefix_as_kube_apiserver_lays_them_out(
    registry: Etcd3Backend, etcd: EtcdServer,
) -> None:
    namespace = f"ns-{etcd_server.unique()}"
    obj = configmap("x", namespace, k="v")
    obj["metadata"]["resourceVersion"] = "12345"
    stored = await registry.create(f"configmaps/{namespace}/x", obj)

    key = f"/registry/configmaps/{namespace}/x"
    value = json.loads(etcdctl(etcd, "get", key, "--print-value-only"))
    assert value["data"] == {"k": "v"}
    assert value["metadata"]["name"] == "x"
    assert "resourceVersion" not in value["metadata"]

    [kv] = json.loads(etcdctl(etcd, "get", key, "-w", "json"))["kvs"]
    assert stored.revision == kv["mod_revision"]
    assert stored.obj["metadata"]["resourceVersion"] == str(kv["mod_revision"])
    got = await registry.get(f"configmaps/{namespace}/x")
    assert got is not None and got.revision == kv["mod_revision"]


async def test_an_unreachable_etcd_is_one_line_naming_the_url() -> None:
    url = f"http://127.0.0.1:{etcd_server.free_port()}"  # nothing listens there
    with pytest.raises(EtcdUnavailable) as caught:
        await Etcd3Backend.connect([url], dial_timeout=0.5)
    message = str(caught.value)
    assert message == f"cannot reach etcd at {url}: connection refused"
    assert "\n" not in message and "Traceback" not in message


async def test_two_backends_on_one_prefix_see_each_others_writes(etcd: EtcdServer) -> None:
    prefix = f"/t-{etcd_server.unique()}/registry"
    first = await Etcd3Backend.connect([etcd.url], prefix=prefix)
    second = await Etcd3Backend.connect([etcd.url], prefix=prefix)
    try:
        watch = await first.watch("configmaps/", since=await first.current_revision())
        try:
            created = await second.create("configmaps/default/a", configmap("a", "default", v="1"))
            updated = await second.guaranteed_update("configmaps/default/a", _set_v("2"))
            deleted = await second.delete("configmaps/default/a")
            events = await next_events(watch, 3)
        finally:
            watch.stop()
        assert [(e.type, e.key, e.stored.revision) for e in events] == [
            (ADDED, "configmaps/default/a", created.revision),
            (MODIFIED, "configmaps/default/a", updated.revision),
            (DELETED, "configmaps/default/a", deleted.revision),
        ]
        assert events[1].previous is not None and events[1].previous.revision == created.revision
        assert events[2].previous is not None and events[2].previous.obj["data"] == {"v": "2"}
        assert await first.get("configmaps/default/a") is None
    finally:
        await first.close()
        await second.close()


async def test_a_compaction_made_outside_kubegate_is_found(etcd: EtcdServer) -> None:
    """`etcdctl compact` leaves kube-apiserver's marker behind; reads below it still give 410."""
    backend = await Etcd3Backend.connect([etcd.url], prefix=f"/t-{etcd_server.unique()}/registry")
    try:
        first = await backend.create("configmaps/default/a", configmap("a", "default"))
        for value in "123":
            await backend.guaranteed_update("configmaps/default/a", _set_v(value))
        target = await backend.current_revision() - 1
        etcdctl(etcd, "compact", str(target))
        assert await backend.compacted_revision() == target
        with pytest.raises(TooOldRevision):
            await backend.list("configmaps/", revision=first.revision)
    finally:
        await backend.close()


async def test_the_compactor_compacts_to_the_revision_of_its_previous_turn(etcd: EtcdServer) -> None:
    backend = await Etcd3Backend.connect([etcd.url], prefix=f"/t-{etcd_server.unique()}/registry",
                                         compaction_interval=0.05)
    try:
        written = await backend.create("configmaps/default/a", configmap("a", "default"))
        async with asyncio.timeout(10):
            while await backend.compacted_revision() < written.revision:
                await backend.guaranteed_update("configmaps/default/a", _set_v(str(written.revision)))
                await asyncio.sleep(0.05)
        marker = etcdctl(etcd, "get", "compact_rev_key", "--print-value-only").strip()
        assert int(marker) >= written.revision
    finally:
        await backend.close()


async def test_https_with_a_client_certificate(pki_files: pki.PkiFiles) -> None:
    """`--etcd-cafile/--etcd-certfile/--etcd-keyfile` against an etcd requiring client certs."""
    tls = etcd_server.TlsFiles(pki_files.ca_cert, pki_files.serving_cert, pki_files.serving_key,
                               pki_files.admin_cert, pki_files.admin_key)
    server = etcd_server.start_etcd(etcd_server.require_binary(), tls=tls)
    try:
        backend = await Etcd3Backend.connect([server.url], ca_file=tls.ca, cert_file=tls.client_cert,
                                             key_file=tls.client_key)
        try:
            stored = await backend.create("namespaces/tls", {"kind": "Namespace", "metadata": {"name": "tls"}})
            assert await backend.get("namespaces/tls") == stored
        finally:
            await backend.close()
        with pytest.raises(EtcdUnavailable, match=f"^cannot reach etcd at {server.url}: "):
            await Etcd3Backend.connect([server.url], ca_file=tls.ca, dial_timeout=1)  # no client cert
    finally:
        server.stop()


def _set_v(value: str) -> Any:
    async def try_update(current: Stored | None) -> dict[str, Any]:
        assert current is not None
        return {**current.obj, "data": {"v": value}}

    return try_update


