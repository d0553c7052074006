"""Printers for the core group's configuration and bookkeeping kinds, and for Events.

Namespaces, nodes, config maps, secrets, service accounts, resource quotas, component statuses
and Events (core/v1 and events.k8s.io/v1, which the real server stores as one resource and
prints with one printer: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    NONE,
    UNKNOWN,
    Column,
    dig,
    doc,
    items,
    mapping,
    number,
    quantity,
    since,
    text,
)
from kubegate.registry.spec import ResourceKey

# --- nodes ------------------------------------------------------------------------------------

_ROLE_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def _node_status(node: dict[str, Any], _: datetime) -> str:
    status = []
    for condition in items(node, "status", "conditions"):
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            status = ["Ready" if condition.get("status") == "True" else "NotReady"]
    status = status or ["Unknown"]
    if dig(node, "spec", "unschedulable") is True:
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_roles(node: dict[str, Any], _: datetime) -> str:
    roles = set()
    for key, value in mapping(node, "metadata", "labels").items():
        if key.startswith(_ROLE_PREFIX) and key[len(_ROLE_PREFIX):]:
            roles.add(key[len(_ROLE_PREFIX):])
        elif key == _ROLE_LABEL and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or NONE


def _node_address(kind: str) -> Any:
    def getter(node: dict[str, Any], _: datetime) -> str:
        for address in items(node, "status", "addresses"):
            if isinstance(address, dict) and address.get("type") == kind:
                return str(address.get("address", ""))
        return NONE

    return getter


def _node_info(field: str) -> Any:
    return lambda node, _: text(node, "status", "nodeInfo", field, default=UNKNOWN)


NODE_COLUMNS: tuple[Column, ...] = (
    NAME,
    Column("Status", _node_status, description="The status of the node"),
    Column("Roles", _node_roles, description="The roles of the node"),
    AGE,
    Column("Version", lambda o, _: text(o, "status", "nodeInfo", "kubeletVersion"),
           description=doc("core.v1.NodeSystemInfo", "kubeletVersion")),
    Column("Internal-IP", _node_address("InternalIP"), priority=1, description=doc("core.v1.NodeStatus", "addresses")),
    Column("External-IP", _node_address("ExternalIP"), priority=1, description=doc("core.v1.NodeStatus", "addresses")),
    Column("OS-Image", _node_info("osImage"), priority=1, description=doc("core.v1.NodeSystemInfo", "osImage")),
    Column("Kernel-Version", _node_info("kernelVersion"), priority=1,
           description=doc("core.v1.NodeSystemInfo", "kernelVersion")),
    Column("Container-Runtime", _node_info("containerRuntimeVersion"), priority=1,
           description=doc("core.v1.NodeSystemInfo", "containerRuntimeVersion")),
)  # fmt: skip

# --- configuration --------------------------------------------------------------------------------


def _data_count(obj: dict[str, Any], *fields: str) -> int:
    keys: set[str] = set()
    for field in fields:
        keys.update(mapping(obj, field))
    return len(keys)


NAMESPACE_COLUMNS = (
    NAME,
    Column("Status", lambda o, _: text(o, "status", "phase"), description="The status of the namespace"),
    AGE,
)
CONFIGMAP_COLUMNS = (
    NAME,
    Column("Data", lambda o, _: _data_count(o, "data", "binaryData"), description=doc("core.v1.ConfigMap", "data")),
    AGE,
)
#: stringData is write-only: the real server folds it into data before storing.
SECRET_COLUMNS = (
    NAME,
    Column("Type", lambda o, _: text(o, "type", default="Opaque"), description=doc("core.v1.Secret", "type")),
    Column("Data", lambda o, _: _data_count(o, "data", "stringData"), description=doc("core.v1.Secret", "data")),
    AGE,
)
SERVICE_ACCOUNT_COLUMNS = (
    NAME,
    Column("Secrets", lambda o, _: len(items(o, "secrets")), description=doc("core.v1.ServiceAccount", "secrets")),
    AGE,
)


def _quota_column(limits: bool) -> Any:
    def getter(quota: dict[str, Any], _: datetime) -> str:
        hard, used = mapping(quota, "status", "hard"), mapping(quota, "status", "used")
        parts = []
        for resource in sorted(hard):
            if resource.split(".")[0] == "limits" and "." in resource:
                if limits:
                    parts.append(f"{resource}: {quantity(used.get(resource))}/{quantity(hard[resource])}")
            elif not limits:
                parts.append(f"{resource}: {quantity(used.get(resource))}/{quantity(hard[resource])}")
        return ", ".join(parts)

    return getter


RESOURCE_QUOTA_COLUMNS = (
    NAME,
    Column("Request", _quota_column(False),
           description="Request represents a minimum amount of cpu/memory that a container may consume."),
    Column("Limit", _quota_column(True),
           description="Limits control the maximum amount of cpu/memory that a container may use "
           "independent of contention on the node."),
    AGE,
)  # fmt: skip


def _component_condition(field: str) -> Any:
    def getter(obj: dict[str, Any], _: datetime) -> str:
        for condition in items(obj, "conditions"):
            if isinstance(condition, dict) and condition.get("type") == "Healthy":
                if field == "status":
                    return "Healthy" if condition.get("status") == "True" else "Unhealthy"
                return str(condition.get(field, ""))
        return "Unknown" if field == "status" else ""

    return getter


COMPONENT_STATUS_COLUMNS = (
    NAME,
    Column("Status", _component_condition("status"), description="Status of the component conditions"),
    Column("Message", _component_condition("message"), description="Message of the component conditions"),
    Column("Error", _component_condition("error"), description="Error of the component conditions"),
)

# --- events -------------------------------------------------------------------------------------

#: events.k8s.io/v1 field -> the core/v1 field the real server stores it as.
_EVENTS_V1_RENAMES = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
    "reportingController": "reportingComponent",
}


def as_core_event(event: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event in its core/v1 shape (already-core events pass through)."""
    if str(event.get("apiVersion", "")).startswith("events.k8s.io/"):
        return {_EVENTS_V1_RENAMES.get(key, key): value for key, value in event.items()}
    return event


def _first_seen(event: dict[str, Any], moment: datetime) -> str:
    if dig(event, "firstTimestamp"):
        return since(event["firstTimestamp"], moment)
    return since(dig(event, "eventTime"), moment)


def _last_seen(obj: dict[str, Any], moment: datetime) -> str:
    event = as_core_event(obj)
    if isinstance(event.get("series"), dict):
        return since(dig(event, "series", "lastObservedTime"), moment)
    if dig(event, "lastTimestamp"):
        return since(event["lastTimestamp"], moment)
    return _first_seen(event, moment)


def _count(obj: dict[str, Any], _: datetime) -> int:
    event = as_core_event(obj)
    if isinstance(event.get("series"), dict):
        return number(event, "series", "count")
    return number(event, "count") or 1  # singleton events of the new API carry no count


def _object(obj: dict[str, Any], _: datetime) -> str:
    event = as_core_event(obj)
    kind = text(event, "involvedObject", "kind").lower()
    name = text(event, "involvedObject", "name")
    return f"{kind}/{name}" if name else kind


def _source(obj: dict[str, Any], _: datetime) -> str:
    event = as_core_event(obj)
    component = text(event, "source", "component") or text(event, "reportingComponent")
    instance = text(event, "source", "host") or text(event, "reportingInstance")
    return f"{component}, {instance}" if instance else component


def _event_text(*path: str) -> Any:
    return lambda obj, _: text(as_core_event(obj), *path)


EVENT_COLUMNS: tuple[Column, ...] = (
    Column("Last Seen", _last_seen, description=doc("core.v1.Event", "lastTimestamp")),
    Column("Type", _event_text("type"), description=doc("core.v1.Event", "type")),
    Column("Reason", _event_text("reason"), description=doc("core.v1.Event", "reason")),
    Column("Object", _object, description=doc("core.v1.Event", "involvedObject")),
    Column("Subobject", _event_text("involvedObject", "fieldPath"), priority=1,
           description=doc("core.v1.ObjectReference", "fieldPath")),
    Column("Source", _source, priority=1, description=doc("core.v1.Event", "source")),
    Column("Message", lambda o, _: text(as_core_event(o), "message").strip(), description=doc("core.v1.Event", "message")),
    Column("First Seen", lambda o, m: _first_seen(as_core_event(o), m), priority=1,
           description=doc("core.v1.Event", "firstTimestamp")),
    Column("Count", _count, priority=1, description=doc("core.v1.Event", "count")),
    Column("Name", NAME.getter, format="name", priority=1, description=NAME.description),
)  # fmt: skip

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("", "namespaces"): NAMESPACE_COLUMNS,
    ("", "nodes"): NODE_COLUMNS,
    ("", "configmaps"): CONFIGMAP_COLUMNS,
    ("", "secrets"): SECRET_COLUMNS,
    ("", "serviceaccounts"): SERVICE_ACCOUNT_COLUMNS,
    ("", "resourcequotas"): RESOURCE_QUOTA_COLUMNS,
    ("", "componentstatuses"): COMPONENT_STATUS_COLUMNS,
    ("", "events"): EVENT_COLUMNS,
    ("events.k8s.io", "events"): EVENT_COLUMNS,
}
