"""What an object of a built-in kind looks like when nothing is set: its Go zero value.

The real server compares typed objects, and Go's JSON encoding of an empty struct still has
parts: struct-typed fields are never omitted (`spec: {}`, `template: {metadata: {}, ...}`) and
slices, maps and pointers without `omitempty` appear as `null` (`containers: null`). Whether a
map or list was *there* before decides whether a change owns the node itself, which FieldsV1
shows as `".": {}` (`f:labels: {".": {}, f:app: {}}` but `f:template: {f:metadata: ...}`).

kubegate stores objects as given, so it lays this skeleton under both sides of a comparison.
Only the non-scalar parts matter (a scalar counts the same whether added or modified), so the
table lists structs (`{}`) and null lists and pointers (`None`). Every built-in kind has
`metadata`, and `spec`/`status` when it has them; the rows add what lies deeper.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_POD_SPEC: dict[str, Any] = {"containers": None}
_POD_TEMPLATE: dict[str, Any] = {"metadata": {}, "spec": _POD_SPEC}
_WORKLOAD: dict[str, Any] = {"selector": None, "template": _POD_TEMPLATE}

#: (group, kind) -> the parts of the zero value below the top level, by Go type.
SKELETONS: Mapping[tuple[str, str], dict[str, Any]] = {
    ("", "Pod"): {"spec": _POD_SPEC},
    ("", "PodTemplate"): {"template": _POD_TEMPLATE},
    ("", "Service"): {"status": {"loadBalancer": {}}},
    ("", "Node"): {"status": {"daemonEndpoints": {"kubeletEndpoint": {}}, "nodeInfo": {}}},
    ("", "PersistentVolumeClaim"): {"spec": {"resources": {}}},
    ("", "LimitRange"): {"spec": {"limits": None}},
    ("", "Event"): {"involvedObject": {}, "source": {}},
    ("apps", "Deployment"): {"spec": {**_WORKLOAD, "strategy": {}}},
    ("apps", "ReplicaSet"): {"spec": _WORKLOAD},
    ("apps", "StatefulSet"): {"spec": {**_WORKLOAD, "updateStrategy": {}}},
    ("apps", "DaemonSet"): {"spec": {**_WORKLOAD, "updateStrategy": {}}},
    ("batch", "Job"): {"spec": {"template": _POD_TEMPLATE}},
    ("batch", "CronJob"): {"spec": {"jobTemplate": {"metadata": {}, "spec": {"template": _POD_TEMPLATE}}}},
    ("autoscaling", "HorizontalPodAutoscaler"): {"spec": {"scaleTargetRef": {}}},
    ("networking.k8s.io", "Ingress"): {"status": {"loadBalancer": {}}},
    ("networking.k8s.io", "NetworkPolicy"): {"spec": {"podSelector": {}}},
    ("rbac.authorization.k8s.io", "Role"): {"rules": None},
    ("rbac.authorization.k8s.io", "ClusterRole"): {"rules": None},
    ("rbac.authorization.k8s.io", "RoleBinding"): {"roleRef": {}},
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): {"roleRef": {}},
    ("events.k8s.io", "Event"): {"regarding": {}, "deprecatedSource": {}},
    ("discovery.k8s.io", "EndpointSlice"): {"endpoints": None},
    ("storage.k8s.io", "VolumeAttachment"): {"spec": {"source": {}}},
    ("storage.k8s.io", "CSINode"): {"spec": {"drivers": None}},
    ("apiextensions.k8s.io", "CustomResourceDefinition"): {
        "spec": {"names": {}, "versions": None},
        "status": {"acceptedNames": {}, "storedVersions": None},
    },
}


def skeleton(group: str, kind: str, *, top_level: tuple[str, ...]) -> dict[str, Any]:
    """The zero value of a built-in kind whose schema has the fields `top_level`."""
    out: dict[str, Any] = {"metadata": {}}
    for part in ("spec", "status"):
        if part in top_level:
            out[part] = {}
    for key, value in SKELETONS.get((group, kind), {}).items():
        out[key] = _overlay(out.get(key), value)
    return out


def fill(obj: Any, zero: Any) -> Any:
    """`obj` with the zero value's parts it lacks (what decoding into the Go type gives)."""
    if not isinstance(zero, dict) or not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for key, value in zero.items():
        if key not in out:
            out[key] = copy.deepcopy(value)
        else:
            out[key] = fill(out[key], value)
    return out


def _overlay(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _overlay(merged.get(key), value)
        return merged
    return copy.deepcopy(extra)
