"""A Job spec's failure and success handling, checked as validateJobSpec (1.32) checks it.

`backoffLimitPerIndex` and `maxFailedIndexes` need Indexed mode; the pod failure policy's rules
need a known action (FailIndex only with a per-index limit), exit-code requirements with a known
operator, sorted unique values (no 0 for In) and a container of the template, condition patterns
with a known status; a pod failure policy allows only `podReplacementPolicy: Failed`; a success
policy needs Indexed mode and rules whose indexes lie below `completions`. The restart policy
check that a pod failure policy adds (only Never) is the caller's, after the template's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from kubegate.api.gotypes import GoValue
from kubegate.registry.validation.field import (
    IS_NEGATIVE,
    Errors,
    child,
    duplicate,
    index,
    integer,
    invalid,
    items,
    mapping,
    not_supported,
    required,
    text,
    too_long,
)

ACTIONS = ("Count", "FailIndex", "FailJob", "Ignore")
OPERATORS = ("In", "NotIn")
CONDITION_STATUSES = ("False", "True", "Unknown")
REPLACEMENT_POLICIES = ("Failed", "TerminatingOrFailed")
MAX_PARALLELISM_INDEXED = 100_000
MAX_FAILED_INDEXES = 100_000
MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024


def _int32s(values: list[Any]) -> GoValue:
    return GoValue("[]int32{" + ", ".join(str(v) for v in values) + "}")


def counts(spec: Mapping[str, Any], path: str) -> Errors:
    """backoffLimitPerIndex and maxFailedIndexes, and what Indexed mode asks of them."""
    problems: Errors = []
    per_index, max_failed = integer(spec.get("backoffLimitPerIndex")), integer(spec.get("maxFailedIndexes"))
    completions, parallelism = integer(spec.get("completions")), integer(spec.get("parallelism"))
    if per_index is not None and per_index < 0:
        problems.append(invalid(child(path, "backoffLimitPerIndex"), per_index, IS_NEGATIVE))
    if max_failed is not None:
        if max_failed < 0:
            problems.append(invalid(child(path, "maxFailedIndexes"), max_failed, IS_NEGATIVE))
        if per_index is None:
            problems.append(required(child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
    mode = spec.get("completionMode")
    if mode not in (None, "NonIndexed", "Indexed"):
        problems.append(not_supported(child(path, "completionMode"), mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed":
        if completions is None:
            problems.append(required(child(path, "completions"), "when completion mode is Indexed"))
        if parallelism is not None and parallelism > MAX_PARALLELISM_INDEXED:
            problems.append(invalid(child(path, "parallelism"), parallelism,
                                    f"must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"))
        if completions is not None and max_failed is not None and max_failed > completions:
            problems.append(invalid(child(path, "maxFailedIndexes"), max_failed, "must be less than or equal to completions"))
        if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
            problems.append(invalid(child(path, "maxFailedIndexes"), max_failed,
                                    f"must be less than or equal to {MAX_FAILED_INDEXES}"))
    elif mode in (None, "NonIndexed"):
        if per_index is not None:
            problems.append(invalid(child(path, "backoffLimitPerIndex"), per_index, "requires indexed completion mode"))
        if max_failed is not None:
            problems.append(invalid(child(path, "maxFailedIndexes"), max_failed, "requires indexed completion mode"))
    return problems


def _container_names(spec: Mapping[str, Any]) -> set[str]:
    pod = mapping(mapping(spec.get("template")).get("spec"))
    return {text(mapping(c).get("name")) for key in ("containers", "initContainers") for c in items(pod.get(key))}


def _on_exit_codes(requirement: Mapping[str, Any], path: str, names: set[str]) -> Errors:
    problems: Errors = []
    operator = requirement.get("operator")
    if not operator:
        problems.append(required(child(path, "operator"), 'valid values: ["In" "NotIn"]'))
    elif operator not in OPERATORS:
        problems.append(not_supported(child(path, "operator"), operator, OPERATORS))
    name = requirement.get("containerName")
    if name is not None and name not in names:
        problems.append(invalid(child(path, "containerName"), name,
                                "must be one of the container or initContainer names in the pod template"))
    values = [v for v in items(requirement.get("values")) if integer(v) is not None]
    values_path = child(path, "values")
    if not values:
        problems.append(invalid(values_path, _int32s(values), "at least one value is required"))
    seen: set[int] = set()
    for position, value in enumerate(values):
        if operator == "In" and value == 0:
            problems.append(invalid(index(values_path, position), value, "must not be 0 for the In operator"))
        if value in seen:
            problems.append(duplicate(index(values_path, position), value))
        seen.add(value)
    if any(before > after for before, after in itertools.pairwise(values)):
        problems.append(invalid(values_path, _int32s(values), "must be ordered"))
    return problems


def _on_pod_conditions(patterns: list[Any], path: str) -> Errors:
    problems: Errors = []
    for position, pattern in enumerate(patterns):
        status = mapping(pattern).get("status")
        status_path = child(index(path, position), "status")
        if not status:
            problems.append(required(status_path, 'valid values: ["False" "True" "Unknown"]'))
        elif status not in CONDITION_STATUSES:
            problems.append(not_supported(status_path, status, CONDITION_STATUSES))
    return problems


def pod_failure_policy(spec: Mapping[str, Any], path: str) -> Errors:
    policy = spec.get("podFailurePolicy")
    if not isinstance(policy, Mapping):
        return []
    problems: Errors = []
    names = _container_names(spec)
    rules_path = child(path, "podFailurePolicy", "rules")
    for position, rule in enumerate(items(policy.get("rules"))):
        rule, rule_path = mapping(rule), index(rules_path, position)
        action, action_path = rule.get("action"), child(rule_path, "action")
        if not action:
            problems.append(required(action_path, 'valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'))
        elif action == "FailIndex":
            if spec.get("backoffLimitPerIndex") is None:
                problems.append(invalid(action_path, action, "requires the backoffLimitPerIndex to be set"))
        elif action not in ACTIONS:
            problems.append(not_supported(action_path, action, ACTIONS))
        if isinstance(rule.get("onExitCodes"), Mapping):
            problems += _on_exit_codes(rule["onExitCodes"], child(rule_path, "onExitCodes"), names)
        if items(rule.get("onPodConditions")):
            problems += _on_pod_conditions(items(rule.get("onPodConditions")), child(rule_path, "onPodConditions"))
    return problems


def _parse_interval(part: str, completions: int) -> tuple[int, int] | str:
    """(first, last) of `a` or `a-b`, or the error parseIndexInterval gives."""
    limits = part.split("-")
    if len(limits) > 2:
        return f"the fragment \"{part}\" violates the requirement that an index interval can have at most two parts separated by '-'"
    bounds = []
    for limit in limits:
        digits = limit.removeprefix("+")
        if not digits.isdigit():
            return f'cannot convert string to integer for index: "{limit}"'
        if int(digits) >= completions:
            return f'too large index: "{limit}"'
        bounds.append(int(digits))
    if len(bounds) == 2 and bounds[0] >= bounds[1]:
        return f"non-increasing order, previous: {bounds[0]}, current: {bounds[1]}"
    return bounds[0], bounds[-1]


def indexes_format(value: str, completions: int) -> tuple[int, str | None]:
    """validateIndexesFormat: how many indexes `value` names, or why it cannot be read."""
    total, last = 0, None
    for part in value.split(",") if value else []:
        parsed = _parse_interval(part, completions)
        if isinstance(parsed, str):
            return 0, parsed
        if last is not None and last >= parsed[0]:
            return 0, f"non-increasing order, previous: {last}, current: {parsed[0]}"
        total += parsed[1] - parsed[0] + 1
        last = parsed[1]
    return total, None


def success_policy(spec: Mapping[str, Any], path: str) -> Errors:
    policy = spec.get("successPolicy")
    if not isinstance(policy, Mapping):
        return []
    policy_path = child(path, "successPolicy")
    if spec.get("completionMode") != "Indexed":
        return [invalid(policy_path, GoValue("batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule{...}}"),
                        "requires indexed completion mode")]
    problems: Errors = []
    completions = integer(spec.get("completions")) or 0
    rules = items(policy.get("rules"))
    if not rules:
        problems.append(required(child(policy_path, "rules"),
                                 "at least one rules must be specified when the successPolicy is specified"))
    for position, rule in enumerate(rules):
        rule, rule_path = mapping(rule), index(child(policy_path, "rules"), position)
        indexes, count = rule.get("succeededIndexes"), integer(rule.get("succeededCount"))
        if indexes is None and count is None:
            problems.append(required(rule_path, "at least one of succeededCount or succeededIndexes must be specified"))
        total = 0
        if isinstance(indexes, str):
            if len(indexes) > MAX_SUCCEEDED_INDEXES_LENGTH:
                problems.append(too_long(child(rule_path, "succeededIndexes"), MAX_SUCCEEDED_INDEXES_LENGTH))
            total, error = indexes_format(indexes, completions)
            if error is not None:
                problems.append(invalid(child(rule_path, "succeededIndexes"), indexes, f"error parsing succeededIndexes: {error}"))
        if count is not None:
            count_path = child(rule_path, "succeededCount")
            if count < 0:
                problems.append(invalid(count_path, count, IS_NEGATIVE))
            if count > completions:
                problems.append(invalid(count_path, count,
                                        f"must be less than or equal to {completions} (the number of specified completions)"))
            if isinstance(indexes, str) and count > total:
                problems.append(invalid(count_path, count, f"must be less than or equal to {total} "
                                        "(the number of indexes in the specified succeededIndexes field)"))
    return problems


def pod_replacement_policy(spec: Mapping[str, Any], path: str) -> Errors:
    policy = spec.get("podReplacementPolicy")
    if policy is None:
        return []
    policy_path = child(path, "podReplacementPolicy")
    if spec.get("podFailurePolicy") is not None:
        return [] if policy == "Failed" else [not_supported(policy_path, policy, ("Failed",))]
    return [] if policy in REPLACEMENT_POLICIES else [not_supported(policy_path, policy, REPLACEMENT_POLICIES)]


def policies(spec: Mapping[str, Any], path: str) -> Errors:
    """Everything above, in validateJobSpec's order."""
    return [*counts(spec, path), *pod_failure_policy(spec, path), *success_policy(spec, path),
            *pod_replacement_policy(spec, path)]
