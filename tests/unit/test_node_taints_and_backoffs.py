"""Tables for the pure pieces of the node controllers and the kubelet simulator."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.controllers.nodes import image_pulls, node_taints
from kubegate.controllers.nodes.runtime import ContainerRun, go_duration


def _node(conditions: dict[str, str], *, taints: list[dict[str, Any]] | None = None,
          unschedulable: bool = False) -> dict[str, Any]:
    return {"spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"conditions": [{"type": t, "status": s} for t, s in conditions.items()]}}


@pytest.mark.parametrize(("conditions", "unschedulable", "wanted"), [
    ({"Ready": "True", "MemoryPressure": "False"}, False, []),
    ({"Ready": "False"}, False, ["node.kubernetes.io/not-ready"]),
    ({"Ready": "Unknown", "DiskPressure": "Unknown"}, False, ["node.kubernetes.io/unreachable"]),
    ({"Ready": "True", "MemoryPressure": "True", "PIDPressure": "True"}, False,
     ["node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure"]),
    ({}, True, ["node.kubernetes.io/unschedulable"]),
])
def test_no_schedule_taints_follow_conditions(conditions: dict[str, str], unschedulable: bool, wanted: list[str]) -> None:
    assert [t["key"] for t in node_taints.wanted_no_schedule(_node(conditions, unschedulable=unschedulable))] == wanted


def test_only_managed_taints_change_and_added_ones_are_stamped() -> None:
    node = _node({"Ready": "Unknown"}, taints=[
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
    ])
    add, remove = node_taints.no_schedule_changes(node)
    assert (add, remove) == ([{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}],
                             [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}])
    result = node_taints.swapped(node["spec"]["taints"], add=add, remove=remove, now="2025-01-01T00:00:00Z")
    assert result == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                      {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": "2025-01-01T00:00:00Z"}]
    add, remove = node_taints.no_execute_changes(node, ready="Unknown", evicting=False)
    assert (add, remove) == ([], [])  # full disruption: no NoExecute taint


@pytest.mark.parametrize(("tolerations", "expected"), [
    ([], (False, None)),
    ([{"operator": "Exists"}], (True, None)),  # tolerates everything, for ever
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
      {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}],
     (True, 300.0)),  # the first matching toleration counts
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": -1}], (True, 0.0)),
])
def test_toleration_time(tolerations: list[dict[str, Any]], expected: tuple[bool, float | None]) -> None:
    taints = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    tolerated, used = node_taints.matching_tolerations(taints, tolerations)
    assert (tolerated, node_taints.min_toleration_seconds(used) if tolerated else None) == expected


@pytest.mark.parametrize(("seconds", "text"), [
    (0.0004, "0s"), (0.3, "300ms"), (1.2345, "1.234s"), (10, "10s"), (80, "1m20s"), (300, "5m0s"), (3725.5, "1h2m5.5s"),
])
def test_go_durations(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_restarts_back_off_as_the_kubelet() -> None:
    run = ContainerRun(started=100.0)
    assert run.exited(101.0) is True  # the first exit restarts at once
    waits = []
    for _ in range(7):
        assert run.exited(102.0) is False
        waits.append(run.restart_at - 102.0)
        run.backed_off()
    assert waits == [10, 20, 40, 80, 160, 300, 300]
    run.started = 0.0 + 1000
    assert run.exited(1000 + 601) is True  # ran for more than 10 minutes: the back-off starts afresh


@pytest.mark.parametrize(("container", "policy"), [
    ({"image": "nginx"}, "Always"), ({"image": "nginx:latest"}, "Always"), ({"image": "nginx:1.27"}, "IfNotPresent"),
    ({"image": "localhost:5000/app"}, "Always"), ({"image": "nginx@sha256:" + "a" * 64}, "IfNotPresent"),
    ({"image": "nginx", "imagePullPolicy": "Never"}, "Never"),
])
def test_pull_policy_defaults(container: dict[str, Any], policy: str) -> None:
    assert image_pulls.pull_policy(container) == policy
