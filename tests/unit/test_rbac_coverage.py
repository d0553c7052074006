"""Rule-set coverage (escalation checks, reconciliation), as component-helpers' Covers decides."""

from __future__ import annotations

import pytest

from kubegate.authz.rbac.coverage import breakdown, compact, covers, describe_missing
from kubegate.authz.rbac.rules import PolicyRule


def r(verbs: str, groups: str = "", resources: str = "", names: str = "", urls: str = "") -> PolicyRule:
    """A rule from comma lists; `-` stands for the core group "" in `groups`."""

    def split(text: str) -> tuple[str, ...]:
        return tuple(part for part in text.split(",") if part)

    return PolicyRule(
        verbs=split(verbs),
        api_groups=tuple("" if g == "-" else g for g in split(groups)),
        resources=split(resources),
        resource_names=split(names),
        non_resource_urls=split(urls),
    )


def test_breakdown_gives_one_verb_resource_and_name_per_rule() -> None:
    assert breakdown(r("get,list", "-,apps", "pods", names="a,b")) == [
        r("get", "-", "pods", "a"), r("get", "-", "pods", "b"),
        r("list", "-", "pods", "a"), r("list", "-", "pods", "b"),
        r("get", "apps", "pods", "a"), r("get", "apps", "pods", "b"),
        r("list", "apps", "pods", "a"), r("list", "apps", "pods", "b"),
    ]  # fmt: skip
    assert breakdown(r("get", urls="/a,/b")) == [r("get", urls="/a"), r("get", urls="/b")]


CLUSTER_ADMIN = [r("*", "*", "*"), r("*", urls="*")]


@pytest.mark.parametrize(
    ("owner", "requested", "expected"),
    [
        (CLUSTER_ADMIN, [r("get", "-", "pods"), r("get", urls="/metrics")], True),
        ([r("get,list", "-", "pods")], [r("get", "-", "pods")], True),
        ([r("get", "-", "pods")], [r("get,list", "-", "pods")], False),
        ([r("*", "-", "pods")], [r("escalate", "-", "pods")], True),
        ([r("get", "*", "pods")], [r("get", "apps", "pods")], True),
        ([r("get", "-", "pods")], [r("get", "*", "pods")], False),  # "*" as a group is only covered by "*"
        # subresources
        ([r("get", "-", "pods")], [r("get", "-", "pods/log")], False),
        ([r("get", "-", "*/log")], [r("get", "-", "pods/log")], True),
        ([r("get", "-", "*/log")], [r("get", "-", "pods")], False),
        ([r("get", "-", "*")], [r("get", "-", "pods/log")], True),
        # resource names: an unnamed owner rule covers any name; a named one only those names
        ([r("get", "-", "pods")], [r("get", "-", "pods", names="web")], True),
        ([r("get", "-", "pods", names="web")], [r("get", "-", "pods", names="web")], True),
        ([r("get", "-", "pods", names="web")], [r("get", "-", "pods", names="db")], False),
        ([r("get", "-", "pods", names="web")], [r("get", "-", "pods")], False),
        # non-resource URLs
        ([r("get", urls="/healthz/*")], [r("get", urls="/healthz/etcd")], True),
        ([r("get", urls="/healthz/*")], [r("get", urls="/healthz/*")], True),
        ([r("get", urls="/healthz")], [r("get", urls="/healthz/*")], False),
        ([r("get", "*", "*")], [r("get", urls="/healthz")], False),
        ([r("get", urls="*")], [r("get", "-", "pods")], False),
        # several owner rules may together cover one requested rule
        ([r("get", "-", "pods"), r("list", "-", "pods")], [r("get,list", "-", "pods")], True),
        ([], [], True),
        ([], [r("get", "-", "pods")], False),
    ],
)
def test_covers(owner: list[PolicyRule], requested: list[PolicyRule], expected: bool) -> None:
    assert covers(owner, requested)[0] is expected


def test_covers_reports_the_uncovered_atoms() -> None:
    ok, missing = covers([r("get", "-", "pods")], [r("get,delete", "-", "pods,secrets")])
    assert not ok
    assert missing == [r("delete", "-", "pods"), r("get", "-", "secrets"), r("delete", "-", "secrets")]


def test_compact_adds_up_verbs_of_simple_rules_only() -> None:
    atoms = [r("get", "-", "pods"), r("list", "-", "pods"), r("get", "-", "pods", names="x"), r("get", urls="/x")]
    assert compact(atoms) == [r("get", "-", "pods", names="x"), r("get", urls="/x"), r("get,list", "-", "pods")]


def test_missing_rules_are_described_sorted_once_each() -> None:
    _, missing = covers([], [r("get,list", "-,apps", "pods"), r("get", urls="/metrics"), r("get", "-", "pods")])
    assert describe_missing(missing) == (
        '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "get"]}\n'
        '{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    )
