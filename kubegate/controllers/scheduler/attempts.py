"""When a pod that did not fit is worth another try: the scheduler's unschedulable pool.

kube-scheduler parks a pod no node fits until something happens that could make it fit (a node
added or changed, a bound pod gone), then retries it once its backoff has passed (1 s doubling
per failed attempt, at most 10 s), and retries every parked pod after 5 minutes regardless.
`Attempts` keeps that bookkeeping per pod key; the controller asks it what to do with a key.
A pod whose own spec or labels changed is retried as if something happened.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
#: podMaxInUnschedulablePodsDuration
FLUSH_AFTER = 300.0

#: what the pod looked like when it failed: (uid, spec, labels)
Signature = tuple[Any, Any, Any]

RETRY = "retry"
WAIT = "wait"
SKIP = "skip"


def signature(pod: Mapping[str, Any]) -> Signature:
    metadata = pod.get("metadata") or {}
    return (metadata.get("uid"), pod.get("spec"), metadata.get("labels"))


@dataclass
class Attempt:
    signature: Signature
    #: the cluster generation the pod failed at
    generation: int
    failures: int
    at: float

    def backoff(self, *, initial: float, maximum: float) -> float:
        return float(min(maximum, initial * 2 ** (self.failures - 1)))


class Attempts:
    """Failed pods by key, and a counter of cluster changes that could help them."""

    def __init__(self, *, initial_backoff: float = INITIAL_BACKOFF, max_backoff: float = MAX_BACKOFF) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.generation = 0
        self._failed: dict[Hashable, Attempt] = {}

    def cluster_changed(self) -> Iterable[Hashable]:
        """Something could make parked pods fit: the keys to look at again."""
        self.generation += 1
        return list(self._failed)

    def decide(self, key: Hashable, pod: Mapping[str, Any], *, now: float) -> tuple[str, float]:
        """(RETRY, 0), (WAIT, seconds until the backoff ends) or (SKIP, 0) for nothing new."""
        attempt = self._failed.get(key)
        if attempt is None:
            return RETRY, 0.0
        if now >= attempt.at + FLUSH_AFTER:
            return RETRY, 0.0
        if attempt.signature == signature(pod) and attempt.generation == self.generation:
            return SKIP, 0.0
        remaining = attempt.at + attempt.backoff(initial=self.initial_backoff, maximum=self.max_backoff) - now
        return (WAIT, remaining) if remaining > 0 else (RETRY, 0.0)

    def failed(self, key: Hashable, pod: Mapping[str, Any], *, now: float, generation: int) -> None:
        """Record a failure; `generation` is the one the attempt started at (changes during it count)."""
        previous = self._failed.get(key)
        failures = previous.failures + 1 if previous is not None else 1
        self._failed[key] = Attempt(signature(pod), generation, failures, now)

    def forget(self, key: Hashable) -> None:
        self._failed.pop(key, None)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._failed
