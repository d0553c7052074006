"""The facts a Job's status is made of: outcomes, conditions, and how each pod counts.

Kept apart from the controller so the rules read as data: a 1.32 Job first gets the interim
condition (`SuccessCriteriaMet` or `FailureTarget`), then, once no pod of it is still running
or terminating, the terminal one (`Complete` or `Failed`) with the same reason and message.

A pod counts as failed when its phase is Failed; a pod being deleted that did not succeed counts
as failed too, unless the Job replaces only failed pods (`podReplacementPolicy: Failed`, implied
by a pod failure policy), which waits for the kubelet to give it a terminal phase. A failure the
pod failure policy ignores is not counted at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.controllers.workloads import job_policy
from kubegate.controllers.workloads.controlled import int_field
from kubegate.controllers.workloads.job_indexes import (
    failure_count,
    format_indexes,
    index_of,
    parse_indexes,
)
from kubegate.controllers.workloads.podcontrol import find_condition

FINALIZER = "batch.kubernetes.io/job-tracking"
SUCCESS, FAILURE = "SuccessCriteriaMet", "FailureTarget"
#: interim condition -> the terminal condition it becomes
TERMINAL = {SUCCESS: "Complete", FAILURE: "Failed"}


@dataclass(frozen=True)
class Outcome:
    """How a Job ends: its interim condition type, and the reason and message both conditions carry."""

    interim: str
    reason: str
    message: str

    @property
    def terminal(self) -> str:
        return TERMINAL[self.interim]

    @property
    def failed(self) -> bool:
        return self.interim == FAILURE


#: the outcomes whose message is fixed, by reason
OUTCOMES = {
    "CompletionsReached": Outcome(SUCCESS, "CompletionsReached", "Reached expected number of succeeded pods"),
    "BackoffLimitExceeded": Outcome(FAILURE, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    "DeadlineExceeded": Outcome(FAILURE, "DeadlineExceeded", "Job was active longer than specified deadline"),
    "FailedIndexes": Outcome(FAILURE, "FailedIndexes", "Job has failed indexes"),
    "MaxFailedIndexesExceeded": Outcome(
        FAILURE, "MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes"),
}


def pod_failure_policy(message: str) -> Outcome:
    return Outcome(FAILURE, "PodFailurePolicy", message)


def success_policy(message: str) -> Outcome:
    return Outcome(SUCCESS, "SuccessPolicy", message)


def finished_type(job: dict[str, Any]) -> str | None:
    """`Complete` or `Failed` once the Job has that condition True."""
    for kind in ("Complete", "Failed"):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return kind
    return None


def pending_outcome(job: dict[str, Any]) -> Outcome | None:
    """The outcome of an interim condition already set (the Job is finishing)."""
    for kind in (SUCCESS, FAILURE):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return Outcome(kind, str(condition.get("reason") or ""), str(condition.get("message") or ""))
    return None


def condition(kind: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def completions(job: dict[str, Any]) -> int | None:
    value = (job.get("spec") or {}).get("completions")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parallelism(job: dict[str, Any]) -> int:
    return int_field(job.get("spec") or {}, "parallelism", 1)


def indexed(job: dict[str, Any]) -> bool:
    return (job.get("spec") or {}).get("completionMode") == "Indexed" and completions(job) is not None


def per_index(job: dict[str, Any]) -> bool:
    """backoffLimitPerIndex is set (Indexed Jobs only)."""
    return indexed(job) and isinstance((job.get("spec") or {}).get("backoffLimitPerIndex"), int)


def only_replace_failed(job: dict[str, Any]) -> bool:
    spec = job.get("spec") or {}
    return spec.get("podReplacementPolicy") == "Failed" or spec.get("podFailurePolicy") is not None


def tracked(pod: dict[str, Any]) -> bool:
    return FINALIZER in (pod["metadata"].get("finalizers") or [])


def is_failed(job: dict[str, Any], pod: dict[str, Any]) -> bool:
    """isPodFailed: phase Failed, or (unless only failed pods are replaced) deleted without succeeding."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Failed":
        return True
    if only_replace_failed(job):
        return False
    return bool(pod["metadata"].get("deletionTimestamp")) and phase != "Succeeded"


def valid_index(job: dict[str, Any], pod: dict[str, Any]) -> bool:
    """Outside Indexed mode every pod is; inside it, pods with an index below completions."""
    if not indexed(job):
        return True
    index = index_of(pod)
    return index is not None and index < (completions(job) or 0)


def counted_as(job: dict[str, Any], pod: dict[str, Any], finishing: Outcome | None) -> str | None:
    """How the controller counts a tracked pod as it releases it: `succeeded`, `failed`, `ignored`
    (released, not counted), or None (not finished: the finalizer stays). While a Job fails every
    pod that did not succeed is a failure; while it succeeds the unfinished ones are let go."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return "succeeded" if valid_index(job, pod) else "ignored"
    # a succeeding Job lets its unfinished pods go as it deletes them: only those that had failed count
    failed = phase == "Failed" if finishing is not None and not finishing.failed else is_failed(job, pod)
    if failed or (finishing is not None and finishing.failed):
        if not valid_index(job, pod) or not job_policy.match_failure(job, pod).counts:
            return "ignored"
        return "failed"
    return None if finishing is None else "ignored"


def index_failed(job: dict[str, Any], pod: dict[str, Any]) -> bool:
    """isIndexFailed: the pod failed and either a FailIndex rule matched, or its index has used up
    `backoffLimitPerIndex` (the pod's own failure-count annotation counts those before it)."""
    if not is_failed(job, pod):
        return False
    match = job_policy.match_failure(job, pod)
    if match.action == job_policy.FAIL_INDEX:
        return True
    limit = int_field(job.get("spec") or {}, "backoffLimitPerIndex", 0)
    return match.counts and failure_count(pod) >= limit


@dataclass(frozen=True)
class Tally:
    """What the Job is judged on: counted pods, those listed as uncounted, and the tracked pods that
    ended and are in neither yet."""

    succeeded: int
    failed: int
    done: frozenset[int]
    failed_indexes: frozenset[int]


def tally(job: dict[str, Any], pods: list[dict[str, Any]]) -> Tally:
    status = job.get("status") or {}
    uncounted = status.get("uncountedTerminatedPods") or {}
    listed = {str(u) for kind in ("succeeded", "failed") for u in uncounted.get(kind) or []}
    succeeded = int_field(status, "succeeded", 0) + len(uncounted.get("succeeded") or [])
    failed = int_field(status, "failed", 0) + len(uncounted.get("failed") or [])
    limit = completions(job) if indexed(job) else None
    done = parse_indexes(str(status.get("completedIndexes") or ""), limit=limit)
    failed_indexes = parse_indexes(str(status.get("failedIndexes") or ""), limit=limit)
    for pod in pods:
        if not tracked(pod) or str(pod["metadata"].get("uid")) in listed or not valid_index(job, pod):
            continue
        phase = (pod.get("status") or {}).get("phase")
        index = index_of(pod)
        if phase == "Succeeded":
            succeeded += 1
            if index is not None:
                done.add(index)
        elif is_failed(job, pod):
            failed += int(job_policy.match_failure(job, pod).counts)
            if per_index(job) and index is not None and index_failed(job, pod):
                failed_indexes.add(index)
    if indexed(job):
        succeeded = len(done)
    return Tally(succeeded, failed, frozenset(done), frozenset(failed_indexes - done))


def fail_job_message(job: dict[str, Any], pods: list[dict[str, Any]]) -> str | None:
    """getFailJobMessage: the first failed pod a FailJob rule matches fails the Job."""
    if (job.get("spec") or {}).get("podFailurePolicy") is None:
        return None
    for pod in pods:
        if is_failed(job, pod):
            match = job_policy.match_failure(job, pod)
            if match.message is not None:
                return match.message
    return None


def restarts_exceed_backoff(job: dict[str, Any], pods: list[dict[str, Any]]) -> bool:
    """pastBackoffLimitOnFailure: with restartPolicy OnFailure, the container restarts of the pods
    still pending or running count against backoffLimit."""
    spec = job.get("spec") or {}
    if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") != "OnFailure":
        return False
    restarts = 0
    for pod in pods:
        status = pod.get("status") or {}
        if status.get("phase") not in ("Pending", "Running"):
            continue
        for field in ("initContainerStatuses", "containerStatuses"):
            restarts += sum(int_field(c, "restartCount", 0) for c in status.get(field) or [] if isinstance(c, dict))
    limit = int_field(spec, "backoffLimit", 6)
    return restarts > 0 if limit == 0 else restarts >= limit


def with_listed(job: dict[str, Any], old: dict[str, Any], new: dict[str, str], indexes: set[int],
                failed_indexes: set[int]) -> dict[str, Any]:
    """The status with newly finished pods listed as uncounted, and new completed/failed indexes."""
    lists = old.get("uncountedTerminatedPods") or {}
    for kind in ("succeeded", "failed"):
        uids = [*lists.get(kind, []), *(u for u, k in new.items() if k == kind and u not in lists.get(kind, []))]
        if uids:
            lists[kind] = uids
    old["uncountedTerminatedPods"] = lists
    limit = completions(job)
    if indexes:
        done = parse_indexes(str(old.get("completedIndexes") or ""), limit=limit) | indexes
        old["completedIndexes"] = format_indexes(done)
        old["succeeded"] = len(done)
    if failed_indexes:
        failed = parse_indexes(str(old.get("failedIndexes") or ""), limit=limit) | failed_indexes
        old["failedIndexes"] = format_indexes(failed)
    return old
