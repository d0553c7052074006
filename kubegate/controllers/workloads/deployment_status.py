"""A Deployment's status and its Available and Progressing conditions, computed purely.

The counts add up its ReplicaSets' (replicas, updatedReplicas from the new one, ready,
available; unavailableReplicas is left out at zero). Conditions follow upstream's rules: setting
a condition to the status and reason it already has changes nothing; a changed one keeps its
lastTransitionTime when only the reason moved, and goes to the end of the list — which is why a
settled Deployment lists Available before Progressing. Progressing is re-stamped on every step
forward (`ReplicaSetUpdated`), becomes `NewReplicaSetAvailable` once the rollout completes, and
`ProgressDeadlineExceeded` when no step forward came within progressDeadlineSeconds (600 if
absent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.api import meta
from kubegate.controllers.workloads.deployment_rollout import (
    RS,
    max_unavailable,
    name,
    spec_replicas,
    status_count,
)

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"
DEFAULT_PROGRESS_DEADLINE = 600

# reasons, as deployment/util names them
MIN_AVAILABLE = ("MinimumReplicasAvailable", "Deployment has minimum availability.")
MIN_UNAVAILABLE = ("MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = ("DeploymentPaused", "Deployment is paused")
RESUMED = ("DeploymentResumed", "Deployment is resumed")


def progress_deadline(deployment: dict[str, Any]) -> int | None:
    """progressDeadlineSeconds (None when it is MaxInt32, i.e. no deadline)."""
    value = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    value = DEFAULT_PROGRESS_DEADLINE if value is None else int(value)
    return None if value >= 2**31 - 1 else value


def get_condition(status: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in status.get("conditions") or ():
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def new_condition(kind: str, status: str, reason: str, message: str, now: datetime) -> dict[str, Any]:
    stamp = meta.format_time(now)
    return {"type": kind, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def set_condition(status: dict[str, Any], cond: dict[str, Any]) -> None:
    """SetDeploymentCondition: no-op for the same status and reason; else replaces and moves last."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, cond["type"])
    status["conditions"] = [*(status.get("conditions") or []), cond]


def remove_condition(status: dict[str, Any], kind: str) -> None:
    kept = [c for c in status.get("conditions") or () if not (isinstance(c, dict) and c.get("type") == kind)]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def calculate_status(deployment: dict[str, Any], all_rs: list[RS], new_rs: RS | None, now: datetime) -> dict[str, Any]:
    """The counts and the Available condition (calculateStatus)."""
    old = deployment.get("status") or {}
    available = sum(status_count(rs, "availableReplicas") for rs in all_rs)
    total = sum(spec_replicas(rs) for rs in all_rs)
    status: dict[str, Any] = {
        "observedGeneration": int((deployment.get("metadata") or {}).get("generation") or 0),
        "replicas": sum(status_count(rs, "replicas") for rs in all_rs),
        "updatedReplicas": 0 if new_rs is None else status_count(new_rs, "replicas"),
        "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in all_rs),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total - available),
    }
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"] if isinstance(c, dict)]
    if available >= spec_replicas(deployment) - max_unavailable(deployment):
        set_condition(status, new_condition(AVAILABLE, "True", *MIN_AVAILABLE, now))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", *MIN_UNAVAILABLE, now))
    return status


def complete(deployment: dict[str, Any], status: dict[str, Any]) -> bool:
    """DeploymentComplete: every replica updated and available, the latest generation seen."""
    desired = spec_replicas(deployment)
    generation = int((deployment.get("metadata") or {}).get("generation") or 0)
    return (
        int(status.get("updatedReplicas") or 0) == desired
        and int(status.get("replicas") or 0) == desired
        and int(status.get("availableReplicas") or 0) == desired
        and int(status.get("observedGeneration") or 0) >= generation
    )


def progressing(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """DeploymentProgressing: some count moved the right way since the last status."""

    def count(status: dict[str, Any], field: str) -> int:
        return int(status.get(field) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(new, "replicas") - count(new, "updatedReplicas")
    return (
        count(new, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old < old_old
        or count(new, "readyReplicas") > count(old, "readyReplicas")
        or count(new, "availableReplicas") > count(old, "availableReplicas")
    )


def seconds_to_deadline(deployment: dict[str, Any], status: dict[str, Any], now: datetime) -> float | None:
    """Seconds left before the rollout times out; None when no deadline is running."""
    deadline = progress_deadline(deployment)
    cond = get_condition(status, PROGRESSING)
    if deadline is None or cond is None or cond.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT):
        return None
    since = meta.parse_time(str(cond.get("lastUpdateTime") or ""))
    if since is None:
        return None
    return deadline - (now - since).total_seconds()


def rollout_status(
    deployment: dict[str, Any], all_rs: list[RS], new_rs: RS | None, now: datetime
) -> dict[str, Any]:
    """The full status after a rollout step, Progressing included (syncRolloutStatus)."""
    status = calculate_status(deployment, all_rs, new_rs, now)
    if progress_deadline(deployment) is None:
        remove_condition(status, PROGRESSING)
    current = get_condition(status, PROGRESSING)
    done = (
        status["replicas"] == status["updatedReplicas"]
        and current is not None and current.get("reason") == NEW_RS_AVAILABLE
    )
    if progress_deadline(deployment) is not None and not done:
        rs_name = None if new_rs is None else name(new_rs)
        if complete(deployment, status):
            message = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                       else "Deployment has successfully progressed.")
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message, now))
        elif progressing(deployment.get("status") or {}, status):
            message = f'ReplicaSet "{rs_name}" is progressing.' if rs_name else "Deployment is progressing."
            cond = new_condition(PROGRESSING, "True", RS_UPDATED, message, now)
            if current is not None and current.get("status") == "True":
                cond["lastTransitionTime"] = current.get("lastTransitionTime")
            remove_condition(status, PROGRESSING)
            set_condition(status, cond)
        elif (left := seconds_to_deadline(deployment, status, now)) is not None and left <= 0 or (
            current is not None and current.get("reason") == TIMED_OUT
        ):
            message = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                       else f'Deployment "{name(deployment)}" has timed out progressing.')
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, message, now))
    failures = [c for rs in all_rs if (c := get_condition(rs.get("status") or {}, REPLICA_FAILURE))]
    if failures:
        failure = failures[0]
        set_condition(status, new_condition(
            REPLICA_FAILURE, str(failure.get("status")), str(failure.get("reason")), str(failure.get("message")), now
        ))
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def paused_condition(deployment: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The status with DeploymentPaused/DeploymentResumed set, or None if nothing changes."""
    if progress_deadline(deployment) is None:
        return None
    status = dict(deployment.get("status") or {})
    cond = get_condition(status, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return None
    paused_shown = cond is not None and cond.get("reason") == PAUSED[0]
    paused = bool((deployment.get("spec") or {}).get("paused"))
    if paused and not paused_shown:
        set_condition(status, new_condition(PROGRESSING, "Unknown", *PAUSED, now))
    elif not paused and paused_shown:
        set_condition(status, new_condition(PROGRESSING, "Unknown", *RESUMED, now))
    else:
        return None
    return status


def without_zeros(status: dict[str, Any]) -> dict[str, Any]:
    """As the API serializes DeploymentStatus: zero counts omitted."""
    return {key: value for key, value in status.items() if value not in (0, None, [])}
