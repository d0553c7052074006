"""Defaults of the cluster's own configuration kinds: Namespaces (core/v1 SetDefaults_Namespace),
PriorityClasses (scheduling/v1), APIServices (apiregistration/v1 SetDefaults_ServiceReference),
LimitRanges (core/v1 SetDefaults_LimitRangeItem) and Nodes (core/v1 SetDefaults_NodeStatus)."""

from __future__ import annotations

import copy
from typing import Any

from kubegate.registry.defaults.engine import Default, apply, dicts, present

PRIORITY_CLASS: tuple[Default, ...] = (Default("preemptionPolicy", "PreemptLowerPriority"),)
API_SERVICE: tuple[Default, ...] = (Default("spec.service.port", 443, when=present("spec.service")),)
#: a Container item: the default limit is the max; the default request the default limit, else the min
LIMIT_RANGE_ITEM: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default", ("max",)),
    ("defaultRequest", ("default", "min")),
)


NAME_LABEL = "kubernetes.io/metadata.name"


def namespace_defaults(obj: dict[str, Any]) -> None:
    """Every write of a named namespace carries its name label, so removing it does not stick
    (a generated name gets it on create, from the namespace strategy)."""
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not name or not isinstance(name, str) or not isinstance(metadata, dict):
        return
    labels = metadata.get("labels")
    if labels is None:
        labels = metadata["labels"] = {}
    if isinstance(labels, dict):
        labels[NAME_LABEL] = name


def priority_class_defaults(obj: dict[str, Any]) -> None:
    apply(obj, PRIORITY_CLASS)


def api_service_defaults(obj: dict[str, Any]) -> None:
    apply(obj, API_SERVICE)


def limit_range_defaults(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    for item in dicts(spec.get("limits") if isinstance(spec, dict) else None):
        if item.get("type") != "Container":
            continue
        for field, sources in LIMIT_RANGE_ITEM:
            target = item.get(field)
            if target is None:
                target = {}
            if not isinstance(target, dict):
                continue
            for source in sources:
                values = item.get(source)
                for name, quantity in (values.items() if isinstance(values, dict) else ()):
                    target.setdefault(name, copy.deepcopy(quantity))
            if target:  # an empty map is not written (omitempty)
                item[field] = target


def node_status_defaults(obj: dict[str, Any]) -> None:
    """A node status without allocatable resources can allocate its whole capacity."""
    status = obj.get("status")
    if isinstance(status, dict) and status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = copy.deepcopy(status["capacity"])
