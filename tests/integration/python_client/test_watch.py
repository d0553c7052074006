"""`kubernetes.watch.Watch` against kubegate: resume from a resourceVersion, timeoutSeconds,
and the 410 the client turns into an `ApiException` once the version left the kept history;
and the client's SharedInformer, which lists, then watches from the list's resourceVersion.
"""

from __future__ import annotations

import queue
import re
from pathlib import Path
from typing import Any

from kubernetes import client, informer, watch

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity
from tests.support.python_client import (
    NS,
    M,
    api_client,
    create_namespace,
    in_thread,
    refusal,
)


async def test_watch_resumes_from_a_resource_version(admin_api: client.ApiClient) -> None:
    def scenario() -> None:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        start = core.list_namespaced_config_map(NS).metadata.resource_version
        core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name="a")))
        core.patch_namespaced_config_map("a", NS, {"data": {"k": "v"}})
        core.delete_namespaced_config_map("a", NS)

        stream = watch.Watch()
        seen: list[tuple[str, str, Any]] = []
        for event in stream.stream(core.list_namespaced_config_map, NS, resource_version=start, timeout_seconds=10):
            assert isinstance(event["object"], client.V1ConfigMap)
            seen.append((event["type"], event["object"].metadata.name, event["object"].data))
            if event["type"] == "DELETED":
                stream.stop()
        assert seen == [("ADDED", "a", None), ("MODIFIED", "a", {"k": "v"}), ("DELETED", "a", {"k": "v"})]
        assert int(stream.resource_version) > int(start)

    await in_thread(scenario)


async def test_watch_timeout_seconds_ends_the_stream(admin_api: client.ApiClient) -> None:
    def scenario() -> list[Any]:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        now = core.list_namespaced_config_map(NS).metadata.resource_version
        return list(watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=now, timeout_seconds=1))

    assert await in_thread(scenario) == []


async def test_watch_from_a_version_older_than_the_history_is_410(
    start_server: StartServer, admin: Identity, tmp_path: Path
) -> None:
    server = await start_server(watch_cache_size=3)

    def scenario() -> None:
        with api_client(server, admin, workdir=tmp_path) as api:
            create_namespace(api)
            core = client.CoreV1Api(api)
            for i in range(5):
                core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=M(name=f"cm-{i}")))
            # With timeout_seconds the client does not retry: the ERROR event becomes the exception.
            expired = refusal(lambda: list(watch.Watch().stream(
                core.list_namespaced_config_map, NS, resource_version="1", timeout_seconds=5,
            )))
            assert expired.status == 410
            assert re.fullmatch(r"Expired: too old resource version: 1 \(\d+\)", expired.reason)
            # Without it the client retries once from the same version, then gives up the same way.
            again = refusal(lambda: list(watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version="1")))
            assert (again.status, again.reason) == (expired.status, expired.reason)

    await in_thread(scenario)


async def test_shared_informer_lists_then_follows_changes(admin_api: client.ApiClient) -> None:
    def labelled(name: str) -> client.V1ConfigMap:
        return client.V1ConfigMap(metadata=M(name=name, labels={"app": "informed"}))

    def scenario() -> list[str]:
        create_namespace(admin_api)
        core = client.CoreV1Api(admin_api)
        core.create_namespaced_config_map(NS, labelled("listed"))
        events: queue.Queue[tuple[str, str]] = queue.Queue()
        # resync_period bounds each watch (timeoutSeconds), so that a stop() the client loses
        # (called between its list and its watch) cannot hang the test
        shared = informer.SharedInformer(
            core.list_namespaced_config_map, namespace=NS, label_selector="app=informed", resync_period=30,
        )
        for kind in (informer.ADDED, informer.MODIFIED, informer.DELETED):
            shared.add_event_handler(kind, lambda obj, kind=kind: events.put((kind, obj.metadata.name)))
        shared.start()
        try:
            assert events.get(timeout=10) == (informer.ADDED, "listed")  # from the initial list
            core.create_namespaced_config_map(NS, labelled("watched"))
            assert events.get(timeout=10) == (informer.ADDED, "watched")  # from the watch
            core.patch_namespaced_config_map("watched", NS, {"data": {"k": "v"}})
            assert events.get(timeout=10) == (informer.MODIFIED, "watched")
            core.delete_namespaced_config_map("listed", NS)
            assert events.get(timeout=10) == (informer.DELETED, "listed")
            return shared.cache.list_keys()
        finally:
            shared.stop()

    assert await in_thread(scenario) == [f"{NS}/watched"]
