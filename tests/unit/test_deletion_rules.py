"""The delete rules as tables: GC finalizers, graceful pods, preconditions, delete-on-update."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubegate.api.deleteoptions import DeleteOptions
from kubegate.api.errors import StatusError
from kubegate.registry import deletion
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.delete_strategy import (
    DELETE_DEPENDENTS,
    ORPHAN_DEPENDENTS,
    UNSUPPORTED,
    delete_strategy_for,
    pod_grace_period,
)
from tests.support.builtin_specs import builtin_spec

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
ORPHAN, FG = "orphan", "foregroundDeletion"


def opts(**fields: Any) -> DeleteOptions:
    return DeleteOptions(**fields)


@pytest.mark.parametrize(
    ("policy", "finalizers", "options", "expected"),
    [
        # explicit policies
        (DELETE_DEPENDENTS, [], opts(propagation_policy="Background"), (False, [])),
        (DELETE_DEPENDENTS, [], opts(propagation_policy="Foreground"), (True, [FG])),
        (DELETE_DEPENDENTS, [], opts(propagation_policy="Orphan"), (True, [ORPHAN])),
        (DELETE_DEPENDENTS, ["a/b"], opts(propagation_policy="Orphan"), (True, ["a/b", ORPHAN])),
        # a new policy replaces the other collector finalizer, keeps everyone else's
        (DELETE_DEPENDENTS, [FG, "a/b"], opts(propagation_policy="Orphan"), (True, ["a/b", ORPHAN])),
        (DELETE_DEPENDENTS, [FG], opts(propagation_policy="Background"), (True, [])),
        # the deprecated flag: true orphans, false neither orphans nor waits (background)
        (DELETE_DEPENDENTS, [], opts(orphan_dependents=True), (True, [ORPHAN])),
        (DELETE_DEPENDENTS, [FG], opts(orphan_dependents=False), (True, [])),
        # no policy: the object's own finalizers, then the resource's default
        (DELETE_DEPENDENTS, [FG], opts(), (False, [FG])),
        (DELETE_DEPENDENTS, [], opts(), (False, [])),
        (ORPHAN_DEPENDENTS, [], opts(), (True, [ORPHAN])),
        (ORPHAN_DEPENDENTS, [], opts(propagation_policy="Background"), (False, [])),
        # resources that are never collected never get the collector's finalizers
        (UNSUPPORTED, [], opts(propagation_policy="Foreground"), (False, [])),
        (UNSUPPORTED, [], opts(orphan_dependents=True), (False, [])),
    ],
)
def test_gc_finalizers(policy: str, finalizers: list[str], options: DeleteOptions, expected: tuple[bool, list[str]]) -> None:
    assert deletion.gc_finalizers(policy, finalizers, options) == expected


@pytest.mark.parametrize(
    ("resource", "policy"),
    [
        (("apps", "deployments"), DELETE_DEPENDENTS),
        (("apps", "replicasets"), DELETE_DEPENDENTS),
        (("", "configmaps"), DELETE_DEPENDENTS),
        (("", "replicationcontrollers"), ORPHAN_DEPENDENTS),  # core/v1 keeps its pre-GC default
        (("batch", "jobs"), ORPHAN_DEPENDENTS),  # batch/v1 too
        (("batch", "cronjobs"), DELETE_DEPENDENTS),
        (("", "events"), UNSUPPORTED),
    ],
)
def test_default_policies(resource: tuple[str, str], policy: str) -> None:
    assert delete_strategy_for(builtin_spec(*resource)).gc_policy == policy


def pod(*, node: str = "n1", phase: str = "Running", grace: int | None = 30) -> dict[str, Any]:
    spec: dict[str, Any] = {"nodeName": node} if node else {}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": {"name": "p", "uid": "u"}, "spec": spec, "status": {"phase": phase}}


@pytest.mark.parametrize(
    ("obj", "requested", "period"),
    [
        (pod(), None, 30),
        (pod(grace=5), None, 5),
        (pod(grace=None), None, 0),
        (pod(), 3, 3),
        (pod(), 0, 0),
        (pod(), -7, 1),  # negative means "graceful, as short as possible"
        (pod(node=""), 30, 0),  # never scheduled: nothing runs it
        (pod(phase="Succeeded"), None, 0),
        (pod(phase="Failed"), 10, 0),
    ],
)
def test_pod_grace_period(obj: dict[str, Any], requested: int | None, period: int) -> None:
    assert pod_grace_period(obj, requested) == period


PODS = delete_strategy_for(builtin_spec("", "pods"))
CONFIGMAPS = delete_strategy_for(builtin_spec("", "configmaps"))


def test_a_bound_pod_is_deleted_gracefully() -> None:
    obj = pod(grace=30)
    decision = deletion.before_delete(PODS, obj, opts(), now=NOW)
    assert (decision.graceful, decision.pending, decision.grace) == (True, False, 30)
    assert obj["metadata"]["deletionTimestamp"] == "2025-01-01T12:00:30Z"
    assert obj["metadata"]["deletionGracePeriodSeconds"] == 30


def deleting(timestamp: str, grace: int) -> dict[str, Any]:
    obj = pod()
    obj["metadata"].update(deletionTimestamp=timestamp, deletionGracePeriodSeconds=grace)
    return obj


@pytest.mark.parametrize(
    ("grace", "requested", "expected", "timestamp"),
    [
        (30, None, (False, True, 30), "2025-01-01T12:00:20Z"),  # pending: nothing changes
        (30, 40, (False, True, 30), "2025-01-01T12:00:20Z"),  # longer: ignored
        (30, 25, (True, False, 25), "2025-01-01T12:00:15Z"),  # counted from 11:59:50, when it began
        (30, 10, (True, False, 10), "2025-01-01T12:00:00Z"),  # ends right now
        (30, 5, (True, False, 1), "2025-01-01T12:00:00Z"),  # would end in the past: now, still graceful
        (30, 0, (True, False, 0), "2025-01-01T12:00:00Z"),  # force: now, grace 0
        (0, None, (False, False, 0), "2025-01-01T12:00:20Z"),  # grace already 0: it may go now
    ],
)
def test_a_second_delete_may_only_shorten_the_grace_period(
    grace: int, requested: int | None, expected: tuple[bool, bool, int], timestamp: str
) -> None:
    obj = deleting("2025-01-01T12:00:20Z", grace)  # began at 11:59:50 with grace 30
    decision = deletion.before_delete(PODS, obj, opts(grace_period_seconds=requested), now=NOW)
    assert (decision.graceful, decision.pending, decision.grace) == expected
    assert obj["metadata"]["deletionTimestamp"] == timestamp
    if decision.graceful:
        assert obj["metadata"]["deletionGracePeriodSeconds"] == decision.grace


def test_graceful_deletion_bumps_a_generation_that_is_tracked() -> None:
    obj = pod()
    obj["metadata"]["generation"] = 3
    deletion.before_delete(PODS, obj, opts(), now=NOW)
    assert obj["metadata"]["generation"] == 4


def test_resources_without_graceful_deletion_are_untouched() -> None:
    obj = {"metadata": {"name": "c", "uid": "u"}}
    assert deletion.before_delete(CONFIGMAPS, obj, opts(grace_period_seconds=30), now=NOW) == deletion.GracefulDecision()
    assert obj == {"metadata": {"name": "c", "uid": "u"}}


def test_mark_as_deleting_keeps_an_earlier_timestamp_and_bumps_generation_once() -> None:
    metadata: dict[str, Any] = {"generation": 2}
    deletion.mark_as_deleting(metadata, now=NOW)
    assert metadata == {"generation": 3, "deletionTimestamp": "2025-01-01T12:00:00Z", "deletionGracePeriodSeconds": 0}
    later = datetime(2025, 1, 1, 13, 0, 0, tzinfo=UTC)
    deletion.mark_as_deleting(metadata, now=later)
    assert metadata["deletionTimestamp"] == "2025-01-01T12:00:00Z" and metadata["generation"] == 3


SPECS = {(s.group, s.plural): s for s in BUILTIN_RESOURCES}


@pytest.mark.parametrize(
    ("spec_key", "precondition", "message"),
    [
        (("", "configmaps"), DeleteOptions(precondition_uid="other"),
         ('Operation cannot be fulfilled on ConfigMap "x": the UID in the precondition (other) does not match the UID '
          "in record (u-1). The object might have been deleted and then recreated")),
        (("apps", "deployments"), DeleteOptions(precondition_resource_version="3"),
         ('Operation cannot be fulfilled on Deployment.apps "x": the ResourceVersion in the precondition (3) does not '
          "match the ResourceVersion in record (9). The object might have been modified")),
    ],
)
def test_failed_preconditions_are_conflicts_on_the_kind(
    spec_key: tuple[str, str], precondition: DeleteOptions, message: str
) -> None:
    obj = {"metadata": {"name": "x", "uid": "u-1", "resourceVersion": "9"}}
    with pytest.raises(StatusError) as caught:
        deletion.check_preconditions(SPECS[spec_key], obj, precondition)
    assert (caught.value.code, caught.value.message) == (409, message)


def test_namespaces_word_their_preconditions_like_storage() -> None:
    obj = {"metadata": {"name": "ns1", "uid": "u-1", "resourceVersion": "9"}}
    with pytest.raises(StatusError) as caught:
        deletion.check_namespace_preconditions(obj, DeleteOptions(precondition_uid="u-2"))
    assert caught.value.message == (
        'Operation cannot be fulfilled on namespaces "ns1": Precondition failed: UID in precondition: u-2, '
        "UID in object meta: u-1"
    )


@pytest.mark.parametrize(
    ("spec_key", "old", "new", "deletes"),
    [
        (("", "configmaps"), {"deletionTimestamp": "t", "deletionGracePeriodSeconds": 0, "finalizers": ["a"]}, {}, True),
        (("", "configmaps"), {"deletionTimestamp": "t", "finalizers": ["a"]}, {"finalizers": ["a"]}, False),
        (("", "configmaps"), {"finalizers": ["a"]}, {}, False),  # not being deleted
        (("", "pods"), {"deletionTimestamp": "t", "deletionGracePeriodSeconds": 30, "finalizers": ["a"]}, {}, False),
    ],
)
def test_removing_the_last_finalizer_completes_a_deletion(
    spec_key: tuple[str, str], old: dict[str, Any], new: dict[str, Any], deletes: bool
) -> None:
    assert deletion.should_delete_during_update(SPECS[spec_key], {"metadata": old}, {"metadata": new}) is deletes


def test_a_namespace_waits_for_its_content_finalizer_too() -> None:
    spec = SPECS[("", "namespaces")]
    old = {"metadata": {"deletionTimestamp": "t"}, "spec": {"finalizers": ["kubernetes"]}}
    assert not deletion.should_delete_during_update(spec, old, {"metadata": {}, "spec": {"finalizers": ["kubernetes"]}})
    assert deletion.should_delete_during_update(spec, old, {"metadata": {}, "spec": {"finalizers": []}})
