"""Which built-in APIs a stock kube-apiserver of a given minor release serves, as data.

`--kubernetes-version 1.N` should give clients the API surface of a real 1.N server started with
no `--runtime-config` and no feature gates: kubectl's discovery cache, `api-versions`,
`api-resources`, `explain` and every route agree with what they would see there. The rows in
`registry/builtin.py` hold every resource any supported minor serves; this table says when each
one is served. A row that no span mentions is served in every supported minor.

A span names a whole group-version (`resource` empty), one resource of a group-version
(`selfsubjectreviews`), or one subresource (`pods/resize`). The narrowest span that names a
row decides, so a resource added to a long-served group-version needs one line here, not code.

`DEPRECATIONS` says from which minor a served API is deprecated: every request to it then
carries the real server's Warning (`flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is
deprecated in v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 FlowSchema`),
which kubectl prints. The "unavailable" release is where the span ends.

Served by default means GA group-versions, plus the betas that were already on before beta
APIs went off by default (1.24): of those only flowcontrol v1beta2/v1beta3 remain in range.
Betas first shipped after 1.24 (servicecidrs, volumeattributesclasses, resource.k8s.io
v1beta1/v1beta2, ...) and every alpha are off by default, so they are never served here.
Sources: kube-apiserver's stable and legacy-beta lists (pkg/controlplane), the API deprecation
guide, the feature-gate pages, and the schemas each release publishes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from kubegate.registry.spec import ResourceSpec

#: The oldest and newest minor whose surface the table describes.
OLDEST_MINOR = 27
NEWEST_MINOR = 35
#: `--kubernetes-version`'s default minor (1.32.4).
DEFAULT_MINOR = 32


@dataclass(frozen=True, slots=True)
class Span:
    """`group/version[/resource[/subresource]]` is served from minor `first` to `last` inclusive."""

    group: str
    version: str
    resource: str = ""
    first: int = OLDEST_MINOR
    last: int = NEWEST_MINOR

    def covers(self, minor: int) -> bool:
        return self.first <= minor <= self.last


_FLOWCONTROL = "flowcontrol.apiserver.k8s.io"

# fmt: off
SPANS: tuple[Span, ...] = (
    # whole group-versions
    Span(_FLOWCONTROL, "v1", first=29),                    # GA in 1.29
    Span(_FLOWCONTROL, "v1beta3", last=31),                # legacy beta; removed in 1.32
    Span(_FLOWCONTROL, "v1beta2", last=28),                # legacy beta; removed in 1.29
    Span("resource.k8s.io", "v1", first=34),               # DRA GA in 1.34
    # resources added to group-versions served longer than they are
    Span("authentication.k8s.io", "v1", "selfsubjectreviews", first=28),
    Span("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", first=30),
    Span("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", first=30),
    Span("networking.k8s.io", "v1", "ipaddresses", first=33),
    Span("networking.k8s.io", "v1", "servicecidrs", first=33),
    Span("storage.k8s.io", "v1", "volumeattributesclasses", first=34),
    # subresources (InPlacePodVerticalScaling: beta and on by default from 1.33)
    Span("", "v1", "pods/resize", first=33),
)
# fmt: on

_BY_NAME: dict[tuple[str, str, str], Span] = {
    (span.group, span.version, span.resource): span for span in SPANS
}


@dataclass(frozen=True, slots=True)
class Deprecation:
    """`group/version[/resource]` is deprecated from minor `since`; `use` names the replacement
    `(group/version, kind)`, if there is one."""

    group: str
    version: str
    resource: str
    since: int
    use: tuple[str, str] | None = None


# fmt: off
DEPRECATIONS: tuple[Deprecation, ...] = (
    Deprecation(_FLOWCONTROL, "v1beta2", "", 26, (f"{_FLOWCONTROL}/v1beta3", "")),
    Deprecation(_FLOWCONTROL, "v1beta3", "", 29, (f"{_FLOWCONTROL}/v1", "")),
    Deprecation("", "v1", "endpoints", 33, ("discovery.k8s.io/v1", "EndpointSlice")),
)
# fmt: on


def supported_minor(minor: int) -> int:
    """The minor whose surface is served for `minor`: itself, or the nearest one in the table."""
    return min(max(minor, OLDEST_MINOR), NEWEST_MINOR)


def _served(group: str, version: str, resource: str, minor: int) -> bool:
    """The narrowest span naming `group/version/resource` decides; none means always served."""
    names = [resource] if resource else []
    if "/" in resource:
        names.append(resource.split("/", 1)[0])
    names.append("")
    for name in names:
        span = _BY_NAME.get((group, version, name))
        if span is not None:
            return span.covers(minor)
    return True


def is_served(spec: ResourceSpec, minor: int) -> bool:
    """Whether a built-in row is served by a stock server of `minor`."""
    return _served(spec.group, spec.version, spec.plural, minor)


def served_rows(rows: Iterable[ResourceSpec], minor: int) -> tuple[ResourceSpec, ...]:
    """The rows `minor` serves, in their order, each with only the subresources it serves."""
    served = []
    for spec in rows:
        if not is_served(spec, minor):
            continue
        subresources = tuple(
            sub
            for sub in spec.subresources
            if _served(spec.group, spec.version, f"{spec.plural}/{sub.name}", minor)
        )
        if subresources != spec.subresources:
            spec = dataclasses.replace(spec, subresources=subresources)
        served.append(spec)
    return tuple(served)


def preferred_versions(rows: Iterable[ResourceSpec]) -> dict[str, str]:
    """Group -> preferred version: the group's first version in row order.

    Rows list a group's versions by the aggregator's version priority (GA before beta, newer
    before older), so the first one served is the one discovery prefers: flowcontrol's v1beta3
    in 1.27 and 1.28, v1 from 1.29.
    """
    preferred: dict[str, str] = {}
    for spec in rows:
        preferred.setdefault(spec.group, spec.version)
    return preferred


def deprecation_warning(spec: ResourceSpec, minor: int) -> str | None:
    """The Warning every request to `spec` gets from a server of `minor`, if it is deprecated.

    A replacement kind left empty is the resource's own kind (a new version of the same API).
    """
    for found in DEPRECATIONS:
        if (found.group, found.version) != (spec.group, spec.version) or found.resource not in ("", spec.plural):
            continue
        if minor < found.since:
            return None
        text = f"{spec.group_version} {spec.kind} is deprecated in v1.{found.since}+"
        span = _BY_NAME.get((spec.group, spec.version, spec.plural)) or _BY_NAME.get((spec.group, spec.version, ""))
        if span is not None and span.last < NEWEST_MINOR:
            text += f", unavailable in v1.{span.last + 1}+"
        if found.use is not None:
            text += f"; use {found.use[0]} {found.use[1] or spec.kind}"
        return text
    return None
