"""The facts a Job's status is made of: conditions, reasons, messages and completed indexes.

Kept apart from the controller so the rules read as data: a 1.32 Job first gets the interim
condition (`SuccessCriteriaMet` or `FailureTarget`), then, once no pod of it is still running
or terminating, the terminal one (`Complete` or `Failed`) with the same reason and message.
"""

from __future__ import annotations

from typing import Any

from kubegate.controllers.workloads.controlled import int_field
from kubegate.controllers.workloads.podcontrol import find_condition

FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"

#: reason -> (interim condition, terminal condition, message)
OUTCOMES = {
    "CompletionsReached": ("SuccessCriteriaMet", "Complete", "Reached expected number of succeeded pods"),
    "BackoffLimitExceeded": ("FailureTarget", "Failed", "Job has reached the specified backoff limit"),
    "DeadlineExceeded": ("FailureTarget", "Failed", "Job was active longer than specified deadline"),
}
#: the Warning event reasons for failures (the same texts as the conditions)
FAILURE_EVENTS = ("BackoffLimitExceeded", "DeadlineExceeded")


def finished_type(job: dict[str, Any]) -> str | None:
    """`Complete` or `Failed` once the Job has that condition True."""
    for kind in ("Complete", "Failed"):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return kind
    return None


def pending_outcome(job: dict[str, Any]) -> str | None:
    """The reason of an interim condition already set (the Job is finishing)."""
    for kind in ("SuccessCriteriaMet", "FailureTarget"):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return str(condition.get("reason") or "")
    return None


def condition(kind: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def format_indexes(indexes: set[int]) -> str:
    """`0-2,4`: sorted, consecutive runs collapsed, as status.completedIndexes reads."""
    parts: list[str] = []
    ordered = sorted(indexes)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_indexes(text: str) -> set[int]:
    indexes: set[int] = set()
    for part in filter(None, (text or "").split(",")):
        low, _, high = part.partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            indexes.update(range(int(low), int(high or low) + 1))
    return indexes


def index_of(pod: dict[str, Any]) -> int | None:
    value = str((pod["metadata"].get("annotations") or {}).get(INDEX_ANNOTATION, ""))
    return int(value) if value.isdigit() else None


def completions(job: dict[str, Any]) -> int | None:
    value = (job.get("spec") or {}).get("completions")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parallelism(job: dict[str, Any]) -> int:
    return int_field(job.get("spec") or {}, "parallelism", 1)


def indexed(job: dict[str, Any]) -> bool:
    return (job.get("spec") or {}).get("completionMode") == "Indexed" and completions(job) is not None


def tally(job: dict[str, Any], pods: list[dict[str, Any]]) -> tuple[int, int, set[int]]:
    """Succeeded, failed and completed indexes as upstream judges a Job on them: the counted pods,
    those in `uncountedTerminatedPods`, and the ended pods that still carry the finalizer and are
    in neither (a deleted pod that did not succeed is a failure)."""
    status = job.get("status") or {}
    uncounted = status.get("uncountedTerminatedPods") or {}
    listed = {str(u) for kind in ("succeeded", "failed") for u in uncounted.get(kind) or []}
    succeeded = int_field(status, "succeeded", 0) + len(uncounted.get("succeeded") or [])
    failed = int_field(status, "failed", 0) + len(uncounted.get("failed") or [])
    done = parse_indexes(str(status.get("completedIndexes") or ""))
    for pod in pods:
        metadata = pod["metadata"]
        if FINALIZER not in (metadata.get("finalizers") or []) or str(metadata.get("uid")) in listed:
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Succeeded":
            succeeded += 1
            index = index_of(pod)
            if index is not None:
                done.add(index)
        elif phase == "Failed" or metadata.get("deletionTimestamp"):
            failed += 1
    return succeeded, failed, done
