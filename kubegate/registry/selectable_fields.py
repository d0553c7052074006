"""Which fields each resource can be filtered on with `fieldSelector`, and their values.

Two tables from the real server meet here. The field label conversions registered per kind
(kubernetes pkg/apis/*/v1) decide which labels a request may use, and rename a few on the way
(`spec.host` is an old name for `spec.nodeName`; events.k8s.io's `regarding.kind` is stored
as core's `involvedObject.kind`). Each registry's GetAttrs then decides what value an object
has for a field, in Go's formatting: booleans as `true`/`false`, counts as decimal, unset as `""`,
and with the defaults the real server would have stored (a Service's `spec.type` is
`ClusterIP`). A kind without a conversion of its own accepts only `metadata.name` and
`metadata.namespace`; so does apps/v1 ReplicaSet, whose registry computes `status.replicas`
that no label can reach.

Rows are keyed by the resource (`ResourceSpec.resource_key`: group, plural) and looked up with
the spec: every served version of a resource filters on the same labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubegate.api.fields import FieldSelector, check_supported
from kubegate.registry.spec import ResourceKey, ResourceSpec

Value = Callable[[dict[str, Any]], str]

COMMON_FIELDS = ("metadata.name", "metadata.namespace")


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def text(path: str, default: str = "") -> Value:
    def value(obj: dict[str, Any]) -> str:
        found = _get(obj, path)
        return default if found is None or found == "" else str(found)

    return value


def flag(path: str) -> Value:
    """strconv.FormatBool of a bool that defaults to false."""
    return lambda obj: "true" if _get(obj, path) is True else "false"


def count(path: str) -> Value:
    """strconv.Itoa of an int32 that defaults to 0."""

    def value(obj: dict[str, Any]) -> str:
        found = _get(obj, path)
        return str(found) if isinstance(found, int) and not isinstance(found, bool) else "0"

    return value


def first_of(*values: Value) -> Value:
    def value(obj: dict[str, Any]) -> str:
        for candidate in values:
            if found := candidate(obj):
                return found
        return ""

    return value


def _pod_ip(obj: dict[str, Any]) -> str:
    ips = _get(obj, "status.podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], dict):
        return str(ips[0].get("ip") or "")
    return text("status.podIP")(obj)


@dataclass(frozen=True, slots=True)
class SelectableFields:
    """One kind's field selector support.

    `labels` are the labels a request may use, each mapped to the field it selects on (usually
    itself). `values` compute a field from a stored object; an accepted label without a value
    (pods' `status.podIPs`) reads as `""`, as it does on a real server.
    """

    labels: Mapping[str, str]
    values: Mapping[str, Value] = field(default_factory=dict)


def _labels(*names: str, **renamed: str) -> dict[str, str]:
    return {**{name: name for name in names}, **renamed}


_META = ("metadata.name", "metadata.namespace")
_INVOLVED = tuple(f"involvedObject.{p}" for p in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"))

_CORE_EVENT_VALUES: dict[str, Value] = {
    **{label: text(label) for label in _INVOLVED},
    "reason": text("reason"),
    "reportingComponent": text("reportingComponent"),
    "source": first_of(text("source.component"), text("reportingComponent")),
    "type": text("type"),
}
#: events.k8s.io/v1 objects keep their own field names; the values are the core fields'.
_EVENTS_V1_VALUES: dict[str, Value] = {
    **{label: text(label.replace("involvedObject.", "regarding.")) for label in _INVOLVED},
    "reason": text("reason"),
    "reportingComponent": text("reportingController"),
    "source": first_of(text("deprecatedSource.component"), text("reportingController")),
    "type": text("type"),
}

#: resource (group, plural) -> its field selector support, when it has more than metadata's
SELECTABLE_FIELDS: dict[ResourceKey, SelectableFields] = {
    ("", "pods"): SelectableFields(
        _labels(*_META, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
                **{"spec.host": "spec.nodeName"}),
        {
            "spec.nodeName": text("spec.nodeName"),
            "spec.restartPolicy": text("spec.restartPolicy", "Always"),
            "spec.schedulerName": text("spec.schedulerName", "default-scheduler"),
            "spec.serviceAccountName": text("spec.serviceAccountName"),
            "spec.hostNetwork": flag("spec.hostNetwork"),
            "status.phase": text("status.phase"),
            "status.podIP": _pod_ip,
            "status.nominatedNodeName": text("status.nominatedNodeName"),
        },
    ),
    ("", "nodes"): SelectableFields(
        _labels("metadata.name", "spec.unschedulable"), {"spec.unschedulable": flag("spec.unschedulable")}
    ),
    ("", "replicationcontrollers"): SelectableFields(
        _labels(*_META, "status.replicas"), {"status.replicas": count("status.replicas")}
    ),
    ("", "events"): SelectableFields(
        _labels(*_INVOLVED, "reason", "reportingComponent", "source", "type", *_META), _CORE_EVENT_VALUES
    ),
    ("events.k8s.io", "events"): SelectableFields(
        _labels(
            "reason", "source", "type", *_META,
            reportingController="reportingComponent",
            **{label.replace("involvedObject.", "regarding."): label for label in _INVOLVED},
        ),
        _EVENTS_V1_VALUES,
    ),
    ("", "namespaces"): SelectableFields(_labels("status.phase", "metadata.name"), {"status.phase": text("status.phase")}),
    ("", "secrets"): SelectableFields(_labels("type", *_META), {"type": text("type", "Opaque")}),
    ("", "services"): SelectableFields(
        _labels(*_META, "spec.clusterIP", "spec.type"),
        {"spec.clusterIP": text("spec.clusterIP"), "spec.type": text("spec.type", "ClusterIP")},
    ),
    ("batch", "jobs"): SelectableFields(_labels(*_META, "status.successful"), {"status.successful": count("status.succeeded")}),
    ("certificates.k8s.io", "certificatesigningrequests"): SelectableFields(
        _labels("metadata.name", "spec.signerName"), {"spec.signerName": text("spec.signerName")}
    ),
}  # fmt: skip

_DEFAULT = SelectableFields(_labels(*_META))


def fields_of(spec: ResourceSpec) -> SelectableFields:
    """A built-in resource's field selector support (custom resources: `customresources.selectors`)."""
    return SELECTABLE_FIELDS.get(spec.resource_key, _DEFAULT)


def selectable_fields(spec: ResourceSpec) -> tuple[str, ...]:
    """The labels a field selector on this resource may use."""
    return tuple(fields_of(spec).labels)


def convert_selector(
    selector: FieldSelector, spec: ResourceSpec, *, custom_resource: bool = False,
    known: SelectableFields | None = None,
) -> FieldSelector:
    """ConvertFieldLabel for every term: the real 400 for an unknown label, aliases renamed.
    `known` replaces the built-in table (a custom resource's fields)."""
    known = known or fields_of(spec)
    kind_label = f"{spec.kind}.{spec.group}" if spec.group else spec.kind
    check_supported(selector, known.labels, kind_label=kind_label, custom_resource=custom_resource)
    renamed = tuple((known.labels[name], op, value) for name, op, value in selector.requirements)
    return selector if renamed == selector.requirements else FieldSelector(renamed)


def field_values(
    obj: dict[str, Any], spec: ResourceSpec, names: frozenset[str] | set[str], *,
    known: SelectableFields | None = None,
) -> dict[str, str]:
    """The fields.Set of `obj` restricted to `names` (fields as converted by convert_selector)."""
    values = (known or fields_of(spec)).values
    result = {}
    for name in names:
        getter = values.get(name)
        if getter is not None:
            result[name] = getter(obj)
        elif name in COMMON_FIELDS:
            result[name] = text(name)(obj)
        else:
            result[name] = ""
    return result


def field_value(obj: dict[str, Any], path: str) -> str:
    """A dotted path's value as a selector compares it (booleans as `true`/`false`)."""
    value = _get(obj, "source.component" if path == "source" else path)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_set(obj: dict[str, Any], fields: tuple[str, ...] | frozenset[str] | set[str]) -> dict[str, str]:
    """Path-based values for resources without a table row (custom resources)."""
    return {path: field_value(obj, path) for path in fields}
