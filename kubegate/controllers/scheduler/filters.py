"""kube-scheduler's Filter plugins that matter to a simulated cluster, as small pure functions.

Each filter looks at the pod and one node and answers the reasons the node is refused (none: the
node passes). `FILTERS` runs them in the default profile's order; a node's first refusing filter
is its verdict, as the framework stops there. Whether preemption could help follows the status
code each plugin returns: UnschedulableAndUnresolvable for everything but NodePorts and
NodeResourcesFit, whose nodes might be freed by evicting lower-priority pods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubegate.controllers.scheduler import affinity
from kubegate.controllers.scheduler.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    PODS,
    NodeInfo,
    PodUsage,
)

#: the taint a cordoned node gets; tolerating it lets a pod onto an unschedulable node
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
#: taint effects that keep new pods off a node
DO_NOT_SCHEDULE = ("NoSchedule", "NoExecute")
WILDCARD_IP = "0.0.0.0"

REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_NODE_NAME = "node(s) didn't match the requested node name"
REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_PORTS = "node(s) didn't have free ports for the requested pod ports"
REASON_TOO_MANY_PODS = "Too many pods"

Verdict = tuple[str, ...]
FilterFunc = Callable[[Mapping[str, Any], PodUsage, NodeInfo], Verdict]


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def tolerates(toleration: Any, taint: Mapping[str, Any]) -> bool:
    """Toleration.ToleratesTaint: effect and key match when set; Exists, or Equal values."""
    if not isinstance(toleration, Mapping):
        return False
    effect, key = toleration.get("effect") or "", toleration.get("key") or ""
    if effect and effect != (taint.get("effect") or ""):
        return False
    if key and key != (taint.get("key") or ""):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated_taint(pod: Mapping[str, Any], taints: Sequence[Any]) -> Mapping[str, Any] | None:
    """The node's first NoSchedule/NoExecute taint that none of the pod's tolerations tolerate."""
    tolerations = _list(_spec(pod).get("tolerations"))
    for taint in taints:
        if not isinstance(taint, Mapping) or taint.get("effect") not in DO_NOT_SCHEDULE:
            continue
        if not any(tolerates(toleration, taint) for toleration in tolerations):
            return taint
    return None


# the filters, in the default profile's order ------------------------------------------------


def node_unschedulable(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    if not _spec(node.node).get("unschedulable"):
        return ()
    cordon = {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}
    if any(tolerates(toleration, cordon) for toleration in _list(_spec(pod).get("tolerations"))):
        return ()
    return (REASON_UNSCHEDULABLE,)


def node_name(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    wanted = _spec(pod).get("nodeName")
    return (REASON_NODE_NAME,) if wanted and wanted != node.name else ()


def taint_toleration(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    taint = untolerated_taint(pod, _list(_spec(node.node).get("taints")))
    if taint is None:
        return ()
    return (f"node(s) had untolerated taint {{{taint.get('key') or ''}: {taint.get('value') or ''}}}",)


def node_affinity(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    return () if affinity.matches(pod, node.node) else (REASON_AFFINITY,)


def _ports_conflict(wanted: tuple[str, str, int], used: tuple[str, str, int]) -> bool:
    (ip, protocol, port), (used_ip, used_protocol, used_port) = wanted, used
    if port != used_port or protocol != used_protocol:
        return False
    return WILDCARD_IP in (ip, used_ip) or ip == used_ip


def node_ports(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    if not usage.ports:
        return ()
    used = list(node.used_ports())
    if any(_ports_conflict(wanted, taken) for wanted in usage.ports for taken in used):
        return (REASON_PORTS,)
    return ()


def node_resources_fit(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> Verdict:
    """Too many pods first, then every resource the pod requests beyond what is left."""
    allocatable = node.allocatable
    requested = node.requested()
    reasons = []
    if len(node.pods) + 1 > allocatable.get(PODS, 0):
        reasons.append(REASON_TOO_MANY_PODS)
    named = (CPU, MEMORY, EPHEMERAL_STORAGE)
    ordered = [*named, *sorted(name for name in usage.requests if name not in (*named, PODS))]
    for name in ordered:
        wanted = usage.requests.get(name, 0)
        if wanted > 0 and wanted > allocatable.get(name, 0) - requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return tuple(reasons)


@dataclass(frozen=True)
class Filter:
    name: str
    check: FilterFunc
    #: evicting lower-priority pods could make the node fit (status Unschedulable, not
    #: UnschedulableAndUnresolvable)
    preemption_may_help: bool = False


FILTERS: tuple[Filter, ...] = (
    Filter("NodeUnschedulable", node_unschedulable),
    Filter("NodeName", node_name),
    Filter("TaintToleration", taint_toleration),
    Filter("NodeAffinity", node_affinity),
    Filter("NodePorts", node_ports, preemption_may_help=True),
    Filter("NodeResourcesFit", node_resources_fit, preemption_may_help=True),
)


@dataclass(frozen=True)
class NodeStatus:
    """Why one node was refused: its reasons and the filter that gave them."""

    reasons: Verdict
    plugin: Filter


def run_filters(pod: Mapping[str, Any], usage: PodUsage, node: NodeInfo) -> NodeStatus | None:
    """The first filter refusing the node, or None when the node fits the pod."""
    for candidate in FILTERS:
        reasons = candidate.check(pod, usage, node)
        if reasons:
            return NodeStatus(reasons, candidate)
    return None
