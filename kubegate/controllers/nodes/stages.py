"""The pod status at each stage of a simulated kubelet's run, as pure functions of the pod.

accepted (Pending, containers being created) -> initialized (init containers Completed) ->
containers (each regular container waiting, running or terminated, the phase following them
as the kubelet's getPhase does) -> stopped (on deletion). Each function takes the live pod and
returns its new status; `stage_of` reads back which stage a status shows, so a restarted
server carries on from where the stored status is.
"""

from __future__ import annotations

from typing import Any

from kubegate.controllers.nodes import pod_status
from kubegate.controllers.nodes.pod_status import containers

#: annotation that makes a pod's containers exit with this code (restartPolicy Never/OnFailure)
EXIT_CODE_ANNOTATION = "kubegate.io/exit-code"
TERMINAL = ("Succeeded", "Failed")
#: what a container killed by SIGTERM exits with (128 + 15)
SIGTERM_EXIT = 143


def stage_of(pod: dict[str, Any]) -> str:
    """new, initializing, containers or done."""
    status = pod.get("status") or {}
    if status.get("phase") in TERMINAL:
        return "done"
    if not status.get("startTime"):
        return "new"
    if not initialized(pod):
        return "initializing"
    return "containers"


def initialized(pod: dict[str, Any]) -> bool:
    inits = statuses_by_name(pod, "initContainerStatuses")
    return all(
        ((inits.get(c["name"]) or {}).get("state") or {}).get("terminated", {}).get("exitCode", -1) == 0
        for c in containers(pod, "initContainers")
    )


def statuses_by_name(pod: dict[str, Any], field: str = "containerStatuses") -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in (pod.get("status") or {}).get(field) or [] if isinstance(s, dict) and "name" in s}


def exit_code(pod: dict[str, Any]) -> int:
    raw = ((pod.get("metadata") or {}).get("annotations") or {}).get(EXIT_CODE_ANNOTATION, "0")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def restart_policy(pod: dict[str, Any]) -> str:
    return str((pod.get("spec") or {}).get("restartPolicy") or "Always")


def restarts(policy: str, code: int) -> bool:
    """Whether a container that exited with `code` is started again under `policy`."""
    return policy == "Always" or (policy == "OnFailure" and code != 0)


def _with(pod: dict[str, Any], *, phase: str, sandbox: bool, inits: list[dict[str, Any]],
          mains: list[dict[str, Any]], now: str, **fields: Any) -> dict[str, Any]:
    status = dict(pod.get("status") or {})
    status.update(fields)
    status["phase"] = phase
    if inits:
        status["initContainerStatuses"] = inits
    status["containerStatuses"] = mains
    wanted = pod_status.wanted_conditions(sandbox=sandbox, init_statuses=inits, statuses=mains, phase=phase)
    status["conditions"] = pod_status.conditions(status.get("conditions") or [], wanted, now=now)
    return status


def accepted(pod: dict[str, Any], *, host_ip: str, now: str) -> dict[str, Any]:
    inits = containers(pod, "initContainers")
    first = "PodInitializing" if inits else "ContainerCreating"
    return _with(
        pod, phase="Pending", sandbox=False, now=now,
        inits=[pod_status.waiting(c, "PodInitializing") for c in inits],
        mains=[pod_status.waiting(c, first) for c in containers(pod)],
        hostIP=host_ip, hostIPs=[{"ip": host_ip}], startTime=now,
    )


def initializing(pod: dict[str, Any], *, pod_ip: str, now: str, done: set[str],
                 failing: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """Init containers in `done` Completed; `failing` (name, reason, message) waits; all Completed:
    the pod is initialized and its regular containers wait to be created."""
    uid = str(pod["metadata"].get("uid", ""))
    current = statuses_by_name(pod, "initContainerStatuses")
    inits = []
    for container in containers(pod, "initContainers"):
        name = container["name"]
        if name in done:
            kept = current.get(name) or {}  # a container that completed before keeps its times
            inits.append(kept if "terminated" in (kept.get("state") or {}) else pod_status.terminated(
                container, pod_uid=uid, started_at=now, finished_at=now, exit_code=0))
        elif failing is not None and failing[0] == name:
            inits.append(pod_status.waiting(container, failing[1], message=failing[2]))
        else:
            inits.append(pod_status.waiting(container, "PodInitializing"))
    return _with(
        pod, phase="Pending", sandbox=True, now=now, inits=inits,
        mains=[pod_status.waiting(c, "PodInitializing") for c in containers(pod)],
        podIP=pod_ip, podIPs=[{"ip": pod_ip}],
    )


def with_containers(pod: dict[str, Any], mains: list[dict[str, Any]], *, pod_ip: str, now: str) -> dict[str, Any]:
    """The regular containers as `mains` say; the phase and conditions follow from them."""
    phase = pod_status.phase(restart_policy(pod), mains)
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    return _with(pod, phase=phase, sandbox=phase not in TERMINAL, now=now, inits=inits, mains=mains,
                 podIP=pod_ip, podIPs=[{"ip": pod_ip}])


def stopped(pod: dict[str, Any], *, now: str) -> dict[str, Any]:
    """On deletion: running containers die of the SIGTERM (exit 143), the sandbox is gone, and the
    pod gets a terminal phase before it is removed, as kubelets since 1.27 do: Succeeded only if
    every container had exited 0, else Failed (what a Job's pod failure policy waits for)."""
    uid = str(pod["metadata"].get("uid", ""))
    mains = []
    for container in containers(pod):
        old = statuses_by_name(pod).get(container["name"]) or {}
        running = (old.get("state") or {}).get("running")
        if running is None:
            mains.append(old or pod_status.waiting(container, "ContainerCreating"))
            continue
        mains.append(pod_status.terminated(
            container, pod_uid=uid, started_at=running.get("startedAt") or now, finished_at=now,
            exit_code=SIGTERM_EXIT, restarts=int(old.get("restartCount") or 0), last_state=old.get("lastState") or {}))
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    phase = str((pod.get("status") or {}).get("phase") or "Pending")
    if phase not in TERMINAL:
        codes = [((s.get("state") or {}).get("terminated") or {}).get("exitCode") for s in mains]
        phase = "Succeeded" if codes and all(code == 0 for code in codes) else "Failed"
    return _with(pod, phase=phase, sandbox=False, now=now, inits=inits, mains=mains)
