"""The ABAC policy file: one JSON object a line, read once at start.

A line is `{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec":
{...}}`, or a legacy unversioned object with the fields at the top level (what v0 means). Both
become the same flat `Policy` after the conversions the real scheme applies:

- v1beta1: `user: "*"` or `group: "*"` means every *authenticated* user (group
  `system:authenticated`); anonymous requests match only `group: "system:unauthenticated"`.
- v0: no user and no group also means every authenticated user; an empty namespace or resource
  means all of them and every API group; with both empty the line also covers every
  non-resource path.

Blank lines and lines starting with `#` are skipped. A line that cannot be used stops the server
with the real message: `error reading policy file PATH, line N: LINE: REASON`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubegate.api.user import ALL_AUTHENTICATED
from kubegate.config import ConfigError

log = logging.getLogger("kubegate.authz.abac")

GROUP = "abac.authorization.kubernetes.io"
V1BETA1 = f"{GROUP}/v1beta1"
V0 = f"{GROUP}/v0"
KIND = "Policy"


class PolicyFileError(ConfigError):
    """The policy file cannot be read or a line of it cannot be used."""


@dataclass(frozen=True, slots=True)
class Policy:
    """One rule, in the internal form both file versions convert to."""

    user: str = ""
    group: str = ""
    readonly: bool = False
    api_group: str = ""
    resource: str = ""
    namespace: str = ""
    non_resource_path: str = ""


#: JSON name -> (Policy attribute, Go type) for v1beta1's `spec`; v0 has a subset at the top level
_V1BETA1_FIELDS = {
    "user": ("user", "string"),
    "group": ("group", "string"),
    "readonly": ("readonly", "bool"),
    "apiGroup": ("api_group", "string"),
    "resource": ("resource", "string"),
    "namespace": ("namespace", "string"),
    "nonResourcePath": ("non_resource_path", "string"),
}
_V0_FIELDS = {k: _V1BETA1_FIELDS[k] for k in ("user", "group", "readonly", "resource", "namespace")}
_PY_TYPES = {"string": str, "bool": bool}
_JSON_TYPE_NAMES = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


class _LineError(ValueError):
    pass


def load_policy_file(path: Path) -> tuple[Policy, ...]:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise PolicyFileError(f"open {path}: {reason}") from None
    policies: list[Policy] = []
    unversioned = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            policy, versioned = parse_line(line)
        except _LineError as exc:
            raise PolicyFileError(f"error reading policy file {path}, line {number}: {line}: {exc}") from None
        unversioned += not versioned
        policies.append(policy)
    if unversioned:
        log.warning(
            "Policy file %s contained unversioned rules. "
            "See docs/admin/authorization.md#abac-mode for ABAC file format details.",
            path,
        )
    return tuple(policies)


def parse_line(line: str) -> tuple[Policy, bool]:
    """The policy on one line, and whether the line was versioned (v1beta1)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineError(f"couldn't get version/kind; json parse error: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise _LineError(
            f"couldn't get version/kind; json parse error: json: cannot unmarshal {_json_type(obj)} "
            "into Go value of type struct"
        )
    api_version, kind = obj.get("apiVersion") or "", obj.get("kind") or ""
    for name, value in (("apiVersion", api_version), ("kind", kind)):
        if not isinstance(value, str):
            raise _LineError(f"couldn't get version/kind; json parse error: json: cannot unmarshal "
                             f"{_json_type(value)} into Go struct field .{name} of type string")
    if api_version and kind:
        if (api_version, kind) == (V1BETA1, KIND):
            return _v1beta1(obj), True
        if (api_version, kind) == (V0, KIND):
            return _v0(obj), True
        raise _LineError(
            f'no kind "{kind}" is registered for version "{api_version}" in scheme '
            '"pkg/apis/abac/register.go"'
        )
    # no version or no kind: the legacy unversioned format
    return _v0(obj), False


def _v1beta1(obj: dict[str, Any]) -> Policy:
    spec = obj.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise _LineError(f"json: cannot unmarshal {_json_type(spec)} into Go struct field Policy.spec of type v1beta1.PolicySpec")
    values = _read(spec, _V1BETA1_FIELDS, owner="PolicySpec.spec.")
    if values.get("user") == "*" or values.get("group") == "*":
        values["group"], values["user"] = ALL_AUTHENTICATED, ""
    return Policy(**values)


def _v0(obj: dict[str, Any]) -> Policy:
    values = _read(obj, _V0_FIELDS, owner="Policy.")
    user, group = values.get("user", ""), values.get("group", "")
    namespace, resource = values.get("namespace", ""), values.get("resource", "")
    if (not user and not group) or user == "*" or group == "*":
        values["group"] = ALL_AUTHENTICATED
        if user == "*" or group == "*":
            values["user"] = ""
    values["namespace"] = namespace or "*"
    values["resource"] = resource or "*"
    values["api_group"] = "*"
    if not namespace and not resource:
        values["non_resource_path"] = "*"
    return Policy(**values)


def _read(source: dict[str, Any], table: dict[str, tuple[str, str]], *, owner: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for json_name, (attr, go_type) in table.items():
        value = source.get(json_name)
        if value is None:  # absent or null: the zero value, as Go's decoder leaves it
            continue
        if type(value) is not _PY_TYPES[go_type]:
            raise _LineError(
                f"json: cannot unmarshal {_json_type(value)} into Go struct field {owner}{json_name} of type {go_type}"
            )
        values[attr] = value
    return values


def _json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), "value")

