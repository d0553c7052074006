"""The text of a scheduling failure, as kube-scheduler's FitError prints it (1.32).

`0/<N> nodes are available: <histogram>.` counts each reason over the refused nodes, items
`<count> <reason>` sorted as strings and joined with `, `. DefaultPreemption then adds its own
text after ` preemption: `: why the pod may not preempt (`not eligible due to ...`), or, when no
node has victims to offer, its own FitError over the dry run: every node it did not try (its
filter was UnschedulableAndUnresolvable) counts as `Preemption is not helpful for scheduling`,
the others by what the dry run found (`No preemption victims found for incoming pod`, or the
filter's reasons when even evicting every lower-priority pod would not make room). A preemption
that found victims adds nothing. With no nodes at all the scheduler says `no nodes available to
schedule pods`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from kubegate.controllers.scheduler.filters import NodeStatus, Verdict
from kubegate.controllers.scheduler.preemption import NOT_HELPFUL

NO_NODES = "no nodes available to schedule pods"


def histogram(reasons: Iterable[str]) -> str:
    counts = Counter(reasons)
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))


def _available(total: int, reasons: Iterable[str]) -> str:
    return f"0/{total} nodes are available: {histogram(reasons)}."


def fit_error(statuses: Mapping[str, NodeStatus], *, preemption: str = "") -> str:
    """The message for a pod that no node fits, given each node's refusal and preemption's word."""
    total = len(statuses)
    if total == 0:
        return NO_NODES
    message = _available(total, (reason for status in statuses.values() for reason in status.reasons))
    return f"{message} preemption: {preemption}" if preemption else message


def preemption_failed(total: int, tried: Mapping[str, Verdict]) -> str:
    """DefaultPreemption's FitError when no node offers victims: `tried` has the dry run's verdict
    for each node it tried; the other nodes were not worth trying."""
    reasons = [reason for verdict in tried.values() for reason in verdict]
    reasons += [NOT_HELPFUL] * (total - len(tried))
    return _available(total, reasons)
