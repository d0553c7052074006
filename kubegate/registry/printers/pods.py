"""`kubectl get pods`: READY, STATUS and RESTARTS as the real pod printer derives them.

STATUS is not a field of the pod but a summary: the phase, overridden by the pod's reason, by
the first init container still at work (`Init:1/2`, `Init:CrashLoopBackOff`), by a container's
waiting or terminated reason (`CrashLoopBackOff`, `Completed`, `ExitCode:1`), and by deletion
(`Terminating`). RESTARTS adds `(5m ago)` once a container has restarted. The rules follow
printPod in kubernetes pkg/printers/internalversion (1.32), including sidecar (restartable init)
containers counting towards READY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.registry.printers import rowmemo
from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    NONE,
    Column,
    dig,
    doc,
    items,
    mapping,
    number,
    since,
    text,
    timestamp,
)

_TERMINAL_PHASES = ("Succeeded", "Failed")
#: node.NodeUnreachablePodReason
_NODE_LOST = "NodeLost"


@dataclass(frozen=True, slots=True)
class PodSummary:
    ready: int
    total: int
    reason: str
    restarts: int
    last_restart: datetime | None


def _later(current: datetime | None, status: dict[str, Any]) -> datetime | None:
    finished = timestamp(dig(status, "lastState", "terminated", "finishedAt"))
    if finished is not None and (current is None or current < finished):
        return finished
    return current


def _has_condition(pod: dict[str, Any], kind: str) -> bool:
    return any(
        isinstance(c, dict) and c.get("type") == kind and c.get("status") == "True"
        for c in items(pod, "status", "conditions")
    )


def _terminated_reason(terminated: Mapping[str, Any], prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if number(terminated, "signal"):
        return f"{prefix}Signal:{number(terminated, 'signal')}"
    return f"{prefix}ExitCode:{number(terminated, 'exitCode')}"


@rowmemo.per_row
def summarize(pod: dict[str, Any]) -> PodSummary:
    spec_inits = [c for c in items(pod, "spec", "initContainers") if isinstance(c, dict)]
    restartable = {str(c.get("name")) for c in spec_inits if c.get("restartPolicy") == "Always"}
    total = len(items(pod, "spec", "containers")) + len(restartable)
    ready = restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    phase = text(pod, "status", "phase")
    reason = text(pod, "status", "reason") or phase
    for condition in items(pod, "status", "conditions"):
        if isinstance(condition, dict) and condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    initializing = False
    init_statuses = [s for s in items(pod, "status", "initContainerStatuses") if isinstance(s, dict)]
    for index, status in enumerate(init_statuses):
        restarts += number(status, "restartCount")
        last_restart = _later(last_restart, status)
        sidecar = str(status.get("name")) in restartable
        if sidecar:
            sidecar_restarts += number(status, "restartCount")
            last_sidecar_restart = _later(last_sidecar_restart, status)
        terminated = mapping(status, "state", "terminated")
        waiting_reason = text(status, "state", "waiting", "reason")
        if "terminated" in mapping(status, "state") and number(terminated, "exitCode") == 0:
            continue
        if sidecar and status.get("started") is True:
            ready += 1 if status.get("ready") else 0
            continue
        if "terminated" in mapping(status, "state"):
            reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            reason = "Init:" + waiting_reason
        else:
            reason = f"Init:{index}/{len(spec_inits)}"
        initializing = True
        break

    if not initializing or _has_condition(pod, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        statuses = [s for s in items(pod, "status", "containerStatuses") if isinstance(s, dict)]
        for status in reversed(statuses):
            restarts += number(status, "restartCount")
            last_restart = _later(last_restart, status)
            state = mapping(status, "state")
            if text(state, "waiting", "reason"):
                reason = text(state, "waiting", "reason")
            elif "terminated" in state:
                reason = _terminated_reason(mapping(state, "terminated"))
            elif status.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(pod, "Ready") else "NotReady"

    if dig(pod, "metadata", "deletionTimestamp"):
        if text(pod, "status", "reason") == _NODE_LOST:
            reason = "Unknown"
        elif phase not in _TERMINAL_PHASES:
            reason = "Terminating"
    return PodSummary(ready, total, reason, restarts, last_restart)


def _ready(pod: dict[str, Any], _: datetime) -> str:
    summary = summarize(pod)
    return f"{summary.ready}/{summary.total}"


def _status(pod: dict[str, Any], _: datetime) -> str:
    return summarize(pod).reason


def _restarts(pod: dict[str, Any], moment: datetime) -> str:
    summary = summarize(pod)
    if summary.restarts and summary.last_restart is not None:
        return f"{summary.restarts} ({since(summary.last_restart, moment)} ago)"
    return str(summary.restarts)


def pod_ip(pod: dict[str, Any]) -> str:
    """The first of status.podIPs (the internal form keeps only the list), else status.podIP."""
    return text(pod, "status", "podIPs", 0, "ip") or text(pod, "status", "podIP")


def _readiness_gates(pod: dict[str, Any], _: datetime) -> str:
    gates = [g for g in items(pod, "spec", "readinessGates") if isinstance(g, dict)]
    if not gates:
        return NONE
    conditions = {
        c.get("type"): c.get("status") for c in items(pod, "status", "conditions") if isinstance(c, dict)
    }
    ready = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{ready}/{len(gates)}"


POD_COLUMNS: tuple[Column, ...] = (
    NAME,
    Column("Ready", _ready, description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", _status, description="The aggregate status of the containers in this pod."),
    Column(
        "Restarts", _restarts,
        description="The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    AGE,
    Column("IP", lambda o, _: pod_ip(o) or NONE, priority=1, description=doc("core.v1.PodStatus", "podIP")),
    Column("Node", lambda o, _: text(o, "spec", "nodeName", default=NONE), priority=1,
           description=doc("core.v1.PodSpec", "nodeName")),
    Column("Nominated Node", lambda o, _: text(o, "status", "nominatedNodeName", default=NONE), priority=1,
           description=doc("core.v1.PodStatus", "nominatedNodeName")),
    Column("Readiness Gates", _readiness_gates, priority=1, description=doc("core.v1.PodSpec", "readinessGates")),
)  # fmt: skip


def pod_row_conditions(pod: dict[str, Any]) -> list[dict[str, str]]:
    """Finished pods carry a `Completed` row condition, as the real printer marks them."""
    phase = text(pod, "status", "phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    return []
