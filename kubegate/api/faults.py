"""Fault-injection rules: which requests fail, and how (`--faults FILE`, `Server.faults`).

A CI job wants to see its client survive a flaky control plane: throttling (429 with
Retry-After), a failing store (500), an overloaded server (503, 504), slow answers, dropped
connections, watches that end or expire. A rule is data: what it matches (the request's
Kubernetes verb, resource, subresource, namespace, name, user, path), one action, and optionally
how many `times` it fires and with what `probability`, drawn from a generator seeded per rule so
that a run repeats. Rules are tried in order; the first armed one that matches and wins its draw
applies. This module only decides; the fault filter (endpoints/filters/faults.py) acts.

The file form, with the same keys accepted by `FaultSet.add`:

    seed: 7
    faults:
    - match: {verb: list, resource: pods}
      respond: {code: 429, retryAfterSeconds: 1}
      times: 2
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubegate.api.requestinfo import RequestInfo
from kubegate.config import parse_duration

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

MATCH_KEYS = ("verb", "resource", "subresource", "namespace", "name", "user", "path")
ACTION_KEYS = ("respond", "reset", "timeout", "endWatch", "expireWatch")
RULE_KEYS = ("match", *ACTION_KEYS, "latency", "times", "probability")
RESPOND_KEYS = ("code", "message", "reason", "retryAfterSeconds")

#: `timeout: true`: the request's own `?timeout=`, else kube-apiserver's --request-timeout (60 s).
REQUEST_TIMEOUT = -1.0


class FaultsError(ValueError):
    """A rule or faults file that cannot be used; the message names the file and the key."""


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


class Fault:
    """A rule in force: how often it fired, how often it may still fire, its own random draws."""

    def __init__(self, rule: FaultRule, rng: random.Random) -> None:
        self.rule = rule
        self.fired = 0
        self._rng = rng

    @property
    def armed(self) -> bool:
        return self.rule.times is None or self.fired < self.rule.times

    def draw(self) -> bool:
        return self.rule.probability >= 1.0 or self._rng.random() < self.rule.probability

    def __repr__(self) -> str:
        return f"<Fault {self.rule.describe()} fired={self.fired}>"


class FaultSet:
    """The rules of one server, in order; safe to change from another thread while it serves."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._seed = seed

    def add(self, rule: FaultRule | Mapping[str, Any] | None = None, /, **fields: Any) -> Fault:
        """Add a rule (a FaultRule, or a mapping / keywords with the file's keys) after the others."""
        if not isinstance(rule, FaultRule):
            rule = parse_rule({**(rule or {}), **fields}, where="fault rule")
        with self._lock:
            fault = Fault(rule, self._rng(len(self._faults)))
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def seed(self, value: int | None) -> None:
        """Restart every rule's draws from `value` (None: unpredictable), e.g. before each test."""
        with self._lock:
            self._seed = value
            for index, fault in enumerate(self._faults):
                fault._rng = self._rng(index)

    def load(self, path: Path) -> None:
        """Add the rules of a faults file, taking its `seed` if it has one."""
        seed, rules = load_file(path)
        if seed is not None:
            self.seed(seed)
        for rule in rules:
            self.add(rule)

    @property
    def faults(self) -> tuple[Fault, ...]:
        with self._lock:
            return tuple(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, info: RequestInfo, user: str) -> FaultRule | None:
        """The rule that fires for this request, counted as fired; None when no rule does."""
        with self._lock:
            for fault in self._faults:
                if fault.armed and fault.rule.applies_to(info, user) and fault.draw():
                    fault.fired += 1
                    return fault.rule
        return None

    def _rng(self, index: int) -> random.Random:
        return random.Random(f"{self._seed}:{index}") if self._seed is not None else random.Random()


# --- reading rules -----------------------------------------------------------------------------


def load_file(path: Path) -> tuple[int | None, list[FaultRule]]:
    """The seed and rules of a faults file; FaultsError names the file and the key."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise FaultsError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise FaultsError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    if data is None:
        return None, []
    if not isinstance(data, dict):
        raise FaultsError(f"{path}: expected a mapping with a `faults` list")
    _known(data, ("faults", "seed"), where=str(path))
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise FaultsError(f"{path}: seed: expected an integer, got {seed!r}")
    rules = data.get("faults") or []
    if not isinstance(rules, list):
        raise FaultsError(f"{path}: faults: expected a list of rules")
    return seed, [parse_rule(rule, where=f"{path}: faults[{index}]") for index, rule in enumerate(rules)]


def parse_rule(data: Any, *, where: str) -> FaultRule:
    if not isinstance(data, Mapping):
        raise FaultsError(f"{where}: expected a mapping with match and an action")
    data = {_camel(str(key)): value for key, value in data.items()}
    _known(data, RULE_KEYS, where=where)
    actions = [key for key in ACTION_KEYS if data.get(key) is not None and data.get(key) is not False]
    latency = _duration(data, "latency", where=where) or 0.0
    if len(actions) > 1:
        raise FaultsError(f"{where}: choose one action, not {' and '.join(actions)}")
    if not actions and not latency:
        raise FaultsError(f"{where}: needs an action: one of {', '.join(ACTION_KEYS)}, or latency")
    end_watch = _duration(data, "endWatch", where=where)
    if end_watch is not None and end_watch < 1:
        raise FaultsError(f"{where}: endWatch: a watch lasts whole seconds, at least 1s")
    times = data.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise FaultsError(f"{where}: times: expected a positive integer, got {times!r}")
    probability = data.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 < probability <= 1:
        raise FaultsError(f"{where}: probability: expected a number in (0, 1], got {probability!r}")
    return FaultRule(
        match=_parse_match(data.get("match"), where=f"{where}.match"),
        respond=_parse_reply(data["respond"], where=f"{where}.respond") if "respond" in actions else None,
        reset=_flag(data, "reset", where=where),
        timeout=_timeout(data, where=where),
        end_watch=math.ceil(end_watch) if end_watch is not None else None,
        expire_watch=_flag(data, "expireWatch", where=where),
        latency=latency,
        times=times,
        probability=float(probability),
    )


def _parse_match(data: Any, *, where: str) -> Match:
    if data is None:
        return Match()
    if not isinstance(data, Mapping):
        raise FaultsError(f"{where}: expected a mapping of {', '.join(MATCH_KEYS)}")
    _known(data, MATCH_KEYS, where=where)
    values = {key: _strings(data[key], where=f"{where}.{key}") for key in MATCH_KEYS if key in data}
    for verb in values.get("verb", ()):
        if verb not in VERBS:
            raise FaultsError(f"{where}.verb: unknown verb {verb!r} (one of {', '.join(sorted(VERBS))})")
    for path in values.get("path", ()):
        if not path.startswith("/"):
            raise FaultsError(f"{where}.path: {path!r} must start with /")
    return Match(
        **{key: frozenset(value) for key, value in values.items() if key != "path"},
        path=tuple(values.get("path", ())),
    )


def _parse_reply(data: Any, *, where: str) -> Reply:
    if isinstance(data, int) and not isinstance(data, bool):
        data = {"code": data}  # `respond: 500`
    if not isinstance(data, Mapping):
        raise FaultsError(f"{where}: expected a mapping with a code")
    _known(data, RESPOND_KEYS, where=where)
    code = data.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code not in STATUS_CODES:
        codes = ", ".join(map(str, STATUS_CODES))
        raise FaultsError(f"{where}.code: expected one of {codes}, got {code!r}")
    retry = data.get("retryAfterSeconds")
    if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
        raise FaultsError(f"{where}.retryAfterSeconds: expected a whole number of seconds, got {retry!r}")
    for key in ("message", "reason"):
        if not isinstance(data.get(key, ""), str):
            raise FaultsError(f"{where}.{key}: expected a string")
    return Reply(code, str(data.get("message", "")), str(data.get("reason", "")), retry)


def _known(data: Mapping[str, Any], keys: tuple[str, ...], *, where: str) -> None:
    for key in data:
        if key not in keys:
            raise FaultsError(f"{where}: unknown key {str(key)!r} (known keys: {', '.join(keys)})")


def _camel(key: str) -> str:
    """`end_watch` -> `endWatch`, so that Python keywords name the file's keys."""
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _strings(value: Any, *, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise FaultsError(f"{where}: expected a string or a list of strings, got {value!r}")
    return items


def _flag(data: Mapping[str, Any], key: str, *, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise FaultsError(f"{where}: {key}: expected true or false, got {value!r}")
    return value


def _timeout(data: Mapping[str, Any], *, where: str) -> float | None:
    """`timeout: true` waits for the request's own deadline; a duration waits that long."""
    value = data.get("timeout")
    if value is True:
        return REQUEST_TIMEOUT
    if value is None or value is False:
        return None
    seconds = _duration(data, "timeout", where=where)
    if not seconds:
        raise FaultsError(f"{where}: timeout: expected true or a positive duration, got {value!r}")
    return seconds


def _duration(data: Mapping[str, Any], key: str, *, where: str) -> float | None:
    """Seconds, from a number or a Go duration (`500ms`, `2s`)."""
    value = data.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        seconds = float(value) if isinstance(value, (int, float)) else parse_duration(str(value))
    except (TypeError, ValueError):
        raise FaultsError(f"{where}: {key}: expected seconds or a duration such as 500ms, got {value!r}") from None
    if seconds < 0 or math.isinf(seconds) or math.isnan(seconds):
        raise FaultsError(f"{where}: {key}: expected a positive duration, got {value!r}")
    return seconds
