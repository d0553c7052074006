"""The disruption controller: a PodDisruptionBudget's status (kube-controller-manager's `disruption`).

For each budget it counts the pods its selector picks in its namespace (`expectedPods`: those
not finished or being deleted), the Ready ones (`currentHealthy`), and what must stay healthy
(`desiredHealthy`): `minAvailable` as given (a percentage of the expected pods, rounded up), or
expected minus `maxUnavailable`. `disruptionsAllowed` is the surplus, and condition
`DisruptionAllowed` says `SufficientPods` or `InsufficientPods`. Upstream counts expected pods
from the owning controllers' scale; counting the selected pods gives the same numbers for pods
that are all up, and needs no scale lookups. `disruptedPods` (eviction bookkeeping) stays empty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kubegate.api import meta
from kubegate.controllers.workloads.controlled import (
    PODS,
    WorkloadController,
    selector_of,
    set_condition,
)
from kubegate.controllers.workloads.podcontrol import is_active, is_ready
from kubegate.registry.objects import Event, ObjectKey

BUDGETS = ("policy", "poddisruptionbudgets")


def _amount(value: Any, total: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        share = int(value[:-1]) * total / 100
        return math.ceil(share) if round_up else math.floor(share)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


class DisruptionController(WorkloadController):
    name = "disruption"
    component = "controllermanager"
    resource = BUDGETS
    kind = "PodDisruptionBudget"

    def owner_keys(self, event: Event) -> Iterable[ObjectKey]:
        """A pod wakes every budget in its namespace whose selector picks it (before or after)."""
        keys = []
        for stored in self.informers.list(BUDGETS, namespace=event.key[0]):
            selector = selector_of(stored.obj)
            for pod in (event.stored, event.previous):
                if pod is not None and selector.matches(pod.obj["metadata"].get("labels") or {}):
                    keys.append((event.key[0], stored.obj["metadata"]["name"]))
                    break
        return keys

    async def reconcile(self, key: ObjectKey) -> None:
        budget = self.current(key)
        if budget is None:
            return
        spec = budget.get("spec") or {}
        selector = selector_of(budget)
        pods = [s.obj for s in self.informers.list(PODS, namespace=key[0])
                if selector.matches(s.obj["metadata"].get("labels") or {}) and is_active(s.obj)]
        expected = len(pods)
        healthy = sum(1 for pod in pods if is_ready(pod))
        if spec.get("maxUnavailable") is not None:
            desired = max(0, expected - _amount(spec.get("maxUnavailable"), expected, round_up=True))
        else:
            desired = _amount(spec.get("minAvailable", 1), expected, round_up=True)
        allowed = max(0, healthy - desired) if expected > 0 else 0
        now = meta.format_time(meta.now())
        condition = {
            "type": "DisruptionAllowed", "status": "True" if allowed > 0 else "False",
            "reason": "SufficientPods" if allowed > 0 else "InsufficientPods", "message": "",
            "observedGeneration": budget["metadata"].get("generation", 1),
        }

        def change(old: dict[str, Any]) -> dict[str, Any]:
            conditions = [c for c in old.get("conditions") or [] if isinstance(c, dict)]
            current = next((c for c in conditions if c.get("type") == "DisruptionAllowed"), None)
            if current is None or any(current.get(k) != v for k, v in condition.items()):
                conditions = set_condition(conditions, condition, now=now)
            return {
                **old, "observedGeneration": budget["metadata"].get("generation", 1),
                "disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired,
                "expectedPods": expected, "conditions": conditions,
            }

        await self.write_status(budget, change)
