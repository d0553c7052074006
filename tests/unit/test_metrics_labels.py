"""Request labels of apiserver_request_total, and the text format the real server writes."""

from __future__ import annotations

import pytest

from kubegate.api.requestinfo import resolve_request_info
from kubegate.endpoints.metrics import labels
from kubegate.endpoints.metrics.exposition import go_float, render
from kubegate.endpoints.metrics.registry import ServerMetrics, compress_username


@pytest.mark.parametrize(
    ("method", "path", "query", "content_type", "verb", "scope"),
    [
        ("GET", "/api/v1/namespaces/default/pods", {}, "", "LIST", "namespace"),
        ("GET", "/api/v1/pods", {}, "", "LIST", "cluster"),
        ("GET", "/api/v1/namespaces/default/pods/web", {}, "", "GET", "resource"),
        ("HEAD", "/api/v1/namespaces/default/pods/web", {}, "", "GET", "resource"),
        ("GET", "/api/v1/namespaces/default/pods", {"watch": "true"}, "", "WATCH", "namespace"),
        ("GET", "/api/v1/namespaces/default/pods", {"watch": "false"}, "", "LIST", "namespace"),
        ("GET", "/api/v1/watch/namespaces/default/pods", {}, "", "WATCH", "namespace"),
        ("POST", "/api/v1/namespaces/default/pods", {}, "application/json", "POST", "resource"),
        ("PUT", "/api/v1/namespaces/default/pods/web", {}, "application/json", "PUT", "resource"),
        ("PATCH", "/api/v1/namespaces/default/pods/web", {}, "application/merge-patch+json", "PATCH", "resource"),
        ("PATCH", "/api/v1/namespaces/default/pods/web", {}, "application/apply-patch+yaml", "APPLY", "resource"),
        ("DELETE", "/api/v1/namespaces/default/pods", {}, "", "DELETE", "namespace"),
        ("GET", "/api/v1/namespaces/default/pods/web/log", {}, "", "CONNECT", "resource"),
        ("POST", "/api/v1/namespaces/default/pods/web/exec", {}, "", "CONNECT", "resource"),
        ("GET", "/healthz", {}, "", "GET", ""),
        ("OPTIONS", "/api/v1/pods", {}, "", "other", "cluster"),
    ],
)
def test_verb_and_scope(method: str, path: str, query: dict[str, str], content_type: str, verb: str, scope: str) -> None:
    info = resolve_request_info(method, path, query)
    assert labels.verb(method, info, query, content_type=content_type) == verb
    assert labels.scope(info) == scope


def test_dry_run_and_request_kind() -> None:
    assert labels.dry_run([]) == ""
    assert labels.dry_run(["All", "All"]) == "All"
    assert labels.dry_run(["Some"]) == "invalid"
    assert labels.request_kind(resolve_request_info("GET", "/api/v1/pods", {})) == "readOnly"
    assert labels.request_kind(resolve_request_info("POST", "/api/v1/namespaces/a/pods", {})) == "mutating"


def test_user_names_are_compressed() -> None:
    assert [compress_username(n) for n in ("admin", "jane@example.com", "alice")] == ["admin", "email_id", "other"]


def test_numbers_as_go_prints_them() -> None:
    assert [go_float(v) for v in (1.0, 0.005, 1000.0, 1e6, 1234567.0, 2.5, float("inf"))] == [
        "1", "0.005", "1000", "1e+06", "1.234567e+06", "2.5", "+Inf",
    ]


def test_exposition_keeps_real_names_and_bucket_order() -> None:
    metrics = ServerMetrics()
    route = {"verb": "LIST", "group": "", "version": "v1", "resource": "pods", "subresource": "",
             "scope": "namespace", "component": "apiserver"}
    metrics.requests.labels(dry_run="", code="200", **route).inc()
    metrics.request_duration.labels(dry_run="", **route).observe(0.01)
    metrics.authentication_attempts.labels(result="success").inc(2)
    text = render(metrics.registry, metrics.exposed_names).decode()
    assert "# HELP apiserver_request_total [STABLE] " in text
    assert "# TYPE apiserver_request_total counter\n" in text
    assert ('apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",'
            'scope="namespace",subresource="",verb="LIST",version="v1"} 1\n') in text
    assert ('apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="pods",'
            'scope="namespace",subresource="",verb="LIST",version="v1",le="0.025"} 1\n') in text
    assert "# TYPE authentication_attempts counter\nauthentication_attempts{result=\"success\"} 2\n" in text
    assert "_created" not in text
    assert "authentication_attempts_total" not in text
    # families with no series yet are left out, as client_golang leaves them out
    assert "apiserver_longrunning_requests" not in text
    assert 'apiserver_current_inflight_requests{request_kind="mutating"} 0\n' in text
    assert "process_cpu_seconds_total" in text


def test_each_server_has_its_own_registry() -> None:
    first, second = ServerMetrics(), ServerMetrics()
    first.authentication_attempts.labels(result="error").inc()
    assert 'result="error"' not in render(second.registry, second.exposed_names).decode()
