"""Version conversion for resources served in more than one version.

The real apiserver keeps one storage version per resource and converts on the way in (to the
storage version) and on the way out (to the version the request named): autoscaling/v1 and v2
HorizontalPodAutoscalers are one resource, events.k8s.io/v1 events are core/v1 events seen
differently, and flowcontrol's betas (served by 1.27 to 1.31) are views of its v1 objects. Both share one store key, so they share objects, resourceVersions and watches.

`CONVERSIONS` is the table: served (group, version, plural), as `ResourceSpec.version_key` has
it -> the storage (group, version, plural) and the two converters. A resource not in the table is stored as written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.registry.conversion import autoscaling, events, flowcontrol
from kubegate.registry.conversion.qualified import errors_as
from kubegate.registry.spec import ResourceSpec, VersionKey
from kubegate.storage.cacher import Event
from kubegate.storage.interface import Stored

__all__ = [
    "CONVERSIONS", "Conversion", "conversion_of", "errors_as", "matching_served", "served", "served_event",
    "storage_key", "storage_spec", "to_served", "to_storage",
]

Convert = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Conversion:
    """How one served version reaches its resource's storage version and back."""

    storage_group: str
    storage_version: str
    storage_plural: str
    kind: str
    to_storage: Convert
    from_storage: Convert


_FLOWCONTROL = "flowcontrol.apiserver.k8s.io"

#: served (group, version, plural) -> its conversion; storage versions are not listed
CONVERSIONS: dict[VersionKey, Conversion] = {
    ("autoscaling", "v1", "horizontalpodautoscalers"): Conversion(
        "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
        autoscaling.to_v2, autoscaling.to_v1,
    ),
    ("events.k8s.io", "v1", "events"): Conversion(
        "", "v1", "events", "Event", events.to_core, events.from_core,
    ),
    **{
        (_FLOWCONTROL, beta, plural): Conversion(_FLOWCONTROL, "v1", plural, kind, to_v1, from_v1)
        for beta, to_v1, from_v1 in (
            ("v1beta3", flowcontrol.same_shape, flowcontrol.same_shape),
            ("v1beta2", flowcontrol.v1beta2_to_v1, flowcontrol.v1_to_v1beta2),
        )
        for plural, kind in (("flowschemas", "FlowSchema"), ("prioritylevelconfigurations", "PriorityLevelConfiguration"))
    },
}


def conversion_of(spec: ResourceSpec) -> Conversion | None:
    if spec.custom_resource:
        return None
    return CONVERSIONS.get(spec.version_key)


def storage_key(spec: ResourceSpec) -> tuple[str, str]:
    """The store key every served version of the resource shares."""
    conversion = conversion_of(spec)
    if conversion is None:
        return (spec.group, spec.plural)
    return (conversion.storage_group, conversion.storage_plural)


def storage_spec(spec: ResourceSpec) -> ResourceSpec:
    """The row of the version `spec`'s resource is stored in (`spec` itself if it is that one)."""
    conversion = conversion_of(spec)
    if conversion is None:
        return spec
    return dataclasses.replace(
        spec, group=conversion.storage_group, version=conversion.storage_version, plural=conversion.storage_plural,
    )


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def to_storage(spec: ResourceSpec, obj: dict[str, Any]) -> dict[str, Any]:
    """A request body of `spec`'s version in the storage version (unchanged if no conversion)."""
    conversion = conversion_of(spec)
    if conversion is None:
        return obj
    out = conversion.to_storage(obj)
    out["apiVersion"] = _api_version(conversion.storage_group, conversion.storage_version)
    out["kind"] = conversion.kind
    return out


def to_served(spec: ResourceSpec, obj: dict[str, Any]) -> dict[str, Any]:
    """A stored object in `spec`'s version."""
    conversion = conversion_of(spec)
    if conversion is None:
        return obj
    out = conversion.from_storage(obj)
    out["apiVersion"], out["kind"] = spec.api_version, spec.kind
    return out


def matching_served(spec: ResourceSpec, matches: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    """A selector over `spec`'s version, applied to stored objects (field paths differ by version)."""
    return lambda obj: matches(to_served(spec, obj))


def served(spec: ResourceSpec, stored: Stored) -> Stored:
    """A stored object, bytes included, in `spec`'s version."""
    if conversion_of(spec) is None:
        return stored
    obj = to_served(spec, stored.obj)
    return Stored(obj, orjson.dumps(obj), stored.revision)


def served_event(spec: ResourceSpec, event: Event) -> Event:
    """A watch event in `spec`'s version (the object and the one before it)."""
    if conversion_of(spec) is None:
        return event
    previous = served(spec, event.previous) if event.previous is not None else None
    return Event(event.type, event.resource, event.key, served(spec, event.stored), previous)
