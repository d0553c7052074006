"""Invariants of the built-in resource table that a kubectl user would notice if broken.

Shape rules (order, sorting, names, verbs) hold for every row of every supported release
(`ALL_BUILTIN_RESOURCES`); the counts and the rows pinned here are the default 1.32's surface
(`BUILTIN_RESOURCES`). tests/unit/test_api_lifecycle.py covers the other releases.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from kubegate.registry.builtin import (
    ALL_BUILTIN_RESOURCES,
    BUILTIN_RESOURCES,
    GROUP_ORDER,
    PREFERRED_VERSIONS,
)
from kubegate.registry.spec import CRUD_VERBS, ResourceSpec, Subresource

VALID_VERBS = frozenset(CRUD_VERBS)

EXPECTED_GROUP_VERSIONS = [
    "v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "events.k8s.io/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v2",
    "autoscaling/v1",
    "batch/v1",
    "certificates.k8s.io/v1",
    "networking.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "coordination.k8s.io/v1",
    "node.k8s.io/v1",
    "discovery.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
]

_SCALE = Subresource(
    "scale", verbs=("get", "patch", "update"), kind="Scale", group="autoscaling", version="v1"
)
_STATUS = Subresource("status", verbs=("get", "patch", "update"))


def _find(group: str, version: str, plural: str) -> ResourceSpec:
    for spec in BUILTIN_RESOURCES:
        if (spec.group, spec.version, spec.plural) == (group, version, plural):
            return spec
    raise AssertionError(f"no row for {group}/{version}/{plural}")


def _gv_order() -> list[str]:
    seen: list[str] = []
    for spec in BUILTIN_RESOURCES:
        if spec.group_version not in seen:
            seen.append(spec.group_version)
    return seen


def test_table_serves_exactly_the_ga_group_versions_in_server_order() -> None:
    assert _gv_order() == EXPECTED_GROUP_VERSIONS


def test_rows_of_a_group_version_are_contiguous() -> None:
    gvs = [spec.group_version for spec in ALL_BUILTIN_RESOURCES]
    runs = [gv for i, gv in enumerate(gvs) if i == 0 or gvs[i - 1] != gv]
    assert len(runs) == len(set(runs))


def test_group_order_matches_rows_and_preferred_versions() -> None:
    groups_in_rows = list(dict.fromkeys(spec.group for spec in ALL_BUILTIN_RESOURCES))
    assert list(GROUP_ORDER) == groups_in_rows
    assert GROUP_ORDER[0] == ""
    # 1.32 serves every group but resource.k8s.io (GA in 1.34), the last in group order
    assert list(PREFERRED_VERSIONS) == list(GROUP_ORDER[:-1])
    for group, version in PREFERRED_VERSIONS.items():
        first = next(s for s in BUILTIN_RESOURCES if s.group == group)
        assert first.version == version, group
    assert PREFERRED_VERSIONS["autoscaling"] == "v2"


def test_resources_within_a_group_version_are_sorted_by_plural() -> None:
    by_gv: dict[str, list[str]] = defaultdict(list)
    for spec in ALL_BUILTIN_RESOURCES:
        by_gv[spec.group_version].append(spec.plural)
    for gv, plurals in by_gv.items():
        assert plurals == sorted(plurals), gv


def test_no_duplicate_group_version_plural_or_kind() -> None:
    keys = [(s.group, s.version, s.plural) for s in ALL_BUILTIN_RESOURCES]
    assert len(keys) == len(set(keys))
    kinds = [(s.group, s.version, s.kind) for s in ALL_BUILTIN_RESOURCES]
    assert len(kinds) == len(set(kinds))


def test_kubectl_get_all_lists_the_real_set() -> None:
    in_all = {s.group_resource for s in BUILTIN_RESOURCES if "all" in s.categories}
    assert in_all == {
        "pods",
        "services",
        "replicationcontrollers",
        "daemonsets.apps",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "horizontalpodautoscalers.autoscaling",
        "cronjobs.batch",
        "jobs.batch",
    }


def test_api_extensions_category() -> None:
    members = {s.group_resource for s in BUILTIN_RESOURCES if "api-extensions" in s.categories}
    assert members == {
        "apiservices.apiregistration.k8s.io",
        "customresourcedefinitions.apiextensions.k8s.io",
        "mutatingwebhookconfigurations.admissionregistration.k8s.io",
        "validatingwebhookconfigurations.admissionregistration.k8s.io",
        "validatingadmissionpolicies.admissionregistration.k8s.io",
        "validatingadmissionpolicybindings.admissionregistration.k8s.io",
    }
    assert {c for s in BUILTIN_RESOURCES for c in s.categories} == {"all", "api-extensions"}


def test_short_names_resolve_to_one_resource() -> None:
    # A short name may repeat only across versions of one group (hpa) and for the two Event
    # APIs (core and events.k8s.io both say `ev`, as on a real server).
    owners: dict[str, set[str]] = defaultdict(set)
    for spec in ALL_BUILTIN_RESOURCES:
        for short in spec.short_names:
            owners[short].add(spec.group_resource)
    shared = {short: res for short, res in owners.items() if len(res) > 1}
    assert shared == {"ev": {"events", "events.events.k8s.io"}}
    plurals = {s.plural for s in ALL_BUILTIN_RESOURCES}
    assert not plurals & set(owners), "a short name shadows a plural"


@pytest.mark.parametrize(
    ("short", "group_resource"),
    [
        ("po", "pods"),
        ("svc", "services"),
        ("ns", "namespaces"),
        ("no", "nodes"),
        ("sa", "serviceaccounts"),
        ("cm", "configmaps"),
        ("ep", "endpoints"),
        ("ev", "events"),
        ("limits", "limitranges"),
        ("quota", "resourcequotas"),
        ("rc", "replicationcontrollers"),
        ("pvc", "persistentvolumeclaims"),
        ("pv", "persistentvolumes"),
        ("cs", "componentstatuses"),
        ("deploy", "deployments.apps"),
        ("ds", "daemonsets.apps"),
        ("rs", "replicasets.apps"),
        ("sts", "statefulsets.apps"),
        ("cj", "cronjobs.batch"),
        ("hpa", "horizontalpodautoscalers.autoscaling"),
        ("ing", "ingresses.networking.k8s.io"),
        ("netpol", "networkpolicies.networking.k8s.io"),
        ("pdb", "poddisruptionbudgets.policy"),
        ("pc", "priorityclasses.scheduling.k8s.io"),
        ("sc", "storageclasses.storage.k8s.io"),
        ("csr", "certificatesigningrequests.certificates.k8s.io"),
        ("crd", "customresourcedefinitions.apiextensions.k8s.io"),
        ("crds", "customresourcedefinitions.apiextensions.k8s.io"),
    ],
)
def test_well_known_short_names(short: str, group_resource: str) -> None:
    assert any(
        short in s.short_names and s.group_resource == group_resource for s in BUILTIN_RESOURCES
    )


def test_all_verbs_are_valid_and_sorted() -> None:
    for spec in ALL_BUILTIN_RESOURCES:
        assert spec.verbs, spec.plural
        assert set(spec.verbs) <= VALID_VERBS, spec.plural
        assert list(spec.verbs) == sorted(spec.verbs), spec.plural
        names = [sub.name for sub in spec.subresources]
        assert names == sorted(names), spec.plural
        assert len(names) == len(set(names)), spec.plural
        for sub in spec.subresources:
            assert sub.verbs and set(sub.verbs) <= VALID_VERBS, f"{spec.plural}/{sub.name}"
            assert list(sub.verbs) == sorted(sub.verbs), f"{spec.plural}/{sub.name}"
            # group/version are only ever given together, and only with a kind.
            assert bool(sub.group) == bool(sub.version), f"{spec.plural}/{sub.name}"
            assert not sub.version or sub.kind, f"{spec.plural}/{sub.name}"


def test_singular_is_lowercase_kind() -> None:
    for spec in ALL_BUILTIN_RESOURCES:
        assert spec.singular == spec.kind.lower(), spec.plural
        assert spec.plural == spec.plural.lower()


def test_review_and_binding_resources_are_create_only() -> None:
    create_only = {s.group_resource for s in BUILTIN_RESOURCES if s.verbs == ("create",)}
    assert create_only == {
        "bindings",
        "selfsubjectreviews.authentication.k8s.io",
        "tokenreviews.authentication.k8s.io",
        "localsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
        "subjectaccessreviews.authorization.k8s.io",
    }
    assert _find("", "v1", "componentstatuses").verbs == ("get", "list")
    assert _find("", "v1", "events").verbs == CRUD_VERBS
    assert _find("events.k8s.io", "v1", "events").verbs == CRUD_VERBS


def test_no_alpha_or_feature_gated_entries() -> None:
    # in 1.32 these are all beta-off-by-default or alpha; the later GA ones come in 1.33/1.34
    plurals = {s.plural for s in BUILTIN_RESOURCES}
    for absent in (
        "servicecidrs",
        "ipaddresses",
        "volumeattributesclasses",
        "mutatingadmissionpolicies",
        "leasecandidates",
        "resourceclaims",
    ):
        assert absent not in plurals
    assert _find("", "v1", "pods").subresource("resize") is None


def test_pods_row() -> None:
    assert _find("", "v1", "pods") == ResourceSpec(
        group="",
        version="v1",
        kind="Pod",
        plural="pods",
        singular="pod",
        namespaced=True,
        verbs=CRUD_VERBS,
        short_names=("po",),
        categories=("all",),
        subresources=(
            Subresource("attach", verbs=("create", "get"), kind="PodAttachOptions"),
            Subresource("binding", verbs=("create",), kind="Binding"),
            Subresource("ephemeralcontainers", verbs=("get", "patch", "update")),
            Subresource(
                "eviction", verbs=("create",), kind="Eviction", group="policy", version="v1"
            ),
            Subresource("exec", verbs=("create", "get"), kind="PodExecOptions"),
            Subresource("log", verbs=("get",)),
            Subresource("portforward", verbs=("create", "get"), kind="PodPortForwardOptions"),
            Subresource(
                "proxy",
                verbs=("create", "delete", "get", "patch", "update"),
                kind="PodProxyOptions",
            ),
            _STATUS,
        ),
    )


def test_deployments_row() -> None:
    assert _find("apps", "v1", "deployments") == ResourceSpec(
        group="apps",
        version="v1",
        kind="Deployment",
        plural="deployments",
        singular="deployment",
        namespaced=True,
        verbs=CRUD_VERBS,
        short_names=("deploy",),
        categories=("all",),
        subresources=(_SCALE, _STATUS),
    )
    for plural in ("replicasets", "statefulsets"):
        assert _find("apps", "v1", plural).subresource("scale") == _SCALE
    assert _find("", "v1", "replicationcontrollers").subresource("scale") == _SCALE
    assert _find("apps", "v1", "daemonsets").subresource("scale") is None


def test_serviceaccount_token() -> None:
    sa = _find("", "v1", "serviceaccounts")
    assert sa.short_names == ("sa",)
    assert sa.subresources == (
        Subresource(
            "token",
            verbs=("create",),
            kind="TokenRequest",
            group="authentication.k8s.io",
            version="v1",
        ),
    )


def test_certificatesigningrequests_row() -> None:
    csr = _find("certificates.k8s.io", "v1", "certificatesigningrequests")
    assert not csr.namespaced
    assert csr.short_names == ("csr",)
    assert csr.subresources == (
        Subresource("approval", verbs=("get", "patch", "update")),
        _STATUS,
    )


def test_namespaces_row() -> None:
    assert _find("", "v1", "namespaces") == ResourceSpec(
        group="",
        version="v1",
        kind="Namespace",
        plural="namespaces",
        singular="namespace",
        namespaced=False,
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        short_names=("ns",),
        subresources=(Subresource("finalize", verbs=("update",)), _STATUS),
    )


def test_proxy_subresources() -> None:
    proxy_verbs = ("create", "delete", "get", "patch", "update")
    assert _find("", "v1", "nodes").subresource("proxy") == Subresource(
        "proxy", verbs=proxy_verbs, kind="NodeProxyOptions"
    )
    assert _find("", "v1", "services").subresource("proxy") == Subresource(
        "proxy", verbs=proxy_verbs, kind="ServiceProxyOptions"
    )


def test_counts_per_group_version() -> None:
    counts: dict[str, int] = defaultdict(int)
    for spec in BUILTIN_RESOURCES:
        counts[spec.group_version] += 1
    assert dict(counts) == {
        "v1": 17,
        "apiregistration.k8s.io/v1": 1,
        "apps/v1": 5,
        "events.k8s.io/v1": 1,
        "authentication.k8s.io/v1": 2,
        "authorization.k8s.io/v1": 4,
        "autoscaling/v2": 1,
        "autoscaling/v1": 1,
        "batch/v1": 2,
        "certificates.k8s.io/v1": 1,
        "networking.k8s.io/v1": 3,
        "policy/v1": 1,
        "rbac.authorization.k8s.io/v1": 4,
        "storage.k8s.io/v1": 5,
        "admissionregistration.k8s.io/v1": 4,
        "apiextensions.k8s.io/v1": 1,
        "scheduling.k8s.io/v1": 1,
        "coordination.k8s.io/v1": 1,
        "node.k8s.io/v1": 1,
        "discovery.k8s.io/v1": 1,
        "flowcontrol.apiserver.k8s.io/v1": 2,
    }
    assert sum(len(spec.subresources) for spec in BUILTIN_RESOURCES) == 42
