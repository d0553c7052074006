"""Which fields each resource can be filtered on with `fieldSelector`, as the real server allows.

Every resource supports metadata.name and metadata.namespace; the rows below add the per-kind
fields from the real registries' GetAttrs/SelectableFields. A field missing from an object reads
as the empty string, as it does in the real server.
"""

from __future__ import annotations

from typing import Any

COMMON_FIELDS = ("metadata.name", "metadata.namespace")

SELECTABLE_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "pods"): (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    ("", "events"): (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    ("", "secrets"): ("type",),
    ("", "namespaces"): ("status.phase",),
    ("", "nodes"): ("spec.unschedulable",),
    ("", "replicationcontrollers"): ("status.replicas",),
    ("", "persistentvolumeclaims"): (),
    ("apps", "replicasets"): ("status.replicas",),
    ("batch", "jobs"): ("status.successful",),
    ("certificates.k8s.io", "certificatesigningrequests"): ("spec.signerName",),
}


def selectable_fields(group: str, plural: str) -> tuple[str, ...]:
    return COMMON_FIELDS + SELECTABLE_FIELDS.get((group, plural), ())


def field_value(obj: dict[str, Any], path: str) -> str:
    """The string a field selector compares against (booleans as `true`/`false`)."""
    if path == "source":  # events select on source.component under the name "source"
        path = "source.component"
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_set(obj: dict[str, Any], fields: tuple[str, ...] | frozenset[str] | set[str]) -> dict[str, str]:
    return {path: field_value(obj, path) for path in fields}
