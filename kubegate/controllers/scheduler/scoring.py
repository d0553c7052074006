"""Which of the fitting nodes a pod goes to: the least allocated, ties broken by name.

A reduced NodeResourcesFit LeastAllocated score: for cpu and memory, the share of allocatable
left free once the pod is placed (pods without requests counted at the non-zero defaults), on
0-100, averaged. The real scheduler adds other scores and breaks ties at random; kubegate keeps
to this one so placement spreads pods and stays the same from run to run.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.controllers.scheduler.resources import CPU, MEMORY, NodeInfo, PodUsage, with_defaults

MAX_SCORE = 100
SCORED = (CPU, MEMORY)


def least_allocated(usage: PodUsage, node: NodeInfo) -> int:
    allocatable = node.allocatable
    requested = node.requested(non_zero=True)
    wanted = with_defaults(usage.requests)
    total = 0
    for name in SCORED:
        capacity = allocatable.get(name, 0)
        after = requested.get(name, 0) + wanted.get(name, 0)
        if capacity > 0 and after <= capacity:
            total += (capacity - after) * MAX_SCORE // capacity
    return total // len(SCORED)


def pick(usage: PodUsage, fitting: Sequence[NodeInfo]) -> NodeInfo:
    """The node to bind to: highest score, then the smallest name."""
    return min(fitting, key=lambda node: (-least_allocated(usage, node), node.name))
