"""`/metrics` over real HTTPS: who may read it, and what the request, watch and storage series say."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def series(text: str, name: str, **labels: str) -> list[float]:
    """Values of the samples called `name` whose labels include `labels`."""
    found = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None or match.group(1) != name:
            continue
        have = dict(_LABEL.findall(match.group(2) or ""))
        if all(have.get(key) == value for key, value in labels.items()):
            found.append(float(match.group(3)))
    return found


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0, system_workloads=False)


@pytest.fixture(scope="module")
def monitor(pki_files: pki.PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    """A scraper's identity: group system:monitoring, as Prometheus is set up to have."""
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    cert, key = pki.issue_client_cert(
        ca_cert_pem=ca_cert, ca_key_pem=ca_key, user="prometheus", groups=("system:monitoring",)
    )
    directory = tmp_path_factory.mktemp("monitor")
    (directory / "monitor.crt").write_bytes(cert)
    (directory / "monitor.key").write_bytes(key)
    return Identity(directory / "monitor.crt", directory / "monitor.key")


async def scrape(api: InProcessServer, identity: Identity) -> str:
    answer = await api.request("GET", "/metrics", identity=identity)
    assert answer.status == 200, answer.text
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return answer.text


async def test_who_may_read_metrics(api: InProcessServer, admin: Identity, alice: Identity, monitor: Identity) -> None:
    refused = await api.request("GET", "/metrics", identity=Identity())
    assert refused.status == 403
    assert refused.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/metrics"'
    assert (await api.request("GET", "/metrics", identity=alice)).status == 403
    assert "# TYPE apiserver_current_inflight_requests gauge" in await scrape(api, monitor)
    assert "# TYPE apiserver_current_inflight_requests gauge" in await scrape(api, admin)
    assert (await api.request("GET", "/metrics/slis", identity=admin)).status == 404


async def test_requests_are_counted_under_the_real_labels(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    for _ in range(2):
        assert (await api.request("GET", PODS, identity=admin)).status == 200
    assert (await api.request("GET", f"{PODS}/missing", identity=admin)).status == 404
    assert (await api.request("GET", PODS, identity=alice)).status == 403
    created = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", identity=admin,
        json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
    )
    assert created.status == 201
    text = await scrape(api, admin)
    route = {"group": "", "version": "v1", "resource": "pods", "subresource": "", "component": "apiserver"}
    assert series(text, "apiserver_request_total", verb="LIST", scope="namespace", code="200", dry_run="", **route) == [2]
    assert series(text, "apiserver_request_total", verb="GET", scope="resource", code="404", **route) == [1]
    # refused by authorization: counted there, not as a served request (as the real server counts)
    assert series(text, "apiserver_request_total", code="403") == []
    assert series(text, "authorization_attempts_total", result="no-opinion") == [1]
    assert series(text, "apiserver_request_total", verb="POST", resource="configmaps", dry_run="All", code="201") == [1]
    assert series(text, "apiserver_request_duration_seconds_count", verb="LIST", resource="pods") == [2]
    assert series(text, "apiserver_request_duration_seconds_bucket", verb="LIST", resource="pods", le="+Inf") == [2]
    assert series(text, "apiserver_response_sizes_count", verb="LIST", resource="pods") == [2]
    assert series(text, "authentication_attempts", result="success")[0] >= 5
    assert series(text, "apiserver_current_inflight_requests", request_kind="readOnly") == [1]  # this scrape
    assert series(text, "kubernetes_build_info", git_version="v1.32.4") == [1]


async def test_a_list_is_counted_at_the_size_it_was_sent(api: InProcessServer, admin: Identity) -> None:
    configmaps = "/api/v1/namespaces/default/configmaps"
    for name in ("a", "b", "c"):
        made = await api.request("POST", configmaps, identity=admin, json={"metadata": {"name": name}, "data": {"k": name * 50}})
        assert made.status == 201
    listed = await api.request("GET", configmaps, identity=admin)
    assert {"a", "b", "c"} <= {item["metadata"]["name"] for item in listed.body["items"]}
    assert listed.raw.endswith(b"]}\n")
    assert int(listed.headers["Content-Length"]) == len(listed.raw)
    text = await scrape(api, admin)
    assert series(text, "apiserver_response_sizes_sum", verb="LIST", resource="configmaps") == [len(listed.raw)]


async def test_failed_authentication_is_an_error_attempt(api: InProcessServer, admin: Identity) -> None:
    answer = await api.request("GET", PODS, identity=Identity(), headers={"Authorization": "Bearer nope"})
    assert answer.status == 401
    assert series(await scrape(api, admin), "authentication_attempts", result="error") == [1]


async def test_an_open_watch_is_a_long_running_request(api: InProcessServer, admin: Identity) -> None:
    context = api._context(admin)
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(f"{api.url}{PODS}?watch=true") as watch,
    ):
        assert watch.status == 200  # headers are sent once the watch is registered
        text = await scrape(api, admin)
        assert series(text, "apiserver_longrunning_requests", verb="WATCH", resource="pods", scope="namespace") == [1]
    await api.state.settle()
    for _ in range(50):  # the server notices the closed connection on its own loop turn
        text = await scrape(api, admin)
        if series(text, "apiserver_longrunning_requests", verb="WATCH") == [0]:
            break
    assert series(text, "apiserver_longrunning_requests", verb="WATCH", resource="pods") == [0]
    assert series(text, "apiserver_request_total", verb="WATCH", resource="pods", code="200") == [1]


async def test_storage_objects_follow_the_store(api: InProcessServer, admin: Identity) -> None:
    listed = await api.request("GET", "/api/v1/configmaps", identity=admin)
    before = len(listed.body["items"])
    assert series(await scrape(api, admin), "apiserver_storage_objects", resource="configmaps") == [before]
    made = await api.request(
        "POST", "/api/v1/namespaces/default/configmaps", identity=admin,
        json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one-more"}},
    )
    assert made.status == 201
    text = await scrape(api, admin)
    assert series(text, "apiserver_storage_objects", resource="configmaps") == [before + 1]
    assert series(text, "apiserver_storage_objects", resource="deployments.apps") == [0]
    assert series(text, "apiserver_storage_objects", resource="tokenreviews.authentication.k8s.io") == []


async def test_two_servers_count_apart(start_server: StartServer, admin: Identity) -> None:
    first = await start_server(nodes=0, system_workloads=False)
    second = await start_server(nodes=0, system_workloads=False)
    for _ in range(3):
        await first.request("GET", PODS, identity=admin)
    assert series(await scrape(first, admin), "apiserver_request_total", verb="LIST", resource="pods") == [3]
    assert series(await scrape(second, admin), "apiserver_request_total", verb="LIST", resource="pods") == []


async def test_audit_counters(start_server: StartServer, tmp_path: Path, admin: Identity) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ['/metrics']\n"
                      "- level: Metadata\n")
    api = await start_server(nodes=0, system_workloads=False, audit_policy_file=policy,
                             audit_log_path=str(tmp_path / "audit.log"))
    await api.request("GET", PODS, identity=admin)
    text = await scrape(api, admin)
    assert series(text, "apiserver_audit_event_total") == [2]
    assert series(text, "apiserver_audit_level_total", level="Metadata") == [1]
    assert series(text, "apiserver_audit_level_total", level="None") == [1]  # this scrape
