"""The audit policy file: what it must look like, and which rule a request falls under."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kubegate.api.requestinfo import resolve_request_info
from kubegate.api.user import UserInfo
from kubegate.audit.checker import evaluate
from kubegate.audit.policy import Level, PolicyError, load_policy, parse_policy

HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

ALICE = UserInfo("alice", groups=("dev", "system:authenticated"))
BOB = UserInfo("bob", groups=("ops", "system:authenticated"))


def info(method: str, path: str, query: str = ""):  # type: ignore[no-untyped-def]
    params = dict(part.split("=", 1) for part in query.split("&") if part)
    return resolve_request_info(method, path, params)


def level(policy_text: str, method: str, path: str, user: UserInfo | None = ALICE, query: str = "") -> str:
    return evaluate(parse_policy((HEAD + policy_text).encode()), info(method, path, query), user).level.text


RULES = """\
rules:
- level: None
  users: ["system:kube-proxy"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
    resourceNames: ["settings"]
- level: Request
  resources:
  - group: ""
    resources: ["pods/log", "*/status"]
- level: Request
  resources:
  - group: "apps"
    resources: ["deployments/*"]
- level: Metadata
  namespaces: ["kube-system"]
- level: Request
  userGroups: ["ops"]
  verbs: ["create", "update", "patch"]
- level: Metadata
  nonResourceURLs: ["/healthz*", "/version"]
- level: None
  nonResourceURLs: ["*"]
- level: Metadata
  omitStages: ["RequestReceived"]
"""


@pytest.mark.parametrize(
    ("method", "path", "user", "expected"),
    [
        # first matching rule wins, users by name
        ("GET", "/api/v1/namespaces/default/pods", UserInfo("system:kube-proxy"), "None"),
        # resourceNames narrow a resource
        ("GET", "/api/v1/namespaces/default/configmaps/settings", ALICE, "RequestResponse"),
        ("GET", "/api/v1/namespaces/default/configmaps/other", ALICE, "Metadata"),
        ("GET", "/api/v1/namespaces/default/configmaps", ALICE, "Metadata"),
        # subresources: exact `pods/log`, `*/status`; `deployments/*` is the resource and all its subresources
        ("GET", "/api/v1/namespaces/default/pods/web/log", ALICE, "Request"),
        ("PUT", "/api/v1/namespaces/default/services/web/status", ALICE, "Request"),
        ("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", ALICE, "Request"),
        ("GET", "/apis/apps/v1/namespaces/default/deployments/web", ALICE, "Request"),
        ("GET", "/api/v1/namespaces/default/pods/web", ALICE, "Metadata"),
        # namespaces
        ("GET", "/api/v1/namespaces/kube-system/secrets", ALICE, "Metadata"),
        # any of the user's groups, and verbs
        ("POST", "/api/v1/namespaces/default/secrets", BOB, "Request"),
        ("POST", "/api/v1/namespaces/default/secrets", ALICE, "Metadata"),
        # non-resource URLs: a trailing `*`, exact paths, then everything else
        ("GET", "/healthz/etcd", ALICE, "Metadata"),
        ("GET", "/version", ALICE, "Metadata"),
        ("GET", "/openapi/v2", ALICE, "None"),
        # a request whose authentication failed has no user: rules naming users never match it
        ("GET", "/api/v1/namespaces/default/pods", None, "Metadata"),
    ],
)
def test_first_matching_rule_picks_the_level(method: str, path: str, user: UserInfo | None, expected: str) -> None:
    assert level(RULES, method, path, user) == expected


def test_no_matching_rule_means_none_and_stages_merge_into_rules() -> None:
    policy = parse_policy((HEAD + "omitStages: [RequestReceived]\nrules:\n- level: Metadata\n  omitStages: [Panic]\n"
                           "  verbs: [get]\n").encode())
    assert evaluate(policy, info("GET", "/api/v1/pods/x"), ALICE).omit_stages == {"RequestReceived", "Panic"}
    assert evaluate(policy, info("DELETE", "/api/v1/namespaces/a/pods/x"), ALICE).level is Level.NONE


def test_group_star_and_resources_star() -> None:
    text = "rules:\n- level: Request\n  resources: [{group: '*', resources: ['*']}]\n- level: Metadata\n"
    assert level(text, "GET", "/apis/apps/v1/deployments") == "Request"
    assert level(text, "GET", "/api/v1/namespaces/a/pods/p/log") == "Request"
    assert level(text, "GET", "/version") == "Metadata"


def test_omit_managed_fields_rule_overrides_the_policy() -> None:
    text = ("omitManagedFields: true\nrules:\n- level: Request\n  verbs: [create]\n  omitManagedFields: false\n"
            "- level: Request\n")
    policy = parse_policy((HEAD + text).encode())
    assert evaluate(policy, info("POST", "/api/v1/namespaces/a/pods"), ALICE).omit_managed_fields is False
    assert evaluate(policy, info("GET", "/api/v1/namespaces/a/pods"), ALICE).omit_managed_fields is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n- level: Loud\n",
         'rules[0].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse"'),
        ("rules:\n- users: [bob]\n", "rules[0].level: Required value"),
        ("rules: []\n", "loaded illegal policy with 0 rules"),
        ("rules:\n- level: Metadata\n  users: bob\n",
         "failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.users of type []string"),
        ("rules:\n- level: Metadata\n  nonResourceURLs: ['healthz', '/a*b']\n",
         ('[rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a \'/\' '
          "character, rules[0].nonResourceURLs[1]: Invalid value: \"/a*b\": non-resource URL wildcards '*' must be "
          "the final character of the rule]")),
        ("rules:\n- level: Metadata\n  nonResourceURLs: ['/x']\n  namespaces: [a]\n",
         ('rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources '
          "and non-resource URLs")),
        ("rules:\n- level: Metadata\n  resources: [{group: Apps.Example, resourceNames: [x]}]\n",
         "rules[0].resources.group: Invalid value: \"Apps.Example\""),
        ("omitStages: [Finished]\nrules:\n- level: Metadata\n",
         ('omitStages[0]: Invalid value: "Finished": allowed stages are RequestReceived,ResponseStarted,'
          "ResponseComplete,Panic")),
    ],
)
def test_bad_policies_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy((HEAD + text).encode())
    assert message in str(raised.value)


def test_kind_and_version_are_required() -> None:
    with pytest.raises(PolicyError, match="Object 'Kind' is missing"):
        parse_policy(b"rules:\n- level: Metadata\n")
    with pytest.raises(PolicyError, match='no kind "Policy" is registered for version "audit.k8s.io/v1beta1"'):
        parse_policy(b"apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n")


def test_unknown_fields_only_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kubegate.audit"):
        policy = parse_policy((HEAD + "rules:\n- level: Metadata\n  verbz: [get]\n").encode())
    assert policy.rules[0].level is Level.METADATA
    assert 'unknown field "rules[0].verbz"' in caplog.text


def test_the_file_is_named_in_every_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    with pytest.raises(PolicyError, match=f'failed to read file path "{path}"'):
        load_policy(path)
    path.write_text(HEAD + "rules:\n- level: Loud\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith("loading audit policy file: rules[0].level: Unsupported value")
    assert str(raised.value).endswith(f": from file {path}")
