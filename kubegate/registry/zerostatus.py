"""The `status` a real server shows before any controller has written one.

The real server keeps objects as Go structs, and encoding/json writes every field that lacks
`omitempty` even at its zero value: a ReplicaSet nobody reconciled still says `replicas: 0`, a
Service `loadBalancer: {}`. Clients count on it: the typed models of the official Python client
refuse a ReplicaSetStatus without `replicas` or a VolumeAttachmentStatus without `attached`.
kubegate stores objects as JSON, so it lays these zero values under every status it stores (on
create and on each write through the status subresource).

Rows are keyed by served version (`ResourceSpec.version_key`: group, version, plural) because
versions differ: autoscaling/v1's status always has `currentReplicas`, autoscaling/v2's only
when non-zero.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubegate.registry.spec import ResourceSpec, VersionKey

_NODE_SYSTEM_INFO = (
    "machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
    "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture",
)

#: (group, version, plural) -> the fields of the zero status that Go's JSON encoding never omits.
ZERO_STATUS: Mapping[VersionKey, Mapping[str, Any]] = {
    ("", "v1", "replicationcontrollers"): {"replicas": 0},
    ("", "v1", "services"): {"loadBalancer": {}},
    ("", "v1", "nodes"): {
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
        "nodeInfo": dict.fromkeys(_NODE_SYSTEM_INFO, ""),
    },
    ("apps", "v1", "replicasets"): {"replicas": 0},
    ("apps", "v1", "statefulsets"): {"replicas": 0, "availableReplicas": 0},
    ("apps", "v1", "daemonsets"): {
        "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0,
    },
    ("autoscaling", "v1", "horizontalpodautoscalers"): {"currentReplicas": 0, "desiredReplicas": 0},
    ("autoscaling", "v2", "horizontalpodautoscalers"): {"desiredReplicas": 0},
    ("policy", "v1", "poddisruptionbudgets"): {
        "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0,
    },
    ("networking.k8s.io", "v1", "ingresses"): {"loadBalancer": {}},
    ("storage.k8s.io", "v1", "volumeattachments"): {"attached": False},
}


def zero_status(spec: ResourceSpec) -> dict[str, Any]:
    """The status of a fresh object of this resource version (`{}` for most)."""
    return copy.deepcopy(dict(ZERO_STATUS.get(spec.version_key, {})))


def with_zero_status(spec: ResourceSpec, status: Any) -> Any:
    """`status` as the real server would encode it: the zero fields it lacks filled in.

    Anything but a mapping is returned as given, for validation to judge.
    """
    if not isinstance(status, dict):
        return status
    return _fill(status, ZERO_STATUS.get(spec.version_key, {}))


def _fill(value: dict[str, Any], zero: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(value)
    for key, default in zero.items():
        if key not in out or out[key] is None:
            out[key] = copy.deepcopy(default)
        elif isinstance(default, Mapping) and isinstance(out[key], dict):
            out[key] = _fill(out[key], default)
    return out
