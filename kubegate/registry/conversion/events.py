"""core/v1 Event <-> events.k8s.io/v1 Event.

The real apiserver stores every event once, as core/v1 `events`; events.k8s.io/v1 is another
view of the same objects with renamed fields (pkg/apis/events/v1 conversion). The renames are a
table; everything not named here has the same name in both versions.
"""

from __future__ import annotations

from typing import Any

#: events.k8s.io/v1 field -> core/v1 field
RENAMES: tuple[tuple[str, str], ...] = (
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
    ("reportingController", "reportingComponent"),
)


def _renamed(obj: dict[str, Any], pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    out = dict(obj)
    for _, new in pairs:
        out.pop(new, None)  # a field of the other version has no place here
    for old, new in pairs:
        if old in obj:
            out[new] = out.pop(old)
    return out


def to_core(obj: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event as core/v1 stores it."""
    return _renamed(obj, RENAMES)


def from_core(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored core/v1 Event as events.k8s.io/v1 serves it."""
    return _renamed(obj, tuple((new, old) for old, new in RENAMES))
