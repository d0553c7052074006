"""The audit policy file (`--audit-policy-file`): an `audit.k8s.io/v1 Policy`, read and validated.

As the real loader does, the file is decoded strictly first; unknown fields only earn a warning
(the lenient decode goes on), while a wrong type, a missing or unknown `apiVersion`/`kind`, a
rule that fails validation or a policy without rules stop the server with one message that says
what is wrong and names the file.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubegate.api.errors import FieldError
from kubegate.api.gofmt import aggregate_errors
from kubegate.api.gotypes import (
    BOOL,
    OBJECT_META,
    STRINGS,
    GoValue,
    ListOf,
    Struct,
    first_type_error,
)
from kubegate.api.meta import dns1123_subdomain_errors
from kubegate.config import ConfigError
from kubegate.registry.validation import field

log = logging.getLogger("kubegate.audit")

API_VERSION = "audit.k8s.io/v1"
KIND = "Policy"


class Level(enum.IntEnum):
    """How much of a request is recorded; the order is the one `Level.Less` compares by."""

    NONE = 0
    METADATA = 1
    REQUEST = 2
    REQUEST_RESPONSE = 3

    @property
    def text(self) -> str:
        return _LEVEL_TEXT[self]

    @classmethod
    def parse(cls, text: str) -> Level | None:
        return _LEVELS_BY_TEXT.get(text)


_LEVEL_TEXT = {
    Level.NONE: "None", Level.METADATA: "Metadata", Level.REQUEST: "Request",
    Level.REQUEST_RESPONSE: "RequestResponse",
}
_LEVELS_BY_TEXT = {text: level for level, text in _LEVEL_TEXT.items()}

REQUEST_RECEIVED = "RequestReceived"
RESPONSE_STARTED = "ResponseStarted"
RESPONSE_COMPLETE = "ResponseComplete"
PANIC = "Panic"
STAGES = (REQUEST_RECEIVED, RESPONSE_STARTED, RESPONSE_COMPLETE, PANIC)

#: The field types the strict decoder checks (Go's struct names, for its error text).
_GROUP_RESOURCES = Struct("GroupResources", {"group": "string", "resources": STRINGS, "resourceNames": STRINGS})
_POLICY_RULE = Struct("PolicyRule", {
    "level": "string", "users": STRINGS, "userGroups": STRINGS, "verbs": STRINGS,
    "resources": ListOf("v1.GroupResources"), "namespaces": STRINGS, "nonResourceURLs": STRINGS,
    "omitStages": STRINGS, "omitManagedFields": BOOL,
})
_POLICY = Struct("Policy", {
    "kind": "string", "apiVersion": "string", "metadata": OBJECT_META, "rules": ListOf("v1.PolicyRule"),
    "omitStages": STRINGS, "omitManagedFields": BOOL,
})


class PolicyError(ConfigError):
    """The policy file cannot be used; the message says why and names the file."""


@dataclass(frozen=True, slots=True)
class GroupResources:
    group: str = ""
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyRule:
    level: Level
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    resources: tuple[GroupResources, ...] = ()
    namespaces: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()
    #: the rule's own stages merged with the policy's (as the real evaluator merges them)
    omit_stages: frozenset[str] = frozenset()
    #: None: the policy's `omitManagedFields` decides
    omit_managed_fields: bool | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[PolicyRule, ...]
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False


def load_policy(path: Path) -> Policy:
    """The policy in `path`, or `PolicyError` with the real loader's reason and the file name."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f'loading audit policy file: failed to read file path "{path}": {exc.strerror}') from None
    try:
        return parse_policy(text)
    except PolicyError as exc:
        raise PolicyError(f"loading audit policy file: {exc}: from file {path}") from None


def parse_policy(text: bytes) -> Policy:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"failed decoding: {_one_line(str(exc))}") from None
    if not isinstance(document, dict):
        raise PolicyError("failed decoding: Object 'Kind' is missing in the file")
    kind, api_version = document.get("kind"), document.get("apiVersion")
    if not kind:
        raise PolicyError("failed decoding: Object 'Kind' is missing in the file")
    if api_version != API_VERSION or kind != KIND:
        raise PolicyError(f'failed decoding: no kind "{kind}" is registered for version "{api_version}"')
    type_error = _first_type_error(document)
    if type_error:
        raise PolicyError(f"failed decoding: {type_error}")
    unknown = _unknown_fields(document)
    if unknown:
        log.warning(
            "Audit policy contains errors, falling back to lenient decoding: strict decoding error: %s",
            ", ".join(f'unknown field "{name}"' for name in unknown),
        )
    problems = [str(error) for error in _validate(document)]
    if problems:
        raise PolicyError(aggregate_errors(problems))
    rules = document.get("rules") or []
    if not rules:
        raise PolicyError("loaded illegal policy with 0 rules")
    policy_stages = frozenset(document.get("omitStages") or ())
    return Policy(
        rules=tuple(_rule(rule, policy_stages) for rule in rules),
        omit_stages=policy_stages,
        omit_managed_fields=bool(document.get("omitManagedFields")),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _first_type_error(document: Mapping[str, Any]) -> str | None:
    error = first_type_error(document, _POLICY)
    if error:
        return error
    for rule in document.get("rules") or []:
        error = first_type_error(rule, _POLICY_RULE, path="rules.")
        if error:
            return error
        for resources in (rule or {}).get("resources") or []:
            error = first_type_error(resources, _GROUP_RESOURCES, path="rules.resources.")
            if error:
                return error
    return None


def _unknown_fields(document: Mapping[str, Any]) -> list[str]:
    unknown = [key for key in document if key not in _POLICY.fields]
    for i, rule in enumerate(document.get("rules") or []):
        unknown += [f"rules[{i}].{key}" for key in rule or {} if key not in _POLICY_RULE.fields]
        for j, resources in enumerate((rule or {}).get("resources") or []):
            unknown += [
                f"rules[{i}].resources[{j}].{key}" for key in resources or {} if key not in _GROUP_RESOURCES.fields
            ]
    return unknown


def _validate(document: Mapping[str, Any]) -> list[FieldError]:
    """ValidatePolicy: levels, omitStages, non-resource URLs and API groups, per rule."""
    problems = _validate_stages(document.get("omitStages") or (), "omitStages")
    for i, rule in enumerate(document.get("rules") or []):
        rule = rule or {}
        path = f"rules[{i}]"
        level = rule.get("level") or ""
        if not level:
            problems.append(field.required(f"{path}.level"))
        elif Level.parse(level) is None:
            problems.append(field.not_supported(f"{path}.level", level, _LEVELS_BY_TEXT))
        urls = rule.get("nonResourceURLs") or []
        for j, url in enumerate(urls):
            if url == "*":
                continue
            if not url.startswith("/"):
                problems.append(field.invalid(
                    f"{path}.nonResourceURLs[{j}]", url, "non-resource URL rules must begin with a '/' character"
                ))
            if url and "*" in url[:-1]:
                problems.append(field.invalid(
                    f"{path}.nonResourceURLs[{j}]", url,
                    "non-resource URL wildcards '*' must be the final character of the rule",
                ))
        problems += _validate_resources(rule.get("resources") or [], f"{path}.resources")
        problems += _validate_stages(rule.get("omitStages") or (), f"{path}.omitStages")
        if urls and (rule.get("resources") or rule.get("namespaces")):
            problems.append(field.invalid(
                f"{path}.nonResourceURLs", _go_strings(urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            ))
    return problems


def _validate_resources(groups: Sequence[Mapping[str, Any] | None], path: str) -> list[FieldError]:
    problems = []
    for entry in groups:
        entry = entry or {}
        group = entry.get("group") or ""
        if group and group != "*":
            messages = dns1123_subdomain_errors(group)
            if messages:
                problems.append(field.invalid(f"{path}.group", group, ",".join(messages)))
        if entry.get("resourceNames") and not entry.get("resources"):
            problems.append(field.invalid(
                f"{path}.resourceNames", _go_strings(entry["resourceNames"]),
                "using resourceNames requires at least one resource",
            ))
    return problems


def _validate_stages(stages: Sequence[str], path: str) -> list[FieldError]:
    return [
        field.invalid(f"{path}[{i}]", stage, "allowed stages are " + ",".join(STAGES))
        for i, stage in enumerate(stages)
        if stage not in STAGES
    ]


def _go_strings(values: Sequence[str]) -> GoValue:
    return GoValue("[]string{" + ", ".join(f'"{value}"' for value in values) + "}")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(value or ())


def _rule(rule: Mapping[str, Any], policy_stages: frozenset[str]) -> PolicyRule:
    level = Level.parse(rule["level"])
    assert level is not None  # validated above
    omit_managed = rule.get("omitManagedFields")
    return PolicyRule(
        level=level,
        users=_strings(rule.get("users")),
        user_groups=_strings(rule.get("userGroups")),
        verbs=_strings(rule.get("verbs")),
        resources=tuple(
            GroupResources(
                group=(entry or {}).get("group") or "",
                resources=_strings((entry or {}).get("resources")),
                resource_names=_strings((entry or {}).get("resourceNames")),
            )
            for entry in rule.get("resources") or ()
        ),
        namespaces=_strings(rule.get("namespaces")),
        non_resource_urls=_strings(rule.get("nonResourceURLs")),
        omit_stages=policy_stages | frozenset(rule.get("omitStages") or ()),
        omit_managed_fields=None if omit_managed is None else bool(omit_managed),
    )
