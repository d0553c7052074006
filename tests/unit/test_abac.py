"""ABAC: the policy file's line formats and conversions, and matching, as tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kubegate.api.user import ANONYMOUS, UserInfo
from kubegate.authz.abac.authorizer import ABACAuthorizer, matches
from kubegate.authz.abac.policy import Policy, PolicyFileError, load_policy_file, parse_line
from kubegate.authz.authorizer import Attributes, Decision

AUTHENTICATED = "system:authenticated"


def v1beta1(**spec: Any) -> str:
    return json.dumps({"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": spec})


@pytest.mark.parametrize(
    ("line", "policy", "versioned"),
    [
        (v1beta1(user="alice", namespace="ns", resource="pods", apiGroup="", readonly=True),
         Policy(user="alice", namespace="ns", resource="pods", readonly=True), True),
        # "*" as user or group means every authenticated user
        (v1beta1(user="*", nonResourcePath="/version"), Policy(group=AUTHENTICATED, non_resource_path="/version"), True),
        (v1beta1(group="*", resource="*"), Policy(group=AUTHENTICATED, resource="*"), True),
        (v1beta1(group="system:unauthenticated", nonResourcePath="*"),
         Policy(group="system:unauthenticated", non_resource_path="*"), True),
        # unversioned (v0) lines: blanks mean everything, and every API group
        ('{"user": "bob"}', Policy(user="bob", api_group="*", resource="*", namespace="*", non_resource_path="*"), False),
        ('{"namespace": "ns"}', Policy(group=AUTHENTICATED, api_group="*", resource="*", namespace="ns"), False),
        ('{"user": "*", "resource": "pods", "readonly": true}',
         Policy(group=AUTHENTICATED, api_group="*", resource="pods", namespace="*", readonly=True), False),
        ('{"kind": "Policy", "user": "carol"}',
         Policy(user="carol", api_group="*", resource="*", namespace="*", non_resource_path="*"), False),
    ],
)
def test_lines_convert_as_the_real_scheme_does(line: str, policy: Policy, versioned: bool) -> None:
    assert parse_line(line) == (policy, versioned)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{oops", "couldn't get version/kind; json parse error: Expecting property name enclosed in double quotes"),
        ("[1]", "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct"),
        ('{"apiVersion": "abac.authorization.kubernetes.io/v1", "kind": "Policy"}',
         ('no kind "Policy" is registered for version "abac.authorization.kubernetes.io/v1" in scheme '
          '"pkg/apis/abac/register.go"')),
        (v1beta1(user=7), "json: cannot unmarshal number into Go struct field PolicySpec.spec.user of type string"),
        ('{"readonly": "true"}', "json: cannot unmarshal string into Go struct field Policy.readonly of type bool"),
    ],
)
def test_bad_lines(line: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_line(line)
    assert str(caught.value) == message


def test_the_file_skips_comments_and_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.jsonl"
    path.write_text(f"# first\n\n   \n{v1beta1(user='a', resource='*', namespace='*', apiGroup='*')}\n")
    assert load_policy_file(path) == (Policy(user="a", resource="*", namespace="*", api_group="*"),)
    path.write_text(f"{v1beta1(user='a')}\n{{\"user\": []}}\n")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    assert str(caught.value) == (
        f'error reading policy file {path}, line 2: {{"user": []}}: '
        "json: cannot unmarshal array into Go struct field Policy.user of type string"
    )


ALICE = UserInfo("alice", groups=("dev", AUTHENTICATED))


def attrs(verb: str, resource: str = "", *, user: UserInfo = ALICE, namespace: str = "", group: str = "",
          path: str = "") -> Attributes:
    return Attributes(user=user, verb=verb, is_resource_request=bool(resource), namespace=namespace,
                      api_group=group, resource=resource, path=path)


@pytest.mark.parametrize(
    ("policy", "attributes", "allowed"),
    [
        (Policy(user="alice", namespace="ns", resource="pods"), attrs("create", "pods", namespace="ns"), True),
        (Policy(user="alice", namespace="ns", resource="pods"), attrs("create", "pods", namespace="other"), False),
        (Policy(user="alice", namespace="*", resource="pods"), attrs("list", "pods"), True),  # * includes cluster scope
        (Policy(user="alice", namespace="ns", resource="pods", api_group="apps"), attrs("get", "pods", namespace="ns"), False),
        (Policy(user="bob", namespace="*", resource="*", api_group="*"), attrs("get", "pods"), False),
        (Policy(group="dev", namespace="*", resource="*", api_group="*", readonly=True), attrs("watch", "pods"), True),
        (Policy(group="dev", namespace="*", resource="*", api_group="*", readonly=True), attrs("patch", "pods"), False),
        (Policy(user="alice", group="ops", namespace="*", resource="*", api_group="*"), attrs("get", "pods"), False),
        (Policy(namespace="*", resource="*", api_group="*"), attrs("get", "pods"), False),  # no subject: nobody
        (Policy(group=AUTHENTICATED, non_resource_path="*"), attrs("get", path="/healthz", user=ANONYMOUS), False),
        (Policy(group="system:unauthenticated", non_resource_path="/healthz"), attrs("get", path="/healthz", user=ANONYMOUS), True),
        (Policy(user="alice", non_resource_path="/logs/*"), attrs("get", path="/logs/kubelet.log"), True),
        (Policy(user="alice", non_resource_path="/logs/*"), attrs("get", path="/logs"), False),
        (Policy(user="alice", non_resource_path="*"), attrs("get", "pods"), False),  # paths never match resources
    ],
)
def test_matching(policy: Policy, attributes: Attributes, allowed: bool) -> None:
    assert matches(policy, attributes) is allowed


async def test_the_authorizer_allows_or_has_no_opinion() -> None:
    authorizer = ABACAuthorizer([Policy(user="alice", namespace="*", resource="pods", api_group="")])
    assert (await authorizer.authorize(attrs("get", "pods"))).decision is Decision.ALLOW
    verdict = await authorizer.authorize(attrs("get", "secrets"))
    assert (verdict.decision, verdict.reason) == (Decision.NO_OPINION, "No policy matched.")


def test_rules_for_lists_the_users_lines() -> None:
    authorizer = ABACAuthorizer([
        Policy(user="alice", namespace="ns", resource="pods", api_group="", readonly=True),
        Policy(group="dev", namespace="*", non_resource_path="/healthz"),
        Policy(user="bob", namespace="*", resource="*", api_group="*"),
    ])
    result = authorizer.rules_for(ALICE, "ns")
    assert result.resource_rules == ({"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]},)
    assert result.non_resource_rules == ({"verbs": ["*"], "nonResourceURLs": ["/healthz"]},)
    assert not result.incomplete
    assert authorizer.rules_for(ALICE, "other").resource_rules == ()
