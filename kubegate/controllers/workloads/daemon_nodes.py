"""Which nodes a DaemonSet's pod belongs on, and how its pod is pinned there.

A node is eligible when the pod template's nodeSelector and required node affinity match it
and every NoSchedule/NoExecute taint on it is tolerated, counting the tolerations every
DaemonSet pod gets (so a NotReady, cordoned or pressured node still runs its daemons). The pod
is pinned by node affinity on `metadata.name`, replacing any required terms, and then left to
the scheduler to bind, as upstream has done since the scheduler took over daemon placement.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import labels

#: (key, effect) of the tolerations added to every daemon pod, in upstream's order
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")
_OPERATORS = {"In": labels.IN, "NotIn": labels.NOT_IN, "Exists": labels.EXISTS, "DoesNotExist": labels.DOES_NOT_EXIST,
              "Gt": labels.GREATER_THAN, "Lt": labels.LESS_THAN}


def daemon_tolerations(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod's tolerations plus the daemon ones it lacks."""
    tolerations = [t for t in pod_spec.get("tolerations") or [] if isinstance(t, dict)]
    wanted = list(DAEMON_TOLERATIONS) + ([HOST_NETWORK_TOLERATION] if pod_spec.get("hostNetwork") else [])
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    return tolerations


def pinned_affinity(pod_spec: dict[str, Any], node: str) -> dict[str, Any]:
    """The pod's affinity with its required node terms replaced by `metadata.name In [node]`."""
    affinity = copy.deepcopy(pod_spec.get("affinity") or {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}],
    }
    return affinity


def node_of(pod: dict[str, Any]) -> str:
    """The node a daemon pod is for: its nodeName, else the name its affinity pins."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for field in (term or {}).get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and len(field.get("values") or []) == 1:
                return str(field["values"][0])
    return ""


def _requirement_matches(requirement: dict[str, Any], values: dict[str, str]) -> bool:
    operator = _OPERATORS.get(str(requirement.get("operator")))
    if operator is None:
        return False
    selector = labels.LabelSelector([(str(requirement.get("key", "")), operator, tuple(requirement.get("values") or ()))])
    return selector.matches(values)


def _term_matches(term: dict[str, Any], node: dict[str, Any]) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term matches nothing
    node_labels = node["metadata"].get("labels") or {}
    node_fields = {"metadata.name": node["metadata"]["name"]}
    return (all(_requirement_matches(r, node_labels) for r in expressions)
            and all(_requirement_matches(r, node_fields) for r in fields))


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration.get("key") == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def eligible(pod_spec: dict[str, Any], node: dict[str, Any]) -> bool:
    """Whether a daemon pod with `pod_spec` (tolerations included) belongs on `node`."""
    node_labels = node["metadata"].get("labels") or {}
    selector = pod_spec.get("nodeSelector") or {}
    if any(node_labels.get(key) != value for key, value in selector.items()):
        return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if isinstance(required, dict):
        terms = [t for t in required.get("nodeSelectorTerms") or [] if isinstance(t, dict)]
        if not any(_term_matches(term, node) for term in terms):
            return False
    tolerations = daemon_tolerations(pod_spec)
    for taint in (node.get("spec") or {}).get("taints") or []:
        if isinstance(taint, dict) and taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(tolerations, taint):
            return False
    return True
