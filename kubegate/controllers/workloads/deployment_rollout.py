"""The arithmetic of a Deployment rollout, as pure functions over ReplicaSet dicts.

Everything here decides and nothing writes, so the rules can be tested with tables:
how many pods maxSurge and maxUnavailable allow (ints or percentages, surge rounded up,
unavailability down, never both zero), how far the new ReplicaSet may grow and the old ones
shrink in a rolling update, how a resize is shared out proportionally among ReplicaSets in the
middle of a rollout, which ReplicaSets the revision history keeps, and the revision numbers.
Absent fields take the API defaults (RollingUpdate 25%/25%, revisionHistoryLimit 10).
"""

from __future__ import annotations

import math
from typing import Any

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
#: Deployment annotations not copied onto its ReplicaSets (skipCopyAnnotation)
NOT_COPIED = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
})
DEFAULT_SURGE = "25%"
DEFAULT_UNAVAILABLE = "25%"
DEFAULT_HISTORY_LIMIT = 10

RS = dict[str, Any]


# reading fields, defaults included ---------------------------------------------------------------


def spec_replicas(obj: dict[str, Any]) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def status_count(obj: dict[str, Any], field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


def annotation(obj: dict[str, Any], key: str) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(key)
    return None if value is None else str(value)


def int_annotation(obj: dict[str, Any], key: str) -> int | None:
    text = annotation(obj, key)
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def revision(obj: dict[str, Any]) -> int:
    return int_annotation(obj, REVISION) or 0


def strategy_type(deployment: dict[str, Any]) -> str:
    return str(((deployment.get("spec") or {}).get("strategy") or {}).get("type") or "RollingUpdate")


def history_limit(deployment: dict[str, Any]) -> int:
    value = (deployment.get("spec") or {}).get("revisionHistoryLimit")
    return DEFAULT_HISTORY_LIMIT if value is None else int(value)


def created(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("creationTimestamp") or "")


def name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


# maxSurge and maxUnavailable ---------------------------------------------------------------------


def scaled_value(value: Any, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int, or a percentage of `total`."""
    if isinstance(value, bool):
        raise TypeError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage") from None
    percent = int(text[:-1])
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def fenceposts(deployment: dict[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in pods (ResolveFenceposts); never both zero."""
    rolling = ((deployment.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = spec_replicas(deployment)
    surge_value = rolling.get("maxSurge", DEFAULT_SURGE)
    unavailable_value = rolling.get("maxUnavailable", DEFAULT_UNAVAILABLE)
    surge = scaled_value(DEFAULT_SURGE if surge_value is None else surge_value, desired, round_up=True)
    unavailable = scaled_value(
        DEFAULT_UNAVAILABLE if unavailable_value is None else unavailable_value, desired, round_up=False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1  # otherwise the rollout could never start
    return surge, unavailable


def max_surge(deployment: dict[str, Any]) -> int:
    return fenceposts(deployment)[0] if strategy_type(deployment) == "RollingUpdate" else 0


def max_unavailable(deployment: dict[str, Any]) -> int:
    desired = spec_replicas(deployment)
    if strategy_type(deployment) != "RollingUpdate" or desired == 0:
        return 0
    return min(fenceposts(deployment)[1], desired)


# a rolling update, one step at a time ------------------------------------------------------------


def new_rs_replicas(deployment: dict[str, Any], all_rs: list[RS], new_rs: RS) -> int:
    """How many replicas the new ReplicaSet may have now (NewRSNewReplicas)."""
    desired = spec_replicas(deployment)
    if strategy_type(deployment) != "RollingUpdate":
        return desired
    current = spec_replicas(new_rs)
    total = sum(spec_replicas(rs) for rs in all_rs)
    allowed = desired + max_surge(deployment)
    if total >= allowed:
        return current
    return current + max(0, min(allowed - total, desired - current))


def old_scale_down_budget(deployment: dict[str, Any], all_rs: list[RS], new_rs: RS | None) -> int:
    """How many old pods may go now without dropping below minimum availability."""
    min_available = spec_replicas(deployment) - max_unavailable(deployment)
    new_unavailable = 0 if new_rs is None else spec_replicas(new_rs) - status_count(new_rs, "availableReplicas")
    return sum(spec_replicas(rs) for rs in all_rs) - min_available - new_unavailable


def cleanup_unhealthy(old_rs: list[RS], budget: int) -> dict[str, int]:
    """New sizes for old ReplicaSets shedding their unavailable pods first, oldest first."""
    sizes: dict[str, int] = {}
    total = 0
    for rs in sorted(old_rs, key=lambda r: (created(r), name(r))):
        if total >= budget:
            break
        replicas = spec_replicas(rs)
        unhealthy = replicas - status_count(rs, "availableReplicas")
        if replicas == 0 or unhealthy <= 0:
            continue
        cut = min(budget - total, unhealthy)
        sizes[name(rs)] = replicas - cut
        total += cut
    return sizes


def scale_down_old(deployment: dict[str, Any], all_rs: list[RS], old_rs: list[RS]) -> dict[str, int]:
    """New sizes for old ReplicaSets, oldest first, keeping minimum availability."""
    min_available = spec_replicas(deployment) - max_unavailable(deployment)
    available = sum(status_count(rs, "availableReplicas") for rs in all_rs)
    left = available - min_available
    sizes: dict[str, int] = {}
    for rs in sorted(old_rs, key=lambda r: (created(r), name(r))):
        if left <= 0:
            break
        replicas = spec_replicas(rs)
        if replicas == 0:
            continue
        cut = min(replicas, left)
        sizes[name(rs)] = replicas - cut
        left -= cut
    return sizes


# a resize in the middle of a rollout -------------------------------------------------------------


def _go_round(value: float) -> int:
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def proportional_sizes(deployment: dict[str, Any], active: list[RS]) -> dict[str, int]:
    """Share a resize among active ReplicaSets in proportion to their size (scale)."""
    desired = spec_replicas(deployment)
    surge = max_surge(deployment)
    allowed = desired + surge if desired > 0 else 0
    to_add = allowed - sum(spec_replicas(rs) for rs in active)
    newest_first = to_add > 0
    ordered = sorted(
        active,
        key=lambda r: (-spec_replicas(r), _reverse(created(r)) if newest_first else created(r), name(r)),
    )
    sizes = {name(rs): spec_replicas(rs) for rs in ordered}
    if to_add == 0 or not ordered:
        return sizes
    added = 0
    for rs in ordered:
        if spec_replicas(rs) == 0 or added == to_add:
            continue
        if desired == 0:
            fraction = -spec_replicas(rs)
        else:
            annotated = int_annotation(rs, MAX_REPLICAS) or status_count(deployment, "replicas")
            if annotated <= 0:
                continue
            fraction = _go_round(spec_replicas(rs) * (desired + surge) / annotated) - spec_replicas(rs)
        step = min(fraction, to_add - added) if to_add > 0 else max(fraction, to_add - added)
        sizes[name(rs)] += step
        added += step
    first = name(ordered[0])
    sizes[first] = max(0, sizes[first] + to_add - added)
    return sizes


def _reverse(text: str) -> str:
    """A sort key that orders strings descending."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


# revisions and history ---------------------------------------------------------------------------


def next_revision(old_rs: list[RS]) -> int:
    return max((revision(rs) for rs in old_rs), default=0) + 1


def history_to_delete(deployment: dict[str, Any], old_rs: list[RS]) -> list[RS]:
    """Old, empty ReplicaSets beyond revisionHistoryLimit, lowest revisions first."""
    cleanable = [rs for rs in old_rs if not (rs.get("metadata") or {}).get("deletionTimestamp")]
    surplus = len(cleanable) - history_limit(deployment)
    if surplus <= 0:
        return []
    chosen = []
    for rs in sorted(cleanable, key=lambda r: (revision(r), created(r), name(r)))[:surplus]:
        generation = int((rs.get("metadata") or {}).get("generation") or 0)
        if status_count(rs, "replicas") or spec_replicas(rs) or generation > status_count(rs, "observedGeneration"):
            continue
        chosen.append(rs)
    return chosen
