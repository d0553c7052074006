"""A fault rule as data: what it matches, what it does, how often; and the codes it may answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kubegate.api.requestinfo import RequestInfo

#: The status codes a rule may answer with: code -> (Status reason, default Retry-After seconds),
#: as k8s.io/apimachinery's error constructors pair them. The real apiserver always sends a
#: Retry-After with its 429s and with a 503 from a server that is not ready yet.
STATUS_CODES: Mapping[int, tuple[str, int | None]] = {
    400: ("BadRequest", None),
    401: ("Unauthorized", None),
    403: ("Forbidden", None),
    404: ("NotFound", None),
    409: ("Conflict", None),
    410: ("Expired", None),
    429: ("TooManyRequests", 1),
    500: ("InternalError", None),
    503: ("ServiceUnavailable", 1),
    504: ("Timeout", None),
}

#: Verbs a rule may name: the Kubernetes verbs, and the lowercased methods of non-resource requests.
VERBS = frozenset({
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy",
    "post", "put", "head", "options", "*",
})

#: `timeout: true`: the request's own `?timeout=`, else kube-apiserver's --request-timeout (60 s).
REQUEST_TIMEOUT = -1.0


@dataclass(frozen=True, slots=True)
class Match:
    """What a rule applies to; an empty field matches anything, `*` too."""

    verb: frozenset[str] = frozenset()
    resource: frozenset[str] = frozenset()
    subresource: frozenset[str] = frozenset()
    namespace: frozenset[str] = frozenset()
    name: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    #: exact paths, or prefixes ending in `*` (as RBAC's nonResourceURLs)
    path: tuple[str, ...] = ()

    def matches(self, info: RequestInfo, user: str) -> bool:
        return (
            _one_of(self.verb, info.verb)
            and _resource_matches(self.resource, info)
            and _one_of(self.subresource, info.subresource)
            and _one_of(self.namespace, info.namespace)
            and _one_of(self.name, info.name)
            and _one_of(self.user, user)
            and (not self.path or any(_path_matches(pattern, info.path) for pattern in self.path))
        )


def _one_of(wanted: frozenset[str], value: str) -> bool:
    return not wanted or "*" in wanted or value in wanted


def _resource_matches(wanted: frozenset[str], info: RequestInfo) -> bool:
    """`pods` matches the resource; `pods/log` the resource with that subresource."""
    if not wanted or "*" in wanted:
        return True
    return info.resource in wanted or f"{info.resource}/{info.subresource}" in wanted


def _path_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


@dataclass(frozen=True, slots=True)
class Reply:
    """`respond`: a Status with this code; `message` replaces the variable part of the text."""

    code: int
    message: str = ""
    reason: str = ""
    retry_after_seconds: int | None = None

    @property
    def status_reason(self) -> str:
        return self.reason or STATUS_CODES[self.code][0]

    @property
    def retry_after(self) -> int | None:
        """Seconds for `Retry-After` and `details.retryAfterSeconds` (None or 0: none sent)."""
        if self.retry_after_seconds is not None:
            return self.retry_after_seconds or None
        return STATUS_CODES[self.code][1]


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One rule: a match, at most one action (with `latency`, possibly none), and its limits."""

    match: Match = field(default_factory=Match)
    respond: Reply | None = None
    reset: bool = False
    #: seconds the request hangs before its 504 (REQUEST_TIMEOUT: the request's own deadline)
    timeout: float | None = None
    #: watches end (cleanly, as at their timeoutSeconds) after this many whole seconds
    end_watch: int | None = None
    #: watches get an ERROR event with a 410 Expired Status, then end
    expire_watch: bool = False
    latency: float = 0.0
    times: int | None = None
    probability: float = 1.0

    @property
    def watch_only(self) -> bool:
        return self.end_watch is not None or self.expire_watch

    def applies_to(self, info: RequestInfo, user: str) -> bool:
        if self.watch_only and info.verb != "watch":
            return False
        return self.match.matches(info, user)

    def describe(self) -> str:
        """A short name for request logs: `429 TooManyRequests`, `reset`, `latency 0.5s`..."""
        parts = []
        if self.respond is not None:
            parts.append(f"{self.respond.code} {self.respond.status_reason}")
        if self.reset:
            parts.append("reset")
        if self.timeout is not None:
            parts.append("timeout")
        if self.end_watch is not None:
            parts.append(f"endWatch {self.end_watch}s")
        if self.expire_watch:
            parts.append("expireWatch")
        if self.latency:
            parts.append(f"latency {self.latency:g}s")
        return ", ".join(parts)
