"""A namespace's Pod Security policy, read from its labels as PodSecurity admission reads them.

Each mode (enforce, audit, warn) has a level and a version. Missing labels leave the default,
privileged at latest. A bad enforce level means restricted; a bad audit or warn level means
privileged (they fail open); a bad version means latest. A namespace that sets only an enforce
level stricter than its warn level is warned at the enforce level as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from kubegate.api.errors import CAUSE_INVALID, FieldError

PRIVILEGED, BASELINE, RESTRICTED = "privileged", "baseline", "restricted"
LEVELS = (PRIVILEGED, BASELINE, RESTRICTED)  # least to most restrictive
LABEL_PREFIX = "pod-security.kubernetes.io/"
_VERSION = re.compile(r"^v1\.(0|[1-9][0-9]*)$")
LATEST = None  # a version of None is "latest"


@dataclass(frozen=True, slots=True)
class LevelVersion:
    level: str = PRIVILEGED
    minor: int | None = LATEST

    def __str__(self) -> str:
        return f"{self.level}:{'latest' if self.minor is None else f'v1.{self.minor}'}"


@dataclass(frozen=True, slots=True)
class Policy:
    enforce: LevelVersion = LevelVersion()
    audit: LevelVersion = LevelVersion()
    warn: LevelVersion = LevelVersion()

    @property
    def fully_privileged(self) -> bool:
        return all(mode.level == PRIVILEGED for mode in (self.enforce, self.audit, self.warn))


def stricter(a: str, b: str) -> bool:
    return LEVELS.index(a) > LEVELS.index(b)


def policy_of(labels: Mapping[str, str] | None) -> tuple[Policy, list[FieldError]]:
    """The policy the labels give, and the field errors of the labels that are not valid."""
    policy, errors = Policy(), []
    labels = labels or {}
    modes: dict[str, LevelVersion] = {"enforce": policy.enforce, "audit": policy.audit, "warn": policy.warn}
    fail_level = {"enforce": RESTRICTED, "audit": PRIVILEGED, "warn": PRIVILEGED}
    for mode in ("enforce", "audit", "warn"):
        key = LABEL_PREFIX + mode
        if key in labels:
            level = labels[key]
            if level not in LEVELS:
                errors.append(_invalid(key, level, "must be one of " + ", ".join(LEVELS)))
                level = fail_level[mode]
            modes[mode] = replace(modes[mode], level=level)
        if key + "-version" in labels:
            version = labels[key + "-version"]
            minor: int | None = LATEST
            match = _VERSION.match(version) if version != "latest" else None
            if match is not None:
                minor = int(match.group(1))
            elif version != "latest":
                errors.append(_invalid(key + "-version", version, 'must be "latest" or "v1.x"'))
            modes[mode] = replace(modes[mode], minor=minor)
    enforce_set = LABEL_PREFIX + "enforce" in labels and labels[LABEL_PREFIX + "enforce"] in LEVELS
    if enforce_set and LABEL_PREFIX + "warn" not in labels and stricter(modes["enforce"].level, modes["warn"].level):
        warn_minor = modes["warn"].minor if LABEL_PREFIX + "warn-version" in labels else modes["enforce"].minor
        modes["warn"] = LevelVersion(modes["enforce"].level, warn_minor)
    return Policy(**modes), errors


def _invalid(label: str, value: str, detail: str) -> FieldError:
    return FieldError(CAUSE_INVALID, f"metadata.labels[{label}]", detail, value)
