"""Completion indexes of an Indexed Job: their text form and what a pod carries of them.

`status.completedIndexes`, `status.failedIndexes` and a success policy's `succeededIndexes` are
lists of indexes and ranges (`0-2,4`). The Job controller writes runs of three or more as a range
and a pair as two items (`0,1`), and reads back only what lies below `completions`. Each pod of an
Indexed Job carries its index (annotation and label); with `backoffLimitPerIndex` it also carries
how many pods of its index failed before it (`job-index-failure-count`) and how many failures
the pod failure policy ignored (`job-index-ignored-failure-count`), which its replacement inherits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"
IGNORED_FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-ignored-failure-count"
INT32_MAX = 2**31 - 1


def format_indexes(indexes: Iterable[int]) -> str:
    """`0-2,4,6,7`: sorted; runs of three or more collapsed into a range."""
    parts: list[str] = []
    ordered = sorted(set(indexes))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if i == j:
            parts.append(str(ordered[i]))
        elif j == i + 1:
            parts.append(f"{ordered[i]},{ordered[j]}")
        else:
            parts.append(f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_indexes(text: str, *, limit: int | None = None) -> set[int]:
    """The indexes in `text`; with `limit` (completions) only those below it. Bad items are skipped."""
    indexes: set[int] = set()
    for part in (text or "").split(","):
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            continue
        first, last = int(low), int(high) if dash else int(low)
        if limit is not None:
            if first >= limit:
                break
            last = min(last, limit - 1)
        indexes.update(range(first, last + 1))
    return indexes


def _annotation(pod: Mapping[str, Any], key: str) -> str:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(key, "")) if isinstance(annotations, Mapping) else ""


def index_of(pod: Mapping[str, Any]) -> int | None:
    value = _annotation(pod, INDEX_ANNOTATION)
    return int(value) if value.isdigit() else None


def _count(pod: Mapping[str, Any], key: str) -> int:
    value = _annotation(pod, key)
    return int(value) if value.isdigit() and int(value) <= INT32_MAX else 0


def failure_count(pod: Mapping[str, Any]) -> int:
    """Pods of this pod's index that failed (and counted) before it."""
    return _count(pod, FAILURE_COUNT_ANNOTATION)


def ignored_failure_count(pod: Mapping[str, Any]) -> int:
    return _count(pod, IGNORED_FAILURE_COUNT_ANNOTATION)


def inherited_counts(replaced: Mapping[str, Any] | None, *, counted: bool) -> dict[str, str]:
    """The failure-count annotations of the pod replacing `replaced` (a failed pod of the index)."""
    if replaced is None:
        return {FAILURE_COUNT_ANNOTATION: "0"}
    failures, ignored = failure_count(replaced), ignored_failure_count(replaced)
    if counted:
        failures += 1
    else:
        ignored += 1
    annotations = {FAILURE_COUNT_ANNOTATION: str(failures)}
    if ignored:
        annotations[IGNORED_FAILURE_COUNT_ANNOTATION] = str(ignored)
    return annotations
