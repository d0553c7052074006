"""The pod status at each stage of a simulated kubelet's run, as pure functions of the pod.

accepted (Pending, containers being created) -> initialized (init containers Completed) ->
started (Running; readiness follows the probes) -> finished (Succeeded, or Failed / restarted
with back-off on a non-zero exit) -> stopped (on deletion). Each function takes the live pod and
returns its new status; `stage_of` reads back which stage a status shows, so a restarted server
carries on from where the stored status is.
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
#: kubelet's container restart back-off: 10 s doubling up to 5 minutes
BACKOFF_BASE, BACKOFF_MAX = 10.0, 300.0


def stage_of(pod: dict[str, Any]) -> str:
    """new, initializing, starting, running or done."""
    status = pod.get("status") or {}
    if status.get("phase") in TERMINAL:
        return "done"
    if not status.get("startTime"):
        return "new"
    inits = containers(pod, "initContainers")
    init_states = _states(status.get("initContainerStatuses"))
    if any((init_states.get(c["name"]) or {}).get("terminated", {}).get("exitCode", -1) != 0 for c in inits):
        return "initializing"
    states = _states(status.get("containerStatuses"))
    if any(not ({"running", "terminated"} & set(states.get(c["name"]) or {})) for c in containers(pod)):
        return "starting"
    return "running"


def _states(statuses: Any) -> dict[str, dict[str, Any]]:
    return {
        s["name"]: s.get("state") or {} for s in statuses or [] if isinstance(s, dict) and isinstance(s.get("name"), str)
    }


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


def backoff(restarts: int) -> float:
    return float(min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** max(0, restarts - 1)))


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


def initialized(pod: dict[str, Any], *, pod_ip: str, now: str) -> dict[str, Any]:
    uid = str(pod["metadata"].get("uid", ""))
    return _with(
        pod, phase="Pending", sandbox=True, now=now,
        inits=[pod_status.terminated(c, pod_uid=uid, started_at=now, finished_at=now, exit_code=0)
               for c in containers(pod, "initContainers")],
        mains=[pod_status.waiting(c, "PodInitializing") for c in containers(pod)],
        podIP=pod_ip, podIPs=[{"ip": pod_ip}],
    )


def started(pod: dict[str, Any], *, pod_ip: str, now: str, ready: set[str]) -> dict[str, Any]:
    """Every container not yet running starts now (a restarted one keeps its count and lastState)."""
    uid = str(pod["metadata"].get("uid", ""))
    current = statuses_by_name(pod)
    mains = []
    for container in containers(pod):
        old = current.get(container["name"]) or {}
        if "running" in (old.get("state") or {}):
            mains.append({**old, "ready": container["name"] in ready})
            continue
        status = pod_status.running(container, pod_uid=uid, started_at=now, ready=container["name"] in ready,
                                    restarts=int(old.get("restartCount") or 0))
        status["lastState"] = old.get("lastState") or {}
        mains.append(status)
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    return _with(pod, phase="Running", sandbox=True, now=now, inits=inits, mains=mains,
                 podIP=pod_ip, podIPs=[{"ip": pod_ip}])


def readiness(pod: dict[str, Any], *, ready: set[str], now: str) -> dict[str, Any]:
    mains = [{**s, "ready": s["name"] in ready} for s in statuses_by_name(pod).values()]
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    return _with(pod, phase=str((pod.get("status") or {}).get("phase")), sandbox=True, now=now, inits=inits, mains=mains)


def finished(pod: dict[str, Any], *, now: str, code: int, restart: bool) -> dict[str, Any]:
    """Containers exit with `code`; with `restart` (OnFailure) they wait in CrashLoopBackOff."""
    uid = str(pod["metadata"].get("uid", ""))
    mains = []
    for container in containers(pod):
        old = statuses_by_name(pod).get(container["name"]) or {}
        restarts = int(old.get("restartCount") or 0)
        began = ((old.get("state") or {}).get("running") or {}).get("startedAt") or now
        status = pod_status.terminated(container, pod_uid=uid, started_at=began, finished_at=now,
                                       exit_code=code, restarts=restarts)
        if restart:
            name, namespace = pod["metadata"].get("name"), pod["metadata"].get("namespace")
            message = (f"back-off {int(backoff(restarts + 1))}s restarting failed container={container['name']} "
                       f"pod={name}_{namespace}({uid})")
            status = {**status, "lastState": status["state"], "restartCount": restarts + 1,
                      "state": {"waiting": {"message": message, "reason": "CrashLoopBackOff"}}}
        mains.append(status)
    phase = "Running" if restart else ("Succeeded" if code == 0 else "Failed")
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    return _with(pod, phase=phase, sandbox=restart, now=now, inits=inits, mains=mains)


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
            container, pod_uid=uid, started_at=running.get("startedAt") or now, finished_at=now, exit_code=SIGTERM_EXIT,
            restarts=int(old.get("restartCount") or 0)))
    inits = list(statuses_by_name(pod, "initContainerStatuses").values())
    phase = str((pod.get("status") or {}).get("phase") or "Pending")
    if phase not in TERMINAL:
        codes = [((s.get("state") or {}).get("terminated") or {}).get("exitCode") for s in mains]
        phase = "Succeeded" if codes and all(code == 0 for code in codes) else "Failed"
    return _with(pod, phase=phase, sandbox=False, now=now, inits=inits, mains=mains)
