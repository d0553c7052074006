"""Which checks a level at a version runs, and their results joined into one message.

Baseline runs the baseline checks; restricted runs the restricted ones plus every baseline check
that no restricted check replaces. Each check runs the newest of its versions at or below the
version asked for; `latest`, and any version past the server's own minor, means the server's.
Failures come baseline first, each level's checks in order of their IDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from kubegate.admission.podsecurity.checks import CHECKS, CheckFn
from kubegate.admission.podsecurity.levels import BASELINE, PRIVILEGED, RESTRICTED, LevelVersion


@dataclass(frozen=True, slots=True)
class Verdict:
    failures: tuple[tuple[str, str], ...]  # (reason, detail)

    @property
    def allowed(self) -> bool:
        return not self.failures

    @property
    def reasons(self) -> str:
        return ", ".join(reason for reason, _ in self.failures)

    @property
    def details(self) -> str:
        return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in self.failures)


class Evaluator:
    def __init__(self, server_minor: int) -> None:
        self.server_minor = server_minor

    def evaluate(self, level_version: LevelVersion, meta: dict[str, Any], spec: dict[str, Any]) -> Verdict:
        if level_version.level == PRIVILEGED:
            return Verdict(())
        minor = self.server_minor if level_version.minor is None else min(level_version.minor, self.server_minor)
        failures = []
        for check in _checks(level_version.level, minor):
            result = check(meta, spec)
            if result is not None:
                failures.append((result[0] or "unknown forbidden reason", result[1]))
        return Verdict(tuple(failures))


@cache
def _checks(level: str, minor: int) -> tuple[CheckFn, ...]:
    chosen: dict[str, tuple[CheckFn, tuple[str, ...]]] = {}
    for check in CHECKS:
        if check.level == RESTRICTED and level == BASELINE:
            continue
        versions = [version for version in check.versions if version[0] <= minor]
        if versions:
            chosen[check.id] = versions[-1][1:]
    replaced = {old for _, overrides in chosen.values() for old in overrides} if level == RESTRICTED else set()
    order = sorted(c.id for c in CHECKS if c.level == BASELINE) + sorted(c.id for c in CHECKS if c.level == RESTRICTED)
    return tuple(chosen[id_][0] for id_ in order if id_ in chosen and id_ not in replaced)
