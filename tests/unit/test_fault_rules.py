"""Fault rules as data: what they match, how often they fire, and the errors bad ones give."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubegate.api.faults import REQUEST_TIMEOUT, FaultsError, FaultSet, load_file, parse_rule
from kubegate.api.requestinfo import RequestInfo, resolve_request_info
from kubegate.config import ConfigError, ServerConfig, validate


def info(method: str, path: str, **query: str) -> RequestInfo:
    return resolve_request_info(method, path, query)


LIST_PODS = info("GET", "/api/v1/namespaces/default/pods")
LIST_ALL_PODS = info("GET", "/api/v1/pods")
WATCH_PODS = info("GET", "/api/v1/namespaces/default/pods", watch="true")
GET_FLAKY = info("GET", "/api/v1/namespaces/default/configmaps/flaky")
GET_OTHER = info("GET", "/api/v1/namespaces/default/configmaps/other")
POD_LOG = info("GET", "/api/v1/namespaces/default/pods/web/log")
PATCH_STATUS = info("PATCH", "/apis/apps/v1/namespaces/prod/deployments/web/status")
VERSION = info("GET", "/version")
HEALTH = info("GET", "/readyz/etcd")


@pytest.mark.parametrize(
    ("match", "request_info", "user", "expected"),
    [
        ({"verb": "list", "resource": "pods"}, LIST_PODS, "jane", True),
        ({"verb": "list", "resource": "pods"}, LIST_ALL_PODS, "jane", True),
        ({"verb": "list", "resource": "pods"}, WATCH_PODS, "jane", False),
        ({"verb": ["list", "watch"]}, WATCH_PODS, "jane", True),
        ({"verb": "get", "resource": "configmaps", "name": "flaky"}, GET_FLAKY, "jane", True),
        ({"verb": "get", "resource": "configmaps", "name": "flaky"}, GET_OTHER, "jane", False),
        ({"resource": "pods/log"}, POD_LOG, "jane", True),
        ({"resource": "pods/log"}, LIST_PODS, "jane", False),
        ({"resource": "pods", "subresource": ""}, POD_LOG, "jane", False),
        ({"resource": "pods", "subresource": "log"}, POD_LOG, "jane", True),
        ({"resource": "deployments", "subresource": "status", "namespace": "prod"}, PATCH_STATUS, "x", True),
        ({"namespace": "prod"}, LIST_PODS, "jane", False),
        ({"user": "jane"}, LIST_PODS, "jane", True),
        ({"user": ["bob", "system:serviceaccount:default:ci"]}, LIST_PODS, "jane", False),
        ({"path": "/version"}, VERSION, "jane", True),
        ({"path": "/readyz*"}, HEALTH, "jane", True),
        ({"path": "/readyz"}, HEALTH, "jane", False),
        ({"verb": "*", "resource": "*"}, PATCH_STATUS, "jane", True),
        ({}, VERSION, "system:anonymous", True),
    ],
)
def test_match(match: dict[str, object], request_info: RequestInfo, user: str, expected: bool) -> None:
    rule = parse_rule({"match": match, "respond": {"code": 500}}, where="rule")
    assert rule.applies_to(request_info, user) is expected


def test_watch_actions_apply_to_watches_only() -> None:
    rule = parse_rule({"match": {"resource": "pods"}, "expireWatch": True}, where="rule")
    assert rule.applies_to(WATCH_PODS, "jane")
    assert not rule.applies_to(LIST_PODS, "jane")


def test_times_then_the_next_rule() -> None:
    faults = FaultSet()
    first = faults.add({"match": {"verb": "list"}, "respond": {"code": 429}, "times": 2})
    faults.add(match={"verb": "list"}, respond=500)
    codes = [rule.respond.code for rule in (faults.take(LIST_PODS, "u") for _ in range(4)) if rule and rule.respond]
    assert codes == [429, 429, 500, 500]
    assert first.fired == 2 and not first.armed


def test_clear_removes_every_rule() -> None:
    faults = FaultSet()
    faults.add(respond=500)
    faults.clear()
    assert faults.take(LIST_PODS, "u") is None and len(faults) == 0


def _draws(seed: int) -> list[bool]:
    faults = FaultSet(seed=seed)
    faults.add(respond=503, probability=0.5)
    return [faults.take(LIST_PODS, "u") is not None for _ in range(40)]


def test_probability_repeats_with_a_seed() -> None:
    first, again = _draws(7), _draws(7)
    assert first == again
    assert 5 < sum(first) < 35  # about half fire
    assert _draws(8) != first


def test_reseeding_restarts_the_draws() -> None:
    faults = FaultSet()
    faults.add(respond=503, probability=0.3)
    faults.seed(11)
    first = [faults.take(LIST_PODS, "u") is not None for _ in range(30)]
    faults.seed(11)
    assert [faults.take(LIST_PODS, "u") is not None for _ in range(30)] == first


def test_python_keywords_name_the_file_keys() -> None:
    rule = parse_rule({"end_watch": "1500ms", "latency": 0.25}, where="rule")
    assert rule.end_watch == 2 and rule.latency == 0.25  # a watch lasts whole seconds
    assert parse_rule({"timeout": True}, where="rule").timeout == REQUEST_TIMEOUT
    assert parse_rule({"timeout": "3s"}, where="rule").timeout == 3.0


def test_retry_after_defaults_follow_the_real_server() -> None:
    def retry(respond: object) -> int | None:
        reply = parse_rule({"respond": respond}, where="rule").respond
        assert reply is not None
        return reply.retry_after

    assert retry({"code": 429}) == 1
    assert retry({"code": 429, "retryAfterSeconds": 5}) == 5
    assert retry({"code": 429, "retryAfterSeconds": 0}) is None
    assert retry({"code": 503}) == 1
    assert retry({"code": 500}) is None
    assert retry({"code": 504, "retryAfterSeconds": 2}) == 2


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"match": {"verb": "list"}}, "rule: needs an action: one of respond, reset, timeout, endWatch, expireWatch, or latency"),
        ({"respond": 500, "reset": True}, "rule: choose one action, not respond and reset"),
        ({"respond": {"code": 418}}, "rule.respond.code: expected one of 400, 401, 403, 404, 409, 410, 429, 500, 503, 504, got 418"),
        ({"respond": {"code": "500"}}, "rule.respond.code: expected one of"),
        ({"respond": {"code": 429, "retryAfterSeconds": -1}}, "rule.respond.retryAfterSeconds: expected a whole number"),
        ({"respond": {"code": 500, "body": "x"}}, "rule.respond: unknown key 'body' (known keys: code, message, reason, retryAfterSeconds)"),
        ({"match": {"verbs": "list"}, "respond": 500}, "rule.match: unknown key 'verbs'"),
        ({"match": {"verb": "lists"}, "respond": 500}, "rule.match.verb: unknown verb 'lists'"),
        ({"match": {"path": "version"}, "respond": 500}, "rule.match.path: 'version' must start with /"),
        ({"match": {"name": 3}, "respond": 500}, "rule.match.name: expected a string or a list of strings, got 3"),
        ({"match": "pods", "respond": 500}, "rule.match: expected a mapping"),
        ({"respond": 500, "times": 0}, "rule: times: expected a positive integer, got 0"),
        ({"respond": 500, "probability": 1.5}, "rule: probability: expected a number in (0, 1], got 1.5"),
        ({"latency": "soon"}, "rule: latency: expected seconds or a duration such as 500ms, got 'soon'"),
        ({"endWatch": "100ms"}, "rule: endWatch: a watch lasts whole seconds, at least 1s"),
        ({"timeout": "0s"}, "rule: timeout: expected true or a positive duration"),
        ({"reset": "yes"}, "rule: reset: expected true or false, got 'yes'"),
        ({"respond": 500, "when": "always"}, "rule: unknown key 'when'"),
        (["respond"], "rule: expected a mapping"),
    ],
)
def test_bad_rules_say_which_key(rule: object, error: str) -> None:
    with pytest.raises(FaultsError) as raised:
        parse_rule(rule, where="rule")
    assert str(raised.value).startswith(error)


def test_the_file_form(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "seed: 3\n"
        "faults:\n"
        "- match: {verb: list, resource: pods}\n"
        "  respond: {code: 429, retryAfterSeconds: 1}\n"
        "  times: 2\n"
        "- match: {verb: get, resource: configmaps, name: flaky}\n"
        "  respond: {code: 500}\n"
    )
    seed, rules = load_file(path)
    assert seed == 3 and len(rules) == 2
    assert rules[0].times == 2 and rules[1].respond is not None and rules[1].respond.code == 500


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("faults:\n- match: {verb: list}\n  respond: {code: 418}\n", "faults[0].respond.code: expected one of"),
        ("faults:\n- respond: 500\n- {}\n", "faults[1]: needs an action"),
        ("faults: {respond: 500}\n", "faults: expected a list of rules"),
        ("rules: []\n", "unknown key 'rules' (known keys: faults, seed)"),
        ("seed: x\nfaults: []\n", "seed: expected an integer"),
        ("faults: [\n", "not valid YAML"),
    ],
)
def test_a_bad_file_stops_the_start_with_one_line(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        validate(ServerConfig(faults=path))
    message = str(raised.value)
    assert message.startswith(f"--faults {path}: ") and error in message
    assert "\n" not in message
