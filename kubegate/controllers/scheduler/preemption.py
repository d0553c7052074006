"""DefaultPreemption: which lower-priority pods to evict so that a pod no node fits can run.

The PostFilter plugin of kube-scheduler's default profile (1.32), as pure functions:

- a pod is eligible unless its `preemptionPolicy` is Never, or pods it already preempted are
  still terminating on its nominated node;
- only nodes refused by a filter that evicting pods can satisfy (resources, ports) are tried;
  on each, every pod of lower priority is taken away; if the pod still does not fit, that node's
  filter verdict stands; else the pods are put back one by one, the most important first (higher
  priority, then earlier start), those whose budget (PodDisruptionBudget) would be violated before
  the others, and each one that makes the pod not fit again is a victim;
- among the nodes with victims, the one with the fewest budget violations wins, then the lowest
  highest victim priority, the lowest sum of priorities, the fewest victims, the latest start of
  its most important victims, then the first by name (upstream picks at random among equals).

The scheduler controller carries out the choice (DisruptionTarget condition, delete, event) and
nominates the node on the preemptor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubegate.api import errors, labels
from kubegate.controllers.scheduler.filters import Verdict, run_filters
from kubegate.controllers.scheduler.resources import NodeInfo, PodUsage

NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
#: a time after every real one: a pod that has not started is the least important of its priority
NOT_STARTED = "9999-12-31T23:59:59Z"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def priority(pod: Mapping[str, Any]) -> int:
    value = _mapping(pod.get("spec")).get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def start_time(pod: Mapping[str, Any]) -> str:
    return str(_mapping(pod.get("status")).get("startTime") or NOT_STARTED)


@dataclass(frozen=True)
class Bound:
    """A pod bound to a node, as preemption weighs it."""

    pod: Mapping[str, Any]
    usage: PodUsage

    @property
    def importance(self) -> tuple[int, str]:
        """Sorts the most important first (util.MoreImportantPod)."""
        return (-priority(self.pod), start_time(self.pod))


@dataclass
class Candidate:
    node: str
    victims: list[Bound] = field(default_factory=list)
    violations: int = 0


def terminating_by_preemption(pod: Mapping[str, Any]) -> bool:
    """Being deleted with the DisruptionTarget condition a preemption gives."""
    if not _mapping(pod.get("metadata")).get("deletionTimestamp"):
        return False
    for condition in _mapping(pod.get("status")).get("conditions") or []:
        condition = _mapping(condition)
        if condition.get("type") == "DisruptionTarget":
            return condition.get("status") == "True" and condition.get("reason") == "PreemptionByScheduler"
    return False


def ineligible(pod: Mapping[str, Any], nominated_pods: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the pod may not preempt (PodEligibleToPreemptOthers); `nominated_pods`: those bound to
    its nominated node."""
    if _mapping(pod.get("spec")).get("preemptionPolicy") == "Never":
        return NOT_ELIGIBLE_NEVER
    mine = priority(pod)
    if any(priority(other) < mine and terminating_by_preemption(other) for other in nominated_pods):
        return NOT_ELIGIBLE_TERMINATING
    return None


def _budget_split(victims: list[Bound], budgets: Sequence[Mapping[str, Any]]) -> tuple[list[Bound], list[Bound]]:
    """filterPodsWithPDBViolation: (violating, not violating), each in the order given."""
    allowed = [int(_mapping(b.get("status")).get("disruptionsAllowed") or 0) for b in budgets]
    violating: list[Bound] = []
    fine: list[Bound] = []
    for victim in victims:
        metadata = _mapping(victim.pod.get("metadata"))
        pod_labels = _mapping(metadata.get("labels"))
        broken = False
        for position, budget in enumerate(budgets if pod_labels else ()):
            if _mapping(budget.get("metadata")).get("namespace") != metadata.get("namespace"):
                continue
            try:
                selector = labels.selector_from_label_selector_object(_mapping(budget.get("spec")).get("selector"))
            except errors.StatusError:
                continue
            if selector.is_empty or not selector.matches({str(k): str(v) for k, v in pod_labels.items()}):
                continue
            if metadata.get("name") in _mapping(_mapping(budget.get("status")).get("disruptedPods")):
                continue
            allowed[position] -= 1
            broken = broken or allowed[position] < 0
        (violating if broken else fine).append(victim)
    return violating, fine


Fits = Callable[[list[Bound]], Verdict]


def select_victims(pod: Mapping[str, Any], on_node: list[Bound], budgets: Sequence[Mapping[str, Any]],
                   fits: Fits) -> Candidate | Verdict:
    """SelectVictimsOnNode: the victims on one node, or the verdict that stands. `fits(remaining)`
    runs the filters with only `remaining` on the node."""
    mine = priority(pod)
    potential = sorted((b for b in on_node if priority(b.pod) < mine), key=lambda b: b.importance)
    if not potential:
        return (NO_VICTIMS,)
    chosen = {id(b) for b in potential}
    remaining = [b for b in on_node if id(b) not in chosen]
    verdict = fits(remaining)
    if verdict:
        return verdict
    violating, fine = _budget_split(potential, budgets)
    candidate = Candidate("")
    for group in (violating, fine):
        for victim in group:
            remaining.append(victim)
            if fits(remaining):
                remaining.pop()
                candidate.victims.append(victim)
                candidate.violations += group is violating
    if not candidate.victims:  # it fits with them all: nothing to evict here after all
        return (NO_VICTIMS,)
    if violating and fine:
        candidate.victims.sort(key=lambda b: b.importance)
    return candidate


def _order(candidate: Candidate) -> tuple[Any, ...]:
    victims = candidate.victims
    highest = max(priority(v.pod) for v in victims)
    earliest = min(start_time(v.pod) for v in victims if priority(v.pod) == highest)
    # the latest start wins: invert the timestamp's characters so that min() picks it
    latest_first = tuple(-ord(ch) for ch in earliest)
    return (candidate.violations, highest, sum(priority(v.pod) + 2**31 for v in victims), len(victims), latest_first,
            candidate.node)


def pick(candidates: list[Candidate]) -> Candidate:
    """pickOneNodeForPreemption (ties: by node name)."""
    return min(candidates, key=_order)


def dry_run(pod: Mapping[str, Any], usage: PodUsage, nodes: Sequence[tuple[NodeInfo, list[Bound]]],
            budgets: Sequence[Mapping[str, Any]], extra: Callable[[str], list[PodUsage]]) -> tuple[list[Candidate], dict[str, Verdict]]:
    """Every node tried: the candidates, and the verdicts of the nodes without one. `extra(node)`
    are the pods nominated to that node that the pod must leave room for."""
    candidates: list[Candidate] = []
    verdicts: dict[str, Verdict] = {}
    for info, on_node in nodes:
        def fits(remaining: list[Bound], info: NodeInfo = info) -> Verdict:
            trial = NodeInfo(info.node, [*(b.usage for b in remaining), *extra(info.name)])
            status = run_filters(pod, usage, trial)
            return () if status is None else status.reasons
        result = select_victims(pod, on_node, budgets, fits)
        if isinstance(result, Candidate):
            result.node = info.name
            candidates.append(result)
        else:
            verdicts[info.name] = result
    return candidates, verdicts
