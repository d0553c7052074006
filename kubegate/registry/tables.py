"""Server-side printing: the `meta.k8s.io/v1 Table` that `kubectl get` asks for.

The server computes every cell (kubectl prints them verbatim), so the columns per resource are
data: a name, a type, a priority (1 = only with `-o wide`) and a function of the object. Rows
carry the object's metadata as PartialObjectMetadata so that `-A` and `--show-labels` work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import meta

Cell = str | int | float | bool | None
Getter = Callable[[dict[str, Any], datetime], Cell]

_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    getter: Getter
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: `45s`, `5m10s`, `3h`, `2d5h`, `3y20d`."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    secs = int(seconds)
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def age(obj: dict[str, Any], moment: datetime) -> str:
    created = meta.parse_time(str(_metadata(obj).get("creationTimestamp") or ""))
    if created is None:
        return "<unknown>"
    return human_duration((moment - created).total_seconds())


NAME = Column("Name", lambda obj, _: _metadata(obj).get("name", ""), format="name", description=_NAME_DESCRIPTION)
AGE = Column("Age", age, description=_AGE_DESCRIPTION)


def dig(obj: Any, *path: str | int) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(obj, list) or len(obj) <= part:
                return None
            obj = obj[part]
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def _none_if_empty(value: Any) -> str:
    return str(value) if value not in (None, "") else "<none>"


def _pod_ready(obj: dict[str, Any], _: datetime) -> str:
    containers = dig(obj, "spec", "containers") or []
    statuses = dig(obj, "status", "containerStatuses") or []
    ready = sum(1 for s in statuses if isinstance(s, dict) and s.get("ready"))
    return f"{ready}/{len(containers)}"


def _pod_status(obj: dict[str, Any], _: datetime) -> str:
    if dig(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return str(dig(obj, "status", "reason") or dig(obj, "status", "phase") or "Unknown")


def _pod_restarts(obj: dict[str, Any], _: datetime) -> str:
    statuses = dig(obj, "status", "containerStatuses") or []
    return str(sum(int(s.get("restartCount", 0)) for s in statuses if isinstance(s, dict)))


def _readiness_gates(obj: dict[str, Any], _: datetime) -> str:
    gates = dig(obj, "spec", "readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in dig(obj, "status", "conditions") or []}
    ready = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{ready}/{len(gates)}"


PRINTERS: dict[tuple[str, str], tuple[Column, ...]] = {
    ("", "pods"): (
        NAME,
        Column("Ready", _pod_ready, description="The aggregate readiness state of this pod for accepting traffic."),
        Column("Status", _pod_status, description="The aggregate status of the containers in this pod."),
        Column("Restarts", _pod_restarts, type="string", description="The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        AGE,
        Column("IP", lambda o, _: _none_if_empty(dig(o, "status", "podIP")), priority=1, description="IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
        Column("Node", lambda o, _: _none_if_empty(dig(o, "spec", "nodeName")), priority=1, description="NodeName is a request to schedule this pod onto a specific node."),
        Column("Nominated Node", lambda o, _: _none_if_empty(dig(o, "status", "nominatedNodeName")), priority=1, description="nominatedNodeName is set only when this pod preempts other pods on the node."),
        Column("Readiness Gates", _readiness_gates, priority=1, description="If specified, all readiness gates will be evaluated for pod readiness."),
    ),
    ("", "namespaces"): (
        NAME,
        Column("Status", lambda o, _: str(dig(o, "status", "phase") or ""), description="The status of the namespace"),
        AGE,
    ),
}

DEFAULT_COLUMNS: tuple[Column, ...] = (NAME, AGE)


def columns_for(group: str, plural: str) -> tuple[Column, ...]:
    return PRINTERS.get((group, plural), DEFAULT_COLUMNS)


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": _metadata(obj)}


def build_table(
    objects: Iterable[dict[str, Any]],
    columns: tuple[Column, ...],
    *,
    resource_version: str = "",
    continue_token: str = "",
    remaining: int | None = None,
    include_headers: bool = True,
    include_object: str = "Metadata",
) -> dict[str, Any]:
    moment = meta.now()
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": [column.getter(obj, moment) for column in columns]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    list_meta: dict[str, Any] = {}
    if resource_version:
        list_meta["resourceVersion"] = resource_version
    if continue_token:
        list_meta["continue"] = continue_token
    if remaining is not None:
        list_meta["remainingItemCount"] = remaining
    table: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta}
    table["columnDefinitions"] = [c.definition() for c in columns] if include_headers else None
    table["rows"] = rows
    return table
