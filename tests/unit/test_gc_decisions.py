"""The garbage collector's decisions and its dependency index, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.controllers import gc_decisions as gc
from kubegate.controllers.gc_graph import DependencyGraph, ObjectRef, OwnerRef


def ref(uid: str, *, block: bool = False) -> OwnerRef:
    return OwnerRef("apps/v1", "ReplicaSet", f"rs-{uid}", uid, block)


LIVE = {"uid": "a"}
WAITING_OWNER = {"uid": "a", "deletionTimestamp": "t", "finalizers": ["foregroundDeletion"]}
ORPHANING_OWNER = {"uid": "a", "deletionTimestamp": "t", "finalizers": ["orphan"]}


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        (None, gc.DANGLING),
        ({"uid": "b"}, gc.DANGLING),  # same name, another object: the owner was recreated
        (LIVE, gc.SOLID),
        (WAITING_OWNER, gc.WAITING),
        (ORPHANING_OWNER, gc.SOLID),  # being deleted, but not waiting for its dependents
        ({"uid": "a", "finalizers": ["foregroundDeletion"]}, gc.SOLID),  # not being deleted
    ],
)
def test_classify(owner: dict[str, Any] | None, expected: str) -> None:
    assert gc.classify(owner, ref("a")) == expected


@pytest.mark.parametrize(
    ("classes", "finalizers", "has_dependents", "cycle", "expected"),
    [
        ([gc.SOLID], [], False, False, gc.Decision()),
        ([gc.UNKNOWN, gc.DANGLING], [], False, False, gc.Decision()),  # cannot judge: leave it
        ([gc.SOLID, gc.DANGLING], [], False, False, gc.Decision(gc.REMOVE_REFERENCES, remove=("1",))),
        ([gc.WAITING, gc.SOLID], [], True, False, gc.Decision(gc.REMOVE_REFERENCES, remove=("0",))),
        ([gc.DANGLING], [], False, False, gc.Decision(gc.DELETE, policy="Background")),
        ([gc.DANGLING, gc.DANGLING], [], True, False, gc.Decision(gc.DELETE, policy="Background")),
        ([gc.DANGLING], ["orphan"], True, False, gc.Decision(gc.DELETE, policy="Orphan")),
        ([gc.DANGLING], ["foregroundDeletion"], False, False, gc.Decision(gc.DELETE, policy="Foreground")),
        ([gc.WAITING], [], False, False, gc.Decision(gc.DELETE, policy="Background")),
        ([gc.WAITING], [], True, False, gc.Decision(gc.DELETE, policy="Foreground")),  # cascades down
        ([gc.WAITING], [], True, True, gc.Decision(gc.DELETE, policy="Foreground", unblock=True)),
        ([gc.WAITING, gc.DANGLING], ["orphan"], False, False, gc.Decision(gc.DELETE, policy="Orphan")),
    ],
)
def test_attempt_to_delete(
    classes: list[str], finalizers: list[str], has_dependents: bool, cycle: bool, expected: gc.Decision
) -> None:
    classified = [(ref(str(i)), cls) for i, cls in enumerate(classes)]
    decision = gc.attempt_to_delete(
        classified, finalizers=finalizers, has_dependents=has_dependents, a_dependent_waits_too=cycle
    )
    assert decision == expected


def test_owner_references_are_parsed_leniently() -> None:
    refs = OwnerRef.parse_all([
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "u1", "blockOwnerDeletion": True},
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "c"},  # no uid: not a reference
        "junk",
        {"apiVersion": "v1", "kind": "Secret", "name": "s", "uid": "u2", "blockOwnerDeletion": "yes"},
    ])
    assert refs == (OwnerRef("v1", "ConfigMap", "c", "u1", True), OwnerRef("v1", "Secret", "s", "u2", False))
    assert OwnerRef.parse_all({"not": "a list"}) == ()


POD = ObjectRef(("", "pods"), "ns", "p", "pod-uid")


def test_the_graph_indexes_dependents_by_owner_uid_and_diffs_changes() -> None:
    graph = DependencyGraph()
    first = graph.observe(POD, (ref("a", block=True), ref("b")))
    assert [o.uid for o in first.added] == ["a", "b"] and not first.unblocked
    assert graph.dependents_of("a") == [POD] and graph.blocking_dependents("a") == [POD]
    assert graph.blocking_dependents("b") == []

    unblocked = graph.observe(POD, (ref("a", block=False), ref("b")))
    assert [o.uid for o in unblocked.unblocked] == ["a"] and not unblocked.added
    assert graph.blocking_dependents("a") == []

    dropped = graph.observe(POD, (ref("b"),))
    assert [o.uid for o in dropped.removed] == ["a"] and not graph.has_dependents("a")

    assert [o.uid for o in graph.forget(POD.uid)] == ["b"]
    assert not graph.has_dependents("b") and graph.owners_of(POD.uid) == ()


def test_removing_a_blocking_reference_unblocks_its_owner() -> None:
    graph = DependencyGraph()
    graph.observe(POD, (ref("a", block=True),))
    changes = graph.observe(POD, ())
    assert [o.uid for o in changes.unblocked] == ["a"] and [o.uid for o in changes.removed] == ["a"]
    assert graph.dependents_of("a") == []
