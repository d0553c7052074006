"""Defaults of the cluster's own configuration kinds: Namespaces (core/v1 SetDefaults_Namespace),
PriorityClasses (scheduling/v1), APIServices (apiregistration/v1 SetDefaults_ServiceReference)
and Nodes (core/v1 SetDefaults_NodeStatus). LimitRanges have theirs in `limitranges`."""

from __future__ import annotations

import copy
from typing import Any

from kubegate.registry.defaults.engine import Default, apply, present

PRIORITY_CLASS: tuple[Default, ...] = (Default("preemptionPolicy", "PreemptLowerPriority"),)
API_SERVICE: tuple[Default, ...] = (Default("spec.service.port", 443, when=present("spec.service")),)


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


def node_status_defaults(obj: dict[str, Any]) -> None:
    """A node status without allocatable resources can allocate its whole capacity."""
    status = obj.get("status")
    if isinstance(status, dict) and status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = copy.deepcopy(status["capacity"])
