"""Injected faults answer as a real apiserver in trouble: Status bodies, Retry-After, resets, timeouts.

The bodies are those of k8s.io/apimachinery's constructors for each code, so that client-go
and kubectl react to them (retry, print `Error from server (Reason)`) as they would for real.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any

import aiohttp
import pytest

from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import count, watch_events

PODS = "/api/v1/namespaces/default/pods"
FLAKY = "/api/v1/namespaces/default/configmaps/flaky"


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


async def test_429_with_retry_after_then_the_real_answer(api: InProcessServer, admin: Identity) -> None:
    fault = api.state.faults.add(match={"verb": "list", "resource": "pods"}, respond={"code": 429, "retryAfterSeconds": 2}, times=2)
    for _ in range(2):
        throttled = await api.request("GET", PODS, identity=admin)
        assert throttled.status == 429
        assert throttled.headers["Retry-After"] == "2"
        assert throttled.body == status(
            429, "TooManyRequests", "Too many requests, please try again later.", {"retryAfterSeconds": 2}
        )
    assert (await api.request("GET", PODS, identity=admin)).status == 200
    assert fault.fired == 2


@pytest.mark.parametrize(
    ("respond", "code", "body", "retry_after"),
    [
        (
            {"code": 500},
            500,
            status(500, "InternalError", "Internal error occurred: fault injected by kubegate",
                   {"causes": [{"message": "fault injected by kubegate"}]}),
            None,
        ),
        (
            {"code": 500, "message": "etcdserver: leader changed"},
            500,
            status(500, "InternalError", "Internal error occurred: etcdserver: leader changed",
                   {"causes": [{"message": "etcdserver: leader changed"}]}),
            None,
        ),
        (
            {"code": 503},
            503,
            status(503, "ServiceUnavailable", "the server is currently unable to handle the request",
                   {"retryAfterSeconds": 1}),
            "1",
        ),
        (
            {"code": 504},
            504,
            status(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded"),
            None,
        ),
        (
            {"code": 404},
            404,
            status(404, "NotFound", 'configmaps "flaky" not found', {"name": "flaky", "kind": "configmaps"}),
            None,
        ),
        (
            {"code": 409},
            409,
            status(409, "Conflict", 'Operation cannot be fulfilled on configmaps "flaky": the object has been '
                   "modified; please apply your changes to the latest version and try again",
                   {"name": "flaky", "kind": "configmaps"}),
            None,
        ),
        (
            {"code": 403, "message": "not today"},
            403,
            status(403, "Forbidden", 'configmaps "flaky" is forbidden: User "kubernetes-admin" cannot get resource '
                   '"configmaps" in API group "" in the namespace "default": not today',
                   {"name": "flaky", "kind": "configmaps"}),
            None,
        ),
        (
            {"code": 429, "reason": "Throttled", "retryAfterSeconds": 0},
            429,
            status(429, "Throttled", "Too many requests, please try again later."),
            None,
        ),
    ],
)
async def test_each_code_is_the_real_status(
    api: InProcessServer, admin: Identity, respond: dict[str, Any], code: int, body: dict[str, Any], retry_after: str | None,
) -> None:
    api.state.faults.add(match={"verb": "get", "resource": "configmaps", "name": "flaky"}, respond=respond)
    response = await api.request("GET", FLAKY, identity=admin)
    assert response.status == code
    assert response.body == body
    assert response.headers.get("Retry-After") == retry_after
    other = await api.request("GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", identity=admin)
    assert other.status == 200


async def test_a_rule_for_one_user_spares_the_others(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    api.state.faults.add(match={"user": "alice"}, respond=503)
    assert (await api.request("GET", "/version", identity=alice)).status == 503
    assert (await api.request("GET", "/version", identity=admin)).status == 200


async def test_faults_come_after_authentication(api: InProcessServer, anonymous: Identity) -> None:
    api.state.faults.add(match={"path": "/api*"}, respond=500)
    response = await api.request("GET", PODS, identity=anonymous, headers={"Authorization": "Bearer nope"})
    assert response.status == 401


async def test_latency_delays_the_answer(api: InProcessServer, admin: Identity) -> None:
    api.state.faults.add(match={"verb": "list", "resource": "pods"}, latency="300ms")
    start = time.monotonic()
    response = await api.request("GET", PODS, identity=admin)
    assert response.status == 200
    assert time.monotonic() - start >= 0.3


async def test_timeout_hangs_then_answers_504(api: InProcessServer, admin: Identity) -> None:
    api.state.faults.add(match={"path": "/version"}, timeout=True)  # the request's own ?timeout=
    start = time.monotonic()
    response = await api.request("GET", "/version?timeout=400ms", identity=admin)
    assert time.monotonic() - start >= 0.4
    assert response.status == 504
    assert response.body["reason"] == "Timeout"


async def test_reset_drops_the_connection(api: InProcessServer, admin: Identity, caplog: pytest.LogCaptureFixture) -> None:
    api.state.faults.add(match={"verb": "list", "resource": "pods"}, reset=True)
    context = ssl.create_default_context(cafile=str(api.ca_file))
    context.load_cert_chain(str(admin.cert), str(admin.key))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(api.url + PODS) as response:
                await response.read()
        api.state.faults.clear()
        async with session.get(api.url + PODS) as response:  # a new connection works again
            assert response.status == 200
    assert "Traceback" not in caplog.text


async def test_end_watch_closes_the_stream_cleanly(api: InProcessServer, admin: Identity) -> None:
    api.state.faults.add(match={"resource": "configmaps"}, endWatch="1s")
    start = time.monotonic()
    events = await watch_events(api, admin, "/api/v1/namespaces/default/configmaps?watch=1", until=lambda events: False)
    elapsed = time.monotonic() - start
    assert [event["object"]["metadata"]["name"] for event in events] == ["kube-root-ca.crt"]
    assert 1.0 <= elapsed < 5.0


async def test_expire_watch_sends_a_410_error_event(api: InProcessServer, admin: Identity) -> None:
    api.state.faults.add(match={"resource": "configmaps"}, expireWatch=True, times=1)
    current = api.state.store.revision
    events = await watch_events(
        api, admin, "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=3", until=count(1),
    )
    assert events == [{
        "type": "ERROR",
        "object": status(410, "Expired", f"too old resource version: 3 ({current})"),
    }]
    # the client lists again and watches from there: no fault this time
    listed = await api.request("GET", "/api/v1/namespaces/default/configmaps", identity=admin)
    version = listed.body["metadata"]["resourceVersion"]
    path = f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={version}&timeoutSeconds=1"
    assert await asyncio.wait_for(watch_events(api, admin, path, until=count(1)), 5) == []
