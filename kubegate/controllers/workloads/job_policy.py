"""What a Job's `podFailurePolicy` and `successPolicy` say, as pure functions of the Job and its pods.

A failed pod is matched against the pod failure policy's rules in order; the first rule whose
`onExitCodes` (a terminated container, or init container, with a non-zero exit code In/NotIn the
values, of the named container if `containerName` is set) or `onPodConditions` (a pod condition of
that type and status) matches decides: `FailJob` fails the Job with a message naming the pod,
`Ignore` does not count the failure against `backoffLimit` (nor `backoffLimitPerIndex`), `Count`
counts it as usual and `FailIndex` fails the pod's index (with `backoffLimitPerIndex`). No
matching rule counts the failure as usual.

A success policy's rules are read in order against the succeeded indexes of an Indexed Job: a
rule with `succeededIndexes` holds once all those indexes succeeded (or, with `succeededCount`, at
least that many of them); a rule with only `succeededCount` holds once that many indexes did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubegate.controllers.workloads.job_indexes import parse_indexes

FAIL_JOB = "FailJob"
FAIL_INDEX = "FailIndex"
IGNORE = "Ignore"
COUNT = "Count"


@dataclass(frozen=True)
class Match:
    """The verdict of the pod failure policy on one failed pod."""

    #: the action of the matching rule (None: no rule matched)
    action: str | None = None
    #: the failure counts against backoffLimit and backoffLimitPerIndex (not for Ignore)
    counts: bool = True
    #: with FailJob, the Job's failure message
    message: str | None = None


NO_MATCH = Match()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _exit_code_matches(code: int, operator: str, values: list[Any]) -> bool:
    if operator == "In":
        return code in values
    if operator == "NotIn":
        return code not in values
    return False


def _terminated_container(status: Mapping[str, Any], requirement: Mapping[str, Any]) -> tuple[str, int] | None:
    """(name, exit code) of the first terminated container matching `onExitCodes`, main containers first."""
    wanted = requirement.get("containerName")
    operator, values = str(requirement.get("operator") or ""), _list(requirement.get("values"))
    for field in ("containerStatuses", "initContainerStatuses"):
        for container in _list(status.get(field)):
            terminated = _mapping(_mapping(_mapping(container).get("state")).get("terminated"))
            code = terminated.get("exitCode")
            if not terminated or not isinstance(code, int) or code == 0:
                continue
            name = str(_mapping(container).get("name") or "")
            if wanted is not None and wanted != name:
                continue
            if _exit_code_matches(code, operator, values):
                return name, code
    return None


def _matching_condition(status: Mapping[str, Any], patterns: list[Any]) -> str | None:
    for condition in _list(status.get("conditions")):
        condition = _mapping(condition)
        for pattern in patterns:
            pattern = _mapping(pattern)
            if condition.get("type") == pattern.get("type") and condition.get("status") == (pattern.get("status") or "True"):
                return str(condition.get("type"))
    return None


def match_failure(job: Mapping[str, Any], pod: Mapping[str, Any]) -> Match:
    """What the Job's pod failure policy says of `pod`, a failed pod."""
    policy = _mapping(job.get("spec")).get("podFailurePolicy")
    if not isinstance(policy, Mapping):
        return NO_MATCH
    status, metadata = _mapping(pod.get("status")), _mapping(pod.get("metadata"))
    pod_name = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"
    for position, rule in enumerate(_list(policy.get("rules"))):
        rule = _mapping(rule)
        action = rule.get("action")
        if isinstance(rule.get("onExitCodes"), Mapping):
            found = _terminated_container(status, rule["onExitCodes"])
            if found is None:
                continue
            message = f"Container {found[0]} for pod {pod_name} failed with exit code {found[1]} matching {action} rule at index {position}"
        elif rule.get("onPodConditions") is not None:
            kind = _matching_condition(status, _list(rule.get("onPodConditions")))
            if kind is None:
                continue
            message = f"Pod {pod_name} has condition {kind} matching {action} rule at index {position}"
        else:
            continue
        if action == IGNORE:
            return Match(IGNORE, counts=False)
        if action in (COUNT, FAIL_INDEX):
            return Match(str(action))
        if action == FAIL_JOB:
            return Match(FAIL_JOB, message=message)
    return NO_MATCH


def match_success(job: Mapping[str, Any], succeeded: Iterable[int]) -> str | None:
    """`Matched rules at index N` for the first success policy rule the succeeded indexes meet."""
    spec = _mapping(job.get("spec"))
    policy = spec.get("successPolicy")
    completions = spec.get("completions")
    done = set(succeeded)
    if not isinstance(policy, Mapping) or not isinstance(completions, int) or not done:
        return None
    for position, rule in enumerate(_list(policy.get("rules"))):
        rule = _mapping(rule)
        count = rule.get("succeededCount")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
        if isinstance(rule.get("succeededIndexes"), str):
            required = parse_indexes(rule["succeededIndexes"], limit=completions)
            if not required:
                continue
            met = len(required & done)
            if met == len(required) or (count is not None and met >= count):
                return f"Matched rules at index {position}"
        elif count is not None and len(done) >= count:
            return f"Matched rules at index {position}"
    return None
