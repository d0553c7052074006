"""The taints the node controllers manage, as pure functions of a Node and its conditions.

Three families, as upstream (K pkg/controller/nodelifecycle, pkg/util/taints):

* NoSchedule taints mirror the conditions: Ready False -> `not-ready`, Ready Unknown ->
  `unreachable`, Memory/Disk/PID pressure and NetworkUnavailable True -> their own keys, and a
  cordoned node (`spec.unschedulable`) -> `unschedulable`. A node with no conditions at all
  wants none of them, so even the `not-ready` taint admission put on it comes off.
* NoExecute taints follow Ready alone (False -> `not-ready`, Unknown -> `unreachable`; the two
  are exclusive); pods that do not tolerate them long enough are evicted.
* Taints are the same when key and effect are (Taint.MatchTaint); the controller stamps the
  ones it adds with `timeAdded`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"

#: (condition type, status) -> the NoSchedule taint key it calls for
CONDITION_TAINTS: Mapping[tuple[str, str], str] = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
#: NoSchedule keys the lifecycle controller owns (others' taints are never touched)
MANAGED_NO_SCHEDULE = frozenset([*CONDITION_TAINTS.values(), UNSCHEDULABLE])
#: Ready status -> the NoExecute taint it calls for
READY_NO_EXECUTE: Mapping[str, str] = {"False": NOT_READY, "Unknown": UNREACHABLE}

Taint = dict[str, Any]


def taints_of(node: Mapping[str, Any]) -> list[Taint]:
    listed = (node.get("spec") or {}).get("taints")
    return [t for t in listed if isinstance(t, dict)] if isinstance(listed, list) else []


def condition(node: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    for entry in (node.get("status") or {}).get("conditions") or []:
        if isinstance(entry, dict) and entry.get("type") == kind:
            return entry
    return None


def ready_status(node: Mapping[str, Any]) -> str:
    """The Ready condition's status, "" when the node has none."""
    ready = condition(node, "Ready")
    return str(ready.get("status") or "") if ready else ""


def same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def wanted_no_schedule(node: Mapping[str, Any]) -> list[Taint]:
    """The NoSchedule taints the node's conditions and cordon call for."""
    wanted = []
    for entry in (node.get("status") or {}).get("conditions") or []:
        if isinstance(entry, dict):
            key = CONDITION_TAINTS.get((str(entry.get("type")), str(entry.get("status"))))
            if key is not None:
                wanted.append({"key": key, "effect": NO_SCHEDULE})
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.append({"key": UNSCHEDULABLE, "effect": NO_SCHEDULE})
    return wanted


def no_schedule_changes(node: Mapping[str, Any]) -> tuple[list[Taint], list[Taint]]:
    """(to add, to remove) so the managed NoSchedule taints match the conditions."""
    current = [t for t in taints_of(node) if t.get("effect") == NO_SCHEDULE and t.get("key") in MANAGED_NO_SCHEDULE]
    wanted = wanted_no_schedule(node)
    add = [t for t in wanted if not any(same(t, c) for c in current)]
    remove = [c for c in current if not any(same(c, t) for t in wanted)]
    return add, remove


def no_execute_changes(node: Mapping[str, Any], *, ready: str, evicting: bool) -> tuple[list[Taint], list[Taint]]:
    """(to add, to remove) for the NoExecute pair; none stays while evictions are off."""
    key = READY_NO_EXECUTE.get(ready) if evicting else None
    current = [t for t in taints_of(node) if t.get("effect") == NO_EXECUTE and t.get("key") in (NOT_READY, UNREACHABLE)]
    add = [] if key is None or any(t.get("key") == key for t in current) else [{"key": key, "effect": NO_EXECUTE}]
    remove = [t for t in current if t.get("key") != key]
    return add, remove


def swapped(taints: Sequence[Taint], *, add: Iterable[Taint], remove: Iterable[Taint], now: str) -> list[Taint]:
    """SwapNodeControllerTaint: `add` appended with timeAdded, `remove` taken off."""
    removing = list(remove)
    result = [dict(t) for t in taints if not any(same(t, r) for r in removing)]
    for taint in add:
        result = [t for t in result if not same(t, taint)]
        result.append({**taint, "timeAdded": now})
    return result


# tolerations, as the taint eviction controller reads them ------------------------------------


def tolerates(toleration: Any, taint: Mapping[str, Any]) -> bool:
    """Toleration.ToleratesTaint."""
    if not isinstance(toleration, dict):
        return False
    effect, key = toleration.get("effect") or "", toleration.get("key") or ""
    if effect and effect != taint.get("effect"):
        return False
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def matching_tolerations(taints: Sequence[Taint], tolerations: Sequence[Any]) -> tuple[bool, list[dict[str, Any]]]:
    """(every taint tolerated, the first toleration found for each)."""
    used = []
    for taint in taints:
        found = next((t for t in tolerations if tolerates(t, taint)), None)
        if found is None:
            return False, []
        used.append(found)
    return True, used


def min_toleration_seconds(used: Sequence[dict[str, Any]]) -> float | None:
    """How long the pod may stay: None for ever, 0 at once (getMinTolerationTime)."""
    if not used:
        return 0.0
    seconds = [float(value) for t in used if isinstance(value := t.get("tolerationSeconds"), int | float)]
    if not seconds:
        return None
    return max(0.0, min(seconds))
