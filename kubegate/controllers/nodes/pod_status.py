"""The pod status a kubelet writes, built from the spec and the stage the pod has reached.

Pure functions: container statuses in each state (waiting, running, terminated), the conditions
in the kubelet's order with their real False forms, and the pod's IPs. `lastTransitionTime` is
kept from the current status while a condition's status stays the same, as the kubelet does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubegate.controllers.nodes import images

#: conditions the kubelet owns, in the order it reports them (after everybody else's)
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")

Condition = tuple[str, str, str]  # status, reason, message


def containers(pod: dict[str, Any], field: str = "containers") -> list[dict[str, Any]]:
    listed = (pod.get("spec") or {}).get(field) or []
    return [c for c in listed if isinstance(c, dict) and isinstance(c.get("name"), str)]


def volume_mounts(container: dict[str, Any]) -> list[dict[str, Any]]:
    mounts = []
    for mount in container.get("volumeMounts") or []:
        if not isinstance(mount, dict):
            continue
        entry: dict[str, Any] = {"mountPath": mount.get("mountPath", ""), "name": mount.get("name", "")}
        if mount.get("readOnly"):
            entry.update(readOnly=True, recursiveReadOnly="Disabled")
        mounts.append(entry)
    return mounts


def _base(container: dict[str, Any], *, ready: bool, started: bool, restarts: int,
          last_state: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "image": images.qualified(str(container.get("image") or "")),
        "imageID": "",
        "lastState": last_state or {},
        "name": container["name"],
        "ready": ready,
        "restartCount": restarts,
        "started": started,
    }
    mounts = volume_mounts(container)
    if mounts:
        status["volumeMounts"] = mounts
    return status


def waiting(
    container: dict[str, Any], reason: str, *, restarts: int = 0, message: str = "",
    last_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status = _base(container, ready=False, started=False, restarts=restarts, last_state=last_state)
    status["state"] = {"waiting": {"message": message, "reason": reason} if message else {"reason": reason}}
    return _ordered(status)


def running(
    container: dict[str, Any], *, pod_uid: str, started_at: str, ready: bool, restarts: int = 0, started: bool = True,
    last_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status = _base(container, ready=ready and started, started=started, restarts=restarts, last_state=last_state)
    status.update(
        containerID=images.container_id(pod_uid, container["name"], restarts),
        imageID=images.image_id(str(container.get("image") or "")),
        state={"running": {"startedAt": started_at}},
    )
    return _ordered(status)


def terminated(
    container: dict[str, Any], *, pod_uid: str, started_at: str, finished_at: str, exit_code: int, restarts: int = 0,
    last_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    cid = images.container_id(pod_uid, container["name"], restarts)
    status = _base(container, ready=False, started=False, restarts=restarts, last_state=last_state)
    status.update(
        containerID=cid,
        imageID=images.image_id(str(container.get("image") or "")),
        state={"terminated": {
            "containerID": cid, "exitCode": exit_code, "finishedAt": finished_at,
            "reason": "Completed" if exit_code == 0 else "Error", "startedAt": started_at,
        }},
    )
    return _ordered(status)


def phase(restart_policy: str, statuses: list[dict[str, Any]]) -> str:
    """getPhase for the regular containers of an initialized pod: Pending while one has never
    started, Running while one runs or all restart, else Succeeded or Failed by their exit
    codes and the policy."""
    running = stopped = succeeded = waiting = 0
    for status in statuses:
        state = status.get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"].get("exitCode") == 0
        elif "terminated" in (status.get("lastState") or {}):
            stopped += 1  # waiting to restart (CrashLoopBackOff)
        else:
            waiting += 1
    if waiting or not statuses:
        return "Pending"
    if running:
        return "Running"
    if restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if restart_policy == "Never" else "Running"


def _ordered(status: dict[str, Any]) -> dict[str, Any]:
    return {key: status[key] for key in sorted(status)}


def unready_names(statuses: Iterable[dict[str, Any]]) -> list[str]:
    return [s["name"] for s in statuses if not s.get("ready")]


def incomplete_names(statuses: Iterable[dict[str, Any]]) -> list[str]:
    return [
        s["name"] for s in statuses
        if ((s.get("state") or {}).get("terminated") or {}).get("exitCode", -1) != 0
    ]


def wanted_conditions(
    *, sandbox: bool, init_statuses: list[dict[str, Any]], statuses: list[dict[str, Any]], phase: str,
) -> dict[str, Condition]:
    """What the kubelet's condition generators say for this state (PodScheduled aside)."""
    incomplete = incomplete_names(init_statuses)
    unready = unready_names(statuses)
    if phase == "Succeeded":
        not_ready: Condition = ("False", "PodCompleted", "")
    else:
        not_ready = ("False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
    return {
        "PodReadyToStartContainers": ("True" if sandbox else "False", "", ""),
        "Initialized": ("True", "", "") if not incomplete else (
            "False", "ContainersNotInitialized", f"containers with incomplete status: [{' '.join(incomplete)}]"),
        "Ready": ("True", "", "") if not unready and phase != "Succeeded" else not_ready,
        "ContainersReady": ("True", "", "") if not unready and phase != "Succeeded" else not_ready,
        "PodScheduled": ("True", "", ""),
    }


def conditions(current: list[Any], wanted: dict[str, Condition], *, now: str) -> list[dict[str, Any]]:
    """Others' conditions first, then the kubelet's in order; a scheduler's PodScheduled is kept."""
    by_type = {c.get("type"): c for c in current if isinstance(c, dict)}
    result = [c for c in current if isinstance(c, dict) and c.get("type") not in KUBELET_CONDITIONS]
    for kind in KUBELET_CONDITIONS:
        old = by_type.get(kind) or {}
        if kind == "PodScheduled" and old.get("status") == "True":
            result.append(old)
            continue
        status, reason, message = wanted[kind]
        entry: dict[str, Any] = {"type": kind, "status": status, "lastProbeTime": None}
        entry["lastTransitionTime"] = old.get("lastTransitionTime") if old.get("status") == status else now
        entry["lastTransitionTime"] = entry["lastTransitionTime"] or now
        if reason:
            entry["reason"] = reason
        if message:
            entry["message"] = message
        result.append(entry)
    return result
