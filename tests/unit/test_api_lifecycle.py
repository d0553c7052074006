"""What each `--kubernetes-version` serves: the release's default API surface, from one table.

The expectations are written out per release, independently of `registry/lifecycle.py`, from
what a stock kube-apiserver of that minor lists in discovery with no `--runtime-config`.
"""

from __future__ import annotations

import pytest

from kubegate.config import ServerConfig
from kubegate.endpoints.version import VersionInfo
from kubegate.registry import lifecycle
from kubegate.registry.builtin import (
    ALL_BUILTIN_RESOURCES,
    BUILTIN_RESOURCES,
    PREFERRED_VERSIONS,
    preferred_versions,
    served_resources,
)
from kubegate.registry.conversion import CONVERSIONS, flowcontrol
from kubegate.registry.spec import ResourceSpec

MINORS = range(27, 36)
FLOWCONTROL = "flowcontrol.apiserver.k8s.io"

#: The group-versions every release from 1.27 to 1.35 serves.
ALWAYS = {
    "v1", "apiregistration.k8s.io/v1", "apps/v1", "events.k8s.io/v1", "authentication.k8s.io/v1",
    "authorization.k8s.io/v1", "autoscaling/v2", "autoscaling/v1", "batch/v1", "certificates.k8s.io/v1",
    "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
    "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "scheduling.k8s.io/v1",
    "coordination.k8s.io/v1", "node.k8s.io/v1", "discovery.k8s.io/v1",
}
#: The rest, per release: flowcontrol's versions (preferred first) and resource.k8s.io.
CHANGING: dict[int, list[str]] = {
    27: [f"{FLOWCONTROL}/v1beta3", f"{FLOWCONTROL}/v1beta2"],
    28: [f"{FLOWCONTROL}/v1beta3", f"{FLOWCONTROL}/v1beta2"],
    29: [f"{FLOWCONTROL}/v1", f"{FLOWCONTROL}/v1beta3"],
    30: [f"{FLOWCONTROL}/v1", f"{FLOWCONTROL}/v1beta3"],
    31: [f"{FLOWCONTROL}/v1", f"{FLOWCONTROL}/v1beta3"],
    32: [f"{FLOWCONTROL}/v1"],
    33: [f"{FLOWCONTROL}/v1"],
    34: [f"{FLOWCONTROL}/v1", "resource.k8s.io/v1"],
    35: [f"{FLOWCONTROL}/v1", "resource.k8s.io/v1"],
}
#: Resources (and one subresource) of long-served group-versions, and the release adding them.
ADDED = {
    ("authentication.k8s.io", "v1", "selfsubjectreviews"): 28,
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies"): 30,
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings"): 30,
    ("networking.k8s.io", "v1", "servicecidrs"): 33,
    ("networking.k8s.io", "v1", "ipaddresses"): 33,
    ("", "v1", "pods/resize"): 33,
    ("storage.k8s.io", "v1", "volumeattributesclasses"): 34,
    ("resource.k8s.io", "v1", "resourceclaims"): 34,
}


def _names(minor: int) -> set[tuple[str, str, str]]:
    names = set()
    for spec in served_resources(minor):
        names.add(spec.version_key)
        names.update((spec.group, spec.version, f"{spec.plural}/{sub.name}") for sub in spec.subresources)
    return names


@pytest.mark.parametrize("minor", MINORS)
def test_each_release_serves_its_group_versions(minor: int) -> None:
    served = list(dict.fromkeys(spec.group_version for spec in served_resources(minor)))
    assert set(served) == ALWAYS | set(CHANGING[minor])
    assert [gv for gv in served if gv not in ALWAYS] == CHANGING[minor]  # in priority order


@pytest.mark.parametrize("minor", MINORS)
def test_flowcontrol_prefers_its_newest_served_version(minor: int) -> None:
    preferred = preferred_versions(served_resources(minor))
    assert preferred[FLOWCONTROL] == CHANGING[minor][0].split("/")[1]
    assert preferred["autoscaling"] == "v2"
    assert ("resource.k8s.io" in preferred) == (minor >= 34)


@pytest.mark.parametrize(("key", "first"), ADDED.items(), ids=["/".join(k) for k in ADDED])
def test_resources_appear_from_the_release_that_adds_them(key: tuple[str, str, str], first: int) -> None:
    assert [minor for minor in MINORS if key in _names(minor)] == list(range(first, 36))


def test_the_default_release_is_what_kubegate_always_served() -> None:
    assert served_resources(32) == BUILTIN_RESOURCES
    assert preferred_versions(BUILTIN_RESOURCES) == PREFERRED_VERSIONS
    pods = next(spec for spec in BUILTIN_RESOURCES if spec.plural == "pods")
    assert pods.subresource("resize") is None  # alpha in 1.32: off


def test_releases_outside_the_table_get_the_nearest_one() -> None:
    assert served_resources(26) == served_resources(27)
    assert served_resources(40) == served_resources(35)
    assert lifecycle.supported_minor(32) == 32


def test_every_span_names_a_row_or_subresource() -> None:
    known = {(s.group, s.version, "") for s in ALL_BUILTIN_RESOURCES} | {s.version_key for s in ALL_BUILTIN_RESOURCES}
    known |= {(s.group, s.version, f"{s.plural}/{sub.name}") for s in ALL_BUILTIN_RESOURCES for sub in s.subresources}
    assert [span for span in lifecycle.SPANS if (span.group, span.version, span.resource) not in known] == []
    assert all(lifecycle.OLDEST_MINOR <= span.first <= span.last <= lifecycle.NEWEST_MINOR for span in lifecycle.SPANS)


def test_every_row_is_served_by_some_release() -> None:
    served = {spec.version_key for minor in MINORS for spec in served_resources(minor)}
    assert served == {spec.version_key for spec in ALL_BUILTIN_RESOURCES}


def test_flowcontrol_betas_are_views_of_v1() -> None:
    for beta in ("v1beta2", "v1beta3"):
        for plural in ("flowschemas", "prioritylevelconfigurations"):
            conversion = CONVERSIONS[(FLOWCONTROL, beta, plural)]
            assert (conversion.storage_group, conversion.storage_version) == (FLOWCONTROL, "v1")
    v1beta2 = {"spec": {"type": "Limited", "limited": {"assuredConcurrencyShares": 5, "lendablePercent": 10}}}
    v1 = flowcontrol.v1beta2_to_v1(v1beta2)
    assert v1["spec"]["limited"] == {"nominalConcurrencyShares": 5, "lendablePercent": 10}
    assert flowcontrol.v1_to_v1beta2(v1) == v1beta2
    exempt = {"spec": {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0}}}
    assert flowcontrol.v1_to_v1beta2(exempt) == exempt  # only limited levels had the old name


def _row(group: str, version: str, plural: str) -> ResourceSpec:
    return next(s for s in ALL_BUILTIN_RESOURCES if s.version_key == (group, version, plural))


@pytest.mark.parametrize(
    ("row", "minor", "warning"),
    [
        ((FLOWCONTROL, "v1beta3", "flowschemas"), 28, None),
        ((FLOWCONTROL, "v1beta3", "flowschemas"), 29, ("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in "
         "v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 FlowSchema")),
        ((FLOWCONTROL, "v1beta2", "prioritylevelconfigurations"), 27, ("flowcontrol.apiserver.k8s.io/v1beta2 "
         "PriorityLevelConfiguration is deprecated in v1.26+, unavailable in v1.29+; use "
         "flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration")),
        (("", "v1", "endpoints"), 32, None),
        (("", "v1", "endpoints"), 33, "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"),
        ((FLOWCONTROL, "v1", "flowschemas"), 35, None),
    ],
)
def test_deprecated_apis_warn_from_their_release(row: tuple[str, str, str], minor: int, warning: str | None) -> None:
    assert lifecycle.deprecation_warning(_row(*row), minor) == warning


def test_the_default_minor_is_the_default_version_s() -> None:
    assert VersionInfo.parse(ServerConfig().kubernetes_version).minor_int == lifecycle.DEFAULT_MINOR
