"""Admission webhook pieces as tables: rule matching, configuration defaults, matchConditions,
the checks on a webhook's reply, and the texts of answers the REST client does not accept."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.webhook import rules
from kubegate.admission.webhook.configuration import ALL_SCOPES, Rule, hooks_of
from kubegate.admission.webhook.failures import denial
from kubegate.admission.webhook.matching import Matcher
from kubegate.admission.webhook.review import InvalidResponse, verify
from kubegate.api import errors
from kubegate.api.user import UserInfo
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.webhook import admission as client

CATALOG = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)


def rule(resources: tuple[str, ...], *, scope: str = ALL_SCOPES, operations: tuple[str, ...] = ("*",)) -> Rule:
    return Rule(operations, ("*",), ("*",), resources, scope)


def target(resource: str, subresource: str = "", namespace: str = "ns", operation: str = "CREATE") -> rules.Target:
    group, version = ("", "v1") if resource in ("pods", "namespaces", "configmaps") else ("apps", "v1")
    return rules.Target(operation, group, version, resource, subresource, namespace)


@pytest.mark.parametrize(("rule_", "target_", "expected"), [
    (rule(("pods",)), target("pods"), True),
    (rule(("pods",)), target("pods", "status"), False),
    (rule(("pods/status",)), target("pods", "status"), True),
    (rule(("*",)), target("pods", "status"), False),
    (rule(("*/status",)), target("deployments", "status"), True),
    (rule(("*/*",)), target("deployments", "scale"), True),
    (rule(("pods/*",)), target("pods"), True),  # "*" as subresource includes none
    (rule(("pods",), operations=("UPDATE",)), target("pods"), False),
    (rule(("pods",), scope="Namespaced"), target("pods"), True),
    (rule(("pods",), scope="Cluster"), target("pods"), False),
    (rule(("namespaces",), scope="Namespaced"), target("namespaces", namespace="ns"), False),
    (rule(("namespaces",), scope="Cluster"), target("namespaces", namespace="ns"), True),
    (rule(("pods",), scope="Sideways"), target("pods"), False),
])  # fmt: skip
def test_rules_match_as_the_real_predicate(rule_: Rule, target_: rules.Target, expected: bool) -> None:
    assert rules.matches(rule_, target_) is expected


def test_configurations_are_defaulted_and_numbered() -> None:
    configuration = {"metadata": {"name": "conf"}, "webhooks": [
        {"name": "a.example.com", "clientConfig": {"service": {"namespace": "ns", "name": "svc"}},
         "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]},
        {"name": "a.example.com", "clientConfig": {"url": "https://x", "caBundle": "not base64!"}},
    ]}  # fmt: skip
    first, second = hooks_of(configuration, mutating=True)
    assert (first.uid, second.uid) == ("conf/a.example.com/0", "conf/a.example.com/1")
    assert (first.failure_policy, first.match_policy, first.timeout_seconds) == ("Fail", "Equivalent", 10)
    assert (first.reinvocation_policy, first.side_effects) == ("Never", None)
    assert first.rules[0].scope == "*"
    assert first.client.service is not None and first.client.service.port == 443
    assert first.namespace_selector.selector is not None and first.namespace_selector.selector.is_empty
    assert second.client.ca_bundle is None  # not base64: fails when called, as a bad bundle


class _NoObjects:
    """An ObjectCache with nothing in it (empty selectors never look anything up)."""

    revision = 0

    def get(self, resource: Any, key: Any) -> None:
        return None

    def scan(self, resource: Any, **options: Any) -> Iterator[Any]:
        return iter(())


def _attributes() -> AdmissionAttributes:
    spec = CATALOG.lookup("", "v1", "configmaps")
    assert spec is not None
    return AdmissionAttributes(
        operation="CREATE", spec=spec, namespace="default", name="c", subresource="",
        user=UserInfo("alice"), obj={"metadata": {"name": "c"}}, old=None,
    )  # fmt: skip


def _conditional(failure_policy: str) -> Any:
    configuration = {"metadata": {"name": "conf"}, "webhooks": [{
        "name": "cel.example.com", "failurePolicy": failure_policy,
        "rules": [{"operations": ["*"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]}],
        "matchConditions": [{"name": "one", "expression": "first"}, {"name": "two", "expression": "second"}],
    }]}  # fmt: skip
    [hook] = hooks_of(configuration, mutating=False)
    return hook


def test_match_conditions_are_left_to_an_evaluator() -> None:
    hook = _conditional("Fail")
    # without an evaluator they are not evaluated: the webhook is called
    assert Matcher(_NoObjects(), CATALOG).should_call(hook, _attributes()) is not None
    seen: list[tuple[str, Any]] = []

    def evaluate(expression: str, activation: Any) -> bool:
        seen.append((expression, activation))
        return expression == "first"

    assert Matcher(_NoObjects(), CATALOG, conditions=evaluate).should_call(hook, _attributes()) is None
    expression, activation = seen[-1]
    assert expression == "second"
    assert activation["object"] == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert activation["oldObject"] is None
    assert activation["request"]["operation"] == "CREATE" and activation["request"]["name"] == "c"


def test_match_condition_errors_follow_the_failure_policy() -> None:
    def broken(expression: str, activation: Any) -> bool:
        raise ValueError(f"no such key: {expression}")

    with pytest.raises(errors.StatusError) as refused:
        Matcher(_NoObjects(), CATALOG, conditions=broken).should_call(_conditional("Fail"), _attributes())
    assert (refused.value.code, refused.value.message) == (
        403, 'configmaps "c" is forbidden: [no such key: first, no such key: second]'
    )  # fmt: skip
    assert Matcher(_NoObjects(), CATALOG, conditions=broken).should_call(_conditional("Ignore"), _attributes()) is None


def _reply(**response: Any) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": "u", **response}}


PATCH = base64.b64encode(b"[]").decode()


@pytest.mark.parametrize(("reply", "mutating", "message"), [
    (None, True, "webhook response was absent"),
    ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}, True, "webhook response was absent"),
    (_reply(allowed=True) | {"apiVersion": "v1", "kind": "Status"}, True,
     "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /v1, Kind=Status"),
    (_reply(allowed=True, patch=PATCH), True, "webhook returned response.patch but not response.patchType"),
    (_reply(allowed=True, patchType="JSONPatch"), True, "webhook returned response.patchType but not response.patch"),
    (_reply(allowed=True, patch=PATCH, patchType="JSONPatch"), False, "validating webhook may not return response.patch"),
    (_reply(allowed=True, patchType="JSONPatch"), False, "validating webhook may not return response.patchType"),
])  # fmt: skip
def test_replies_are_checked_as_the_real_server_checks_them(reply: Any, mutating: bool, message: str) -> None:
    with pytest.raises(InvalidResponse, match=f"^{message}$"):
        verify(reply, uid="u", version="v1", mutating=mutating)


def test_a_denial_keeps_the_webhooks_status() -> None:
    error = denial("w", {"code": 422, "reason": "Invalid", "message": "bad", "details": {"causes": []}})
    assert (error.code, error.reason, error.message, error.details) == (
        422, "Invalid", 'admission webhook "w" denied the request: bad', {"causes": []},
    )  # fmt: skip
    assert denial("w", {"code": 200, "reason": "NotNice"}).to_status() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'admission webhook "w" denied the request: NotNice', "reason": "NotNice", "code": 400,
    }  # fmt: skip


@pytest.mark.parametrize(("status", "content_type", "body", "message"), [
    (500, "text/plain", b"boom\n", 'an error on the server ("boom") has prevented the request from succeeding'),
    (500, "application/json", b'{"oops":1}', 'an error on the server ("unknown") has prevented the request from succeeding'),
    (503, "application/json", b'{"kind":"Status","status":"Failure","message":"down for lunch"}', "down for lunch"),
    (404, "text/plain", b"nope", "the server could not find the requested resource"),
    (418, "text/plain", b"teapot", "the server responded with the status code 418 but did not return more information"),
    (200, "application/json", b"", "0-length response with status code: 200 and content type: application/json"),
])  # fmt: skip
def test_answers_the_rest_client_refuses_have_its_texts(status: int, content_type: str, body: bytes, message: str) -> None:
    with pytest.raises(client.CallFailed) as failed:
        client._decode(status, content_type, body)
    assert str(failed.value) == message
