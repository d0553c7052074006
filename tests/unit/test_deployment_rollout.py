"""The rollout arithmetic, the template hash and the condition rules of the deployment controller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubegate.controllers.workloads import deployment_rollout as rollout
from kubegate.controllers.workloads import deployment_status as status
from kubegate.controllers.workloads.hashing import equal_ignore_hash, pod_template_hash
from kubegate.controllers.workloads.replicaset import deletion_rank

NOW = datetime(2025, 1, 1, tzinfo=UTC)
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}


def deploy(replicas: int, *, surge: Any = None, unavailable: Any = None, kind: str = "RollingUpdate",
           **status_fields: Any) -> dict[str, Any]:
    rolling = {k: v for k, v in (("maxSurge", surge), ("maxUnavailable", unavailable)) if v is not None}
    return {"metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": replicas, "strategy": {"type": kind, "rollingUpdate": rolling}},
            "status": status_fields}


def rs(name: str, replicas: int, *, available: int = 0, created: str = "2025-01-01T00:00:00Z",
       max_replicas: int | None = None, revision: int | None = None) -> dict[str, Any]:
    annotations = {}
    if max_replicas is not None:
        annotations[rollout.MAX_REPLICAS] = str(max_replicas)
    if revision is not None:
        annotations[rollout.REVISION] = str(revision)
    return {"metadata": {"name": name, "creationTimestamp": created, "annotations": annotations},
            "spec": {"replicas": replicas}, "status": {"replicas": replicas, "availableReplicas": available}}


@pytest.mark.parametrize(("value", "total", "up", "expected"), [
    (2, 10, True, 2), ("25%", 3, True, 1), ("25%", 3, False, 0), ("50%", 5, False, 2), ("10%", 10, True, 1),
    ("0%", 10, True, 0), ("3", 10, True, 3),
])
def test_scaled_value(value: Any, total: int, up: bool, expected: int) -> None:
    assert rollout.scaled_value(value, total, round_up=up) == expected


@pytest.mark.parametrize(("d", "expected"), [
    (deploy(3), (1, 0)), (deploy(10), (3, 2)), (deploy(4), (1, 1)),
    (deploy(3, surge=0, unavailable=0), (0, 1)),  # never both zero
    (deploy(3, surge="100%", unavailable=1), (3, 1)),
])
def test_fenceposts_default_to_25_percent(d: dict[str, Any], expected: tuple[int, int]) -> None:
    assert rollout.fenceposts(d) == expected


def test_max_unavailable_is_zero_for_recreate_and_capped_by_replicas() -> None:
    assert rollout.max_unavailable(deploy(3, kind="Recreate")) == 0
    assert rollout.max_unavailable(deploy(2, unavailable=5)) == 2


@pytest.mark.parametrize(("new", "old", "expected"), [
    (0, 3, 1),  # 3 + 1 surge allows one more pod
    (1, 3, 1),  # at the ceiling: no growth
    (1, 2, 2),
    (3, 0, 3),
])
def test_new_replica_set_grows_within_max_surge(new: int, old: int, expected: int) -> None:
    new_rs, old_rs = rs("n", new), rs("o", old)
    assert rollout.new_rs_replicas(deploy(3), [old_rs, new_rs], new_rs) == expected


def test_old_replica_sets_shrink_keeping_minimum_availability() -> None:
    d = deploy(3)  # minAvailable 3
    new_rs, old_rs = rs("n", 1, available=1), rs("o", 3, available=3)
    assert rollout.old_scale_down_budget(d, [old_rs, new_rs], new_rs) == 1
    assert rollout.scale_down_old(d, [old_rs, new_rs], [old_rs]) == {"o": 2}
    assert rollout.cleanup_unhealthy([rs("o", 3, available=1)], 5) == {"o": 1}


def test_a_resize_mid_rollout_is_shared_proportionally() -> None:
    d = deploy(20, surge=3, unavailable=2)
    sets = [rs("old", 8, max_replicas=13, created="2025-01-01T00:00:00Z"),
            rs("new", 5, max_replicas=13, created="2025-01-02T00:00:00Z")]
    sizes = rollout.proportional_sizes(d, sets)
    assert sum(sizes.values()) == 23 and sizes == {"old": 14, "new": 9}


def test_history_keeps_the_newest_revisions_and_only_empty_sets_go() -> None:
    d = {"spec": {"revisionHistoryLimit": 1}}
    old = [rs("a", 0, revision=1), rs("b", 0, revision=2), rs("c", 1, revision=3)]
    assert [rollout.name(r) for r in rollout.history_to_delete(d, old)] == ["a", "b"]
    assert rollout.history_to_delete({"spec": {}}, old) == []  # default limit 10
    assert rollout.next_revision(old) == 4


def test_template_hash_is_stable_safe_and_ignores_its_own_label() -> None:
    first = pod_template_hash(TEMPLATE)
    assert first == pod_template_hash({**TEMPLATE})
    assert 1 <= len(first) <= 10 and set(first) <= set("bcdfghjklmnpqrstvwxz2456789")
    labelled = {"metadata": {"labels": {"app": "web", "pod-template-hash": first}}, "spec": TEMPLATE["spec"]}
    assert pod_template_hash(labelled) == first and equal_ignore_hash(labelled, TEMPLATE)
    assert pod_template_hash(TEMPLATE, 1) != first
    other = {**TEMPLATE, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}
    assert pod_template_hash(other) != first and not equal_ignore_hash(other, TEMPLATE)


def test_a_changed_condition_moves_last_and_keeps_its_transition_time() -> None:
    current: dict[str, Any] = {}
    status.set_condition(current, status.new_condition("Progressing", "True", "NewReplicaSetCreated", "m", NOW))
    status.set_condition(current, status.new_condition("Available", "False", "MinimumReplicasUnavailable", "m", NOW))
    later = datetime(2025, 1, 2, tzinfo=UTC)
    status.set_condition(current, status.new_condition("Progressing", "True", "NewReplicaSetAvailable", "m", later))
    assert [c["type"] for c in current["conditions"]] == ["Available", "Progressing"]
    assert current["conditions"][1]["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    assert current["conditions"][1]["lastUpdateTime"] == "2025-01-02T00:00:00Z"
    before = [dict(c) for c in current["conditions"]]
    status.set_condition(current, status.new_condition("Available", "False", "MinimumReplicasUnavailable", "x", later))
    assert current["conditions"] == before  # same status and reason: nothing changes


def test_rollout_status_completes_with_the_real_texts() -> None:
    d = deploy(2)
    new_rs = {**rs("web-abc", 2, available=2), "status": {"replicas": 2, "availableReplicas": 2, "readyReplicas": 2}}
    result = status.rollout_status(d, [new_rs], new_rs, NOW)
    assert result["availableReplicas"] == 2 and result["unavailableReplicas"] == 0
    assert [(c["reason"], c["message"]) for c in result["conditions"]] == [
        ("MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("NewReplicaSetAvailable", 'ReplicaSet "web-abc" has successfully progressed.'),
    ]
    assert "unavailableReplicas" not in status.without_zeros(result)


def test_surplus_pods_go_unscheduled_pending_unready_newest_first() -> None:
    def pod(name: str, *, node: str = "", ready: bool = False, created: str = "2025-01-01T00:00:00Z") -> dict[str, Any]:
        conditions = [{"type": "Ready", "status": "True", "lastTransitionTime": created}] if ready else []
        return {"metadata": {"name": name, "creationTimestamp": created}, "spec": {"nodeName": node},
                "status": {"phase": "Running" if node else "Pending", "conditions": conditions}}

    pods = [pod("ready", node="n", ready=True), pod("unready", node="n"), pod("unscheduled"),
            pod("newer-unready", node="n", created="2025-01-02T00:00:00Z")]
    assert [p["metadata"]["name"] for p in sorted(pods, key=deletion_rank)] == [
        "unscheduled", "newer-unready", "unready", "ready"]
