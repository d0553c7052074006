"""Object metadata rules shared by every resource: names, timestamps, uids, generateName.

The name rules and their messages are the ones apimachinery's validation applies, so a bad name
gets the same 422 cause text as on a real cluster.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kubegate.api import clock
from kubegate.api.errors import CAUSE_INVALID, CAUSE_REQUIRED, FieldError

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_LABEL_RE = re.compile(f"^{_LABEL_FMT}$")
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN_FMT}$")

_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    f"used for validation is '{_LABEL_FMT}')"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{_SUBDOMAIN_FMT}')"
)

# generateName suffixes use consonants and digits only, as apiserver's names.SimpleNameGenerator.
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_GENERATE_SUFFIX_LEN = 5
_GENERATE_PREFIX_MAX = DNS1123_SUBDOMAIN_MAX - _GENERATE_SUFFIX_LEN


def dns1123_label_errors(value: str) -> list[str]:
    problems = []
    if len(value) > DNS1123_LABEL_MAX:
        problems.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _LABEL_RE.match(value):
        problems.append(_LABEL_MSG)
    return problems


def dns1123_subdomain_errors(value: str) -> list[str]:
    problems = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        problems.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
    if not _SUBDOMAIN_RE.match(value):
        problems.append(_SUBDOMAIN_MSG)
    return problems


_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_RE = re.compile(f"^{_DNS1035_FMT}$")
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    f"'abc-123', regex used for validation is '{_DNS1035_FMT}')"
)


def dns1035_label_errors(value: str) -> list[str]:
    problems = []
    if len(value) > DNS1123_LABEL_MAX:
        problems.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _DNS1035_RE.match(value):
        problems.append(_DNS1035_MSG)
    return problems


def path_segment_errors(value: str) -> list[str]:
    """Names that only have to be usable as a URL path segment (RBAC objects, for one)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


NameValidator = Callable[[str], list[str]]

NAME_VALIDATORS: dict[str, NameValidator] = {
    "subdomain": dns1123_subdomain_errors,
    "label": dns1123_label_errors,
    "dns1035": dns1035_label_errors,
    "path": path_segment_errors,
}


def validate_object_meta(
    metadata: dict[str, Any], *, name_rule: str, namespaced: bool
) -> list[FieldError]:
    """metav1 ObjectMeta checks every create and update goes through."""
    errors: list[FieldError] = []
    name = metadata.get("name") or ""
    if not name:
        errors.append(FieldError(CAUSE_REQUIRED, "metadata.name", "name or generateName is required"))
    else:
        for problem in NAME_VALIDATORS[name_rule](name):
            errors.append(FieldError(CAUSE_INVALID, "metadata.name", problem, name))
    if not namespaced and metadata.get("namespace"):
        errors.append(
            FieldError(
                "FieldValueForbidden",
                "metadata.namespace",
                "not allowed on this type",
            )
        )
    errors.extend(_string_map_errors(metadata.get("labels"), "metadata.labels"))
    errors.extend(_string_map_errors(metadata.get("annotations"), "metadata.annotations"))
    return errors


def _string_map_errors(value: Any, path: str) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [FieldError(CAUSE_INVALID, path, "must be a map of strings", value)]
    return [
        FieldError(CAUSE_INVALID, f"{path}[{key}]", "must be a string", val)
        for key, val in value.items()
        if not isinstance(val, str)
    ]


def generate_name(prefix: str) -> str:
    if len(prefix) > _GENERATE_PREFIX_MAX:
        prefix = prefix[:_GENERATE_PREFIX_MAX]
    suffix = "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(_GENERATE_SUFFIX_LEN))
    return prefix + suffix


def new_uid() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    """The server's current time (see `kubegate.api.clock`, which tests may replace)."""
    return clock.now()


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with second precision, as metav1.Time marshals."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    # fromisoformat (C, fast) reads the usual `2024-01-05T10:00:00Z`; strptime (slow, 30% of a
    # Pod Table once) only adds single-digit fields, where fromisoformat fails: same answers.
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except (TypeError, ValueError):
            return None
