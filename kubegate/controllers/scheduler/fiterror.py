"""The text of a scheduling failure, as kube-scheduler's FitError prints it (1.32).

`0/<N> nodes are available: <histogram>.` counts each reason over the refused nodes, items
`<count> <reason>` sorted as strings and joined with `, `. DefaultPreemption then adds its own
FitError after ` preemption: `: every node whose filter was UnschedulableAndUnresolvable counts
as `Preemption is not helpful for scheduling`, every other one as `No preemption victims found
for incoming pod` (kubegate never evicts for priority, so no victims are ever found). A pod
with `preemptionPolicy: Never` gets `not eligible due to preemptionPolicy=Never.` instead.
With no nodes at all the scheduler says `no nodes available to schedule pods`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from kubegate.controllers.scheduler.filters import NodeStatus

NO_NODES = "no nodes available to schedule pods"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE = "not eligible due to preemptionPolicy=Never."


def histogram(reasons: Iterable[str]) -> str:
    counts = Counter(reasons)
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))


def _available(total: int, reasons: Iterable[str]) -> str:
    return f"0/{total} nodes are available: {histogram(reasons)}."


def fit_error(pod: Mapping[str, Any], statuses: Mapping[str, NodeStatus]) -> str:
    """The message for a pod that no node fits, given each node's refusal."""
    total = len(statuses)
    if total == 0:
        return NO_NODES
    message = _available(total, (reason for status in statuses.values() for reason in status.reasons))
    spec = pod.get("spec")
    if isinstance(spec, Mapping) and spec.get("preemptionPolicy") == "Never":
        return f"{message} preemption: {NOT_ELIGIBLE}"
    preemption = (NO_VICTIMS if status.plugin.preemption_may_help else NOT_HELPFUL for status in statuses.values())
    return f"{message} preemption: {_available(total, preemption)}"
