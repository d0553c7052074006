"""Reading fault rules from a faults file or Python keywords; errors name the file and the key."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kubegate.api.faults.rules import REQUEST_TIMEOUT, STATUS_CODES, VERBS, FaultRule, Match, Reply
from kubegate.config import parse_duration

MATCH_KEYS = ("verb", "resource", "subresource", "namespace", "name", "user", "path")
ACTION_KEYS = ("respond", "reset", "timeout", "endWatch", "expireWatch")
RULE_KEYS = ("match", *ACTION_KEYS, "latency", "times", "probability")
RESPOND_KEYS = ("code", "message", "reason", "retryAfterSeconds")


class FaultsError(ValueError):
    """A rule or faults file that cannot be used; the message names the file and the key."""


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
