"""RBAC rule matching, one table per matcher, as evaluation_helpers.go decides."""

from __future__ import annotations

import pytest

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes
from kubegate.authz.rbac.rules import (
    PolicyRule,
    api_group_matches,
    non_resource_url_matches,
    resource_matches,
    resource_name_matches,
    rule_allows,
    verb_matches,
)


@pytest.mark.parametrize(
    ("verbs", "verb", "expected"),
    [
        (("get", "list"), "list", True),
        (("get",), "list", False),
        (("*",), "deletecollection", True),
        (("*",), "escalate", True),
        ((), "get", False),
        (("GET",), "get", False),  # verbs are case-sensitive
    ],
)
def test_verb_matches(verbs: tuple[str, ...], verb: str, expected: bool) -> None:
    assert verb_matches(PolicyRule(verbs=verbs), verb) is expected


@pytest.mark.parametrize(
    ("groups", "group", "expected"),
    [
        (("",), "", True),
        (("",), "apps", False),
        (("apps", "batch"), "batch", True),
        (("*",), "rbac.authorization.k8s.io", True),
        (("*",), "", True),
        ((), "", False),
    ],
)
def test_api_group_matches(groups: tuple[str, ...], group: str, expected: bool) -> None:
    assert api_group_matches(PolicyRule(api_groups=groups), group) is expected


@pytest.mark.parametrize(
    ("resources", "combined", "subresource", "expected"),
    [
        (("pods",), "pods", "", True),
        (("pods",), "pods/log", "log", False),  # a resource does not grant its subresources
        (("pods/log",), "pods/log", "log", True),
        (("pods/log",), "pods", "", False),
        (("*",), "pods/exec", "exec", True),
        (("*/scale",), "deployments/scale", "scale", True),
        (("*/scale",), "deployments", "", False),
        (("*/scale",), "deployments/status", "status", False),
        (("*/sc",), "deployments/scale", "scale", False),
        (("*/status",), "pods/status", "status", True),
        ((), "pods", "", False),
    ],
)
def test_resource_matches(resources: tuple[str, ...], combined: str, subresource: str, expected: bool) -> None:
    assert resource_matches(PolicyRule(resources=resources), combined, subresource) is expected


@pytest.mark.parametrize(
    ("names", "name", "expected"),
    [
        ((), "anything", True),
        ((), "", True),
        (("web",), "web", True),
        (("web",), "db", False),
        (("web",), "", False),  # list, create, watch carry no name: only unnamed rules match
        (("web", "db"), "db", True),
    ],
)
def test_resource_name_matches(names: tuple[str, ...], name: str, expected: bool) -> None:
    assert resource_name_matches(PolicyRule(resource_names=names), name) is expected


@pytest.mark.parametrize(
    ("urls", "path", "expected"),
    [
        (("/healthz",), "/healthz", True),
        (("/healthz",), "/healthz/etcd", False),
        (("/healthz/*",), "/healthz/etcd", True),
        (("/healthz/*",), "/healthz", False),
        (("/api*",), "/apis/apps", True),  # a trailing * is a plain prefix
        (("/version", "/version/"), "/version/", True),
        (("*",), "/anything/at/all", True),
        (("*",), "/", True),
        ((), "/", False),
    ],
)
def test_non_resource_url_matches(urls: tuple[str, ...], path: str, expected: bool) -> None:
    assert non_resource_url_matches(PolicyRule(non_resource_urls=urls), path) is expected


ALICE = UserInfo("alice", groups=("dev",))


def resource_request(verb: str, resource: str, *, group: str = "", sub: str = "", name: str = "") -> Attributes:
    return Attributes(
        user=ALICE, verb=verb, is_resource_request=True, namespace="ns",
        api_group=group, resource=resource, subresource=sub, name=name,
    )  # fmt: skip


def path_request(verb: str, path: str) -> Attributes:
    return Attributes(user=ALICE, verb=verb, is_resource_request=False, path=path)


READ_PODS = PolicyRule(verbs=("get", "list"), api_groups=("",), resources=("pods",))
EXEC_WEB = PolicyRule(verbs=("create",), api_groups=("",), resources=("pods/exec",), resource_names=("web",))
HEALTH = PolicyRule(verbs=("get",), non_resource_urls=("/healthz", "/readyz/*"))


@pytest.mark.parametrize(
    ("attributes", "rule", "expected"),
    [
        (resource_request("list", "pods"), READ_PODS, True),
        (resource_request("get", "pods", name="web"), READ_PODS, True),
        (resource_request("delete", "pods", name="web"), READ_PODS, False),
        (resource_request("list", "pods", group="apps"), READ_PODS, False),
        (resource_request("get", "pods", sub="log", name="web"), READ_PODS, False),
        (resource_request("create", "pods", sub="exec", name="web"), EXEC_WEB, True),
        (resource_request("create", "pods", sub="exec", name="db"), EXEC_WEB, False),
        (path_request("get", "/healthz"), HEALTH, True),
        (path_request("get", "/readyz/etcd"), HEALTH, True),
        (path_request("post", "/healthz"), HEALTH, False),
        # a resource rule never allows a path, nor a URL rule a resource
        (path_request("get", "/api/v1/pods"), READ_PODS, False),
        (resource_request("get", "healthz"), HEALTH, False),
    ],
)
def test_rule_allows(attributes: Attributes, rule: PolicyRule, expected: bool) -> None:
    assert rule_allows(attributes, rule) is expected


def test_rules_from_unvalidated_objects_keep_only_strings() -> None:
    rule = PolicyRule.from_json({"verbs": ["get", 3, None], "apiGroups": "apps", "resources": ["pods"]})
    assert rule == PolicyRule(verbs=("get",), resources=("pods",))
    assert PolicyRule.from_json("nonsense") == PolicyRule()


def test_rule_wire_form_omits_empty_lists_but_verbs() -> None:
    assert PolicyRule(verbs=("get",), non_resource_urls=("/x",)).to_json() == {
        "verbs": ["get"], "nonResourceURLs": ["/x"],
    }  # fmt: skip
    assert PolicyRule().to_json() == {"verbs": []}


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (READ_PODS, '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}'),
        (EXEC_WEB, '{APIGroups:[""], Resources:["pods/exec"], ResourceNames:["web"], Verbs:["create"]}'),
        (HEALTH, '{NonResourceURLs:["/healthz" "/readyz/*"], Verbs:["get"]}'),
        (PolicyRule(verbs=("get",), api_groups=("",), resources=('we"ird',)),
         '{APIGroups:[""], Resources:["we\\"ird"], Verbs:["get"]}'),
    ],
)
def test_compact_string_prints_like_go(rule: PolicyRule, text: str) -> None:
    assert rule.compact_string() == text
