"""The metrics one server exports, declared as a table, in a registry of that server's own.

Names, labels, types, buckets and stability levels are the real apiserver's (1.32); the help
texts are kubegate's own words, prefixed with the stability level as component-base prints it.
Counters keep their real names whether or not they end in `_total` (`authentication_attempts`
does not): `exposition` writes them under `EXPOSED_NAMES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from kubegate.audit.policy import Level

STABLE = "STABLE"
ALPHA = "ALPHA"

REQUEST_LABELS = ("verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component")
LONG_RUNNING_LABELS = ("verb", "group", "version", "resource", "subresource", "scope", "component")
REQUEST_DURATION_BUCKETS = (
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
)
#: ExponentialBuckets(1000, 10, 7)
RESPONSE_SIZE_BUCKETS = tuple(1000.0 * 10**i for i in range(7))
#: ExponentialBuckets(0.001, 2, 15)
AUTH_DURATION_BUCKETS = tuple(0.001 * 2**i for i in range(15))

#: user names kept as they are in authenticated_user_requests (others: `email_id` or `other`)
KEPT_USERNAMES = frozenset({"admin", "client", "kube_proxy", "kubelet", "system:serviceaccount:kube-system:default"})


def _help(stability: str, text: str) -> str:
    return f"[{stability}] {text}"


@dataclass
class ServerMetrics:
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))
    #: family name -> the name the real server exposes (counters whose name lacks `_total`)
    exposed_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.requests = self._counter(
            "apiserver_request_total", STABLE,
            "Requests served, by verb, dry run, group, version, resource, subresource, scope, component and code.",
            (*REQUEST_LABELS, "code"),
        )
        self.request_duration = Histogram(
            "apiserver_request_duration_seconds",
            _help(STABLE, "How long requests took to answer, in seconds, by verb, dry run, group, version, "
                          "resource, subresource, scope and component."),
            REQUEST_LABELS, buckets=REQUEST_DURATION_BUCKETS, registry=self.registry,
        )
        self.response_sizes = Histogram(
            "apiserver_response_sizes",
            _help(STABLE, "Size of the answers to get and list requests, in bytes."),
            LONG_RUNNING_LABELS, buckets=RESPONSE_SIZE_BUCKETS, registry=self.registry,
        )
        self.inflight = Gauge(
            "apiserver_current_inflight_requests",
            _help(STABLE, "Requests being served right now, read-only and mutating apart (long-running ones not counted)."),
            ("request_kind",), registry=self.registry,
        )
        for kind in ("readOnly", "mutating"):
            self.inflight.labels(request_kind=kind)
        self.long_running = Gauge(
            "apiserver_longrunning_requests",
            _help(STABLE, "Long-running requests open right now (watches, logs, exec), by their request labels."),
            LONG_RUNNING_LABELS, registry=self.registry,
        )
        self.authentication_attempts = self._counter(
            "authentication_attempts", ALPHA, "Authentication attempts, by result.", ("result",),
        )
        self.authentication_duration = Histogram(
            "authentication_duration_seconds",
            _help(ALPHA, "How long authentication took, in seconds, by result."),
            ("result",), buckets=AUTH_DURATION_BUCKETS, registry=self.registry,
        )
        self.authenticated_users = self._counter(
            "authenticated_user_requests", ALPHA,
            "Authenticated requests, by user name (well-known names only; `email_id` or `other` for the rest).",
            ("username",),
        )
        self.authorization_attempts = self._counter(
            "authorization_attempts_total", ALPHA,
            "Authorization attempts, by result: allowed, denied, no-opinion or error.", ("result",),
        )
        self.authorization_duration = Histogram(
            "authorization_duration_seconds",
            _help(ALPHA, "How long authorization took, in seconds, by result."),
            ("result",), buckets=AUTH_DURATION_BUCKETS, registry=self.registry,
        )
        self.audit_events = self._counter(
            "apiserver_audit_event_total", ALPHA, "Audit events made and handed to the audit backends.", (),
        )
        self.audit_levels = self._counter(
            "apiserver_audit_level_total", ALPHA, "Audit policy levels picked, one per request.", ("level",),
        )
        self.audit_errors = self._counter(
            "apiserver_audit_error_total", ALPHA, "Audit events a backend failed to record, by plugin.", ("plugin",),
        )
        ProcessCollector(registry=self.registry)

    def _counter(self, name: str, stability: str, text: str, labels: Sequence[str]) -> Counter:
        counter = Counter(name, _help(stability, text), labels, registry=self.registry)
        self.exposed_names[counter._name] = name
        return counter

    # the audit observer (kubegate.audit.context.AuditObserver)
    def level(self, level: Level) -> None:
        self.audit_levels.labels(level=level.text).inc()

    def event(self) -> None:
        self.audit_events.inc()

    def error(self, plugin: str, count: int = 1) -> None:
        self.audit_errors.labels(plugin=plugin).inc(count)


def compress_username(name: str) -> str:
    """authenticated_user_requests keeps a handful of names; the rest become `email_id` or `other`."""
    if name in KEPT_USERNAMES:
        return name
    return "email_id" if "@" in name else "other"
