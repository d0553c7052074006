"""The pure rules under Job policies and preemption: index lists, policy matching, victim choice."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.controllers.scheduler import preemption
from kubegate.controllers.scheduler.resources import PodUsage
from kubegate.controllers.workloads import job_indexes, job_policy


@pytest.mark.parametrize(("indexes", "text"), [
    (set(), ""), ({3}, "3"), ({0, 1}, "0,1"), ({0, 1, 2}, "0-2"), ({0, 1, 2, 4, 6, 7}, "0-2,4,6,7"),
])  # fmt: skip
def test_index_lists_read_as_the_job_controller_writes_them(indexes: set[int], text: str) -> None:
    assert job_indexes.format_indexes(indexes) == text
    assert job_indexes.parse_indexes(text) == indexes


def test_index_lists_stop_at_completions_and_skip_bad_items() -> None:
    assert job_indexes.parse_indexes("0,x,2-9,12", limit=5) == {0, 2, 3, 4}
    assert job_indexes.parse_indexes("7", limit=5) == set()


def failed_pod(code: int, *, container: str = "main", conditions: list[dict[str, str]] | None = None) -> dict[str, Any]:
    state = {"terminated": {"exitCode": code}}
    return {"metadata": {"namespace": "ns", "name": "p"}, "status": {
        "phase": "Failed", "conditions": conditions or [], "containerStatuses": [{"name": container, "state": state}]}}


def policy_job(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"podFailurePolicy": {"rules": list(rules)}}}


def test_the_first_matching_rule_decides() -> None:
    job = policy_job({"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1, 2]}},
                     {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "NotIn", "values": [3]}},
                     {"action": "Count", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]})
    assert job_policy.match_failure(job, failed_pod(2)) == job_policy.Match("Ignore", counts=False)
    assert job_policy.match_failure(job, failed_pod(5)).message == (
        "Container main for pod ns/p failed with exit code 5 matching FailJob rule at index 1")
    assert job_policy.match_failure(job, failed_pod(5, container="side")) == job_policy.NO_MATCH
    preempted = failed_pod(3, conditions=[{"type": "DisruptionTarget", "status": "True"}])
    assert job_policy.match_failure(job, preempted) == job_policy.Match("Count")
    # exit code 0 never matches, NotIn or not
    assert job_policy.match_failure(job, failed_pod(0)) == job_policy.NO_MATCH


def test_success_rules() -> None:
    job = {"spec": {"completions": 5, "successPolicy": {"rules": [
        {"succeededIndexes": "0-2", "succeededCount": 2}, {"succeededCount": 3}]}}}
    assert job_policy.match_success(job, {0}) is None
    assert job_policy.match_success(job, {0, 2}) == "Matched rules at index 0"
    assert job_policy.match_success(job, {3, 4, 0}) == "Matched rules at index 1"


def bound(name: str, priority: int, start: str = "2025-01-01T00:00:00Z") -> preemption.Bound:
    pod = {"metadata": {"name": name, "namespace": "ns"}, "spec": {"priority": priority}, "status": {"startTime": start}}
    return preemption.Bound(pod, PodUsage({}))


def test_the_node_with_the_least_to_lose_is_preempted() -> None:
    def candidate(node: str, *victims: preemption.Bound, violations: int = 0) -> preemption.Candidate:
        return preemption.Candidate(node, list(victims), violations)

    fewer_violations = [candidate("a", bound("x", 1), violations=1), candidate("b", bound("y", 5))]
    assert preemption.pick(fewer_violations).node == "b"
    lower_top = [candidate("a", bound("x", 5)), candidate("b", bound("y", 3), bound("z", 3))]
    assert preemption.pick(lower_top).node == "b"
    smaller_sum = [candidate("a", bound("x", 3), bound("w", 2)), candidate("b", bound("y", 3), bound("z", 1))]
    assert preemption.pick(smaller_sum).node == "b"
    fewer = [candidate("a", bound("x", 3), bound("w", 0)), candidate("b", bound("y", 3), bound("z", 0), bound("v", 0))]
    assert preemption.pick(fewer).node == "a"  # each victim weighs 2^31 more in the sum: fewer pods win it
    later = [candidate("a", bound("x", 3, "2025-01-01T00:00:00Z")), candidate("b", bound("y", 3, "2025-01-02T00:00:00Z"))]
    assert preemption.pick(later).node == "b"
    assert preemption.pick([candidate("b", bound("y", 3)), candidate("a", bound("x", 3))]).node == "a"


def test_budgets_put_their_pods_back_first() -> None:
    guarded = bound("g", 1)
    guarded.pod["metadata"]["labels"] = {"app": "db"}
    free = bound("f", 1)
    free.pod["metadata"]["labels"] = {"app": "web"}
    budget = {"metadata": {"namespace": "ns"}, "spec": {"selector": {"matchLabels": {"app": "db"}}},
              "status": {"disruptionsAllowed": 0}}
    preemptor = {"spec": {"priority": 10}}
    # room for one of the two: the guarded pod is reprieved, the other is the victim
    result = preemption.select_victims(preemptor, [guarded, free], [budget], lambda remaining: ("Insufficient cpu",)
                                       if len(remaining) > 1 else ())
    assert isinstance(result, preemption.Candidate)
    assert ([v.pod["metadata"]["name"] for v in result.victims], result.violations) == (["f"], 0)
