"""The string formats Kubernetes validates, with apimachinery's messages (util/validation).

Each check returns the list of problems with a value (empty when it is fine), worded exactly
as the real `IsQualifiedName`, `IsValidLabelValue`, `IsValidPortName`, `IsConfigMapKey`...
so that the 422 causes read the same (DNS names are `kubegate.api.meta`'s). Every check is a
pure function of a string that objects repeat (label keys, port names), so answers are cached,
as tuples nobody can change.
"""

from __future__ import annotations

import functools
import re

from kubegate.api import meta

Problems = tuple[str, ...]
_cached = functools.lru_cache(maxsize=4096)


@_cached
def dns1123_label_errors(value: str) -> Problems:
    return tuple(meta.dns1123_label_errors(value))


@_cached
def dns1123_subdomain_errors(value: str) -> Problems:
    return tuple(meta.dns1123_subdomain_errors(value))


__all__ = [
    "config_map_key_errors",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "label_value_errors",
    "port_name_errors",
    "qualified_name_errors",
    "relaxed_env_var_name_errors",
]


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError: the message, examples and the regex, as apimachinery words it."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    listed = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {listed}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


_QNAME_CHAR = "[A-Za-z0-9]"
_QNAME_EXT_CHAR = "[-A-Za-z0-9_.]"
QUALIFIED_NAME_FMT = f"({_QNAME_CHAR}{_QNAME_EXT_CHAR}*)?{_QNAME_CHAR}"
_QUALIFIED_NAME_RE = re.compile(f"^{QUALIFIED_NAME_FMT}$")
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
QUALIFIED_NAME_MAX = 63


@_cached
def qualified_name_errors(value: str) -> Problems:
    """IsQualifiedName: an optional DNS subdomain prefix and '/', then a name part."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        problems: list[str] = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            problems = ["prefix part must be non-empty"]
        else:
            problems = ["prefix part " + message for message in dns1123_subdomain_errors(prefix)]
    else:
        return ("a qualified name " + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name",
                                                  "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",)
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX:
        problems.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.match(name):
        problems.append("name part " + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name",
                                                   "123-abc"))
    return tuple(problems)


LABEL_VALUE_FMT = f"({QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_RE = re.compile(f"^{LABEL_VALUE_FMT}$")
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


@_cached
def label_value_errors(value: str) -> Problems:
    problems = []
    if len(value) > QUALIFIED_NAME_MAX:
        problems.append(max_len_error(QUALIFIED_NAME_MAX))
    if not _LABEL_VALUE_RE.match(value):
        problems.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return tuple(problems)


_PORT_NAME_CHARSET = re.compile("^[-a-z0-9]+$")
_PORT_NAME_LETTER = re.compile("[a-z]")


@_cached
def port_name_errors(value: str) -> Problems:
    """IsValidPortName: an IANA_SVC_NAME (at most 15 characters, a letter, no double hyphens)."""
    problems = []
    if len(value) > 15:
        problems.append(max_len_error(15))
    if not _PORT_NAME_CHARSET.match(value):
        problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    elif not _PORT_NAME_LETTER.search(value):
        problems.append("must contain at least one letter (a-z)")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        problems.append("must not begin or end with a hyphen")
    return tuple(problems)


def port_number_errors(value: int) -> Problems:
    return () if 1 <= value <= 65535 else ("must be between 1 and 65535, inclusive",)


CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY_RE = re.compile(f"^{CONFIG_MAP_KEY_FMT}$")
_CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


@_cached
def config_map_key_errors(value: str) -> Problems:
    """IsConfigMapKey: the keys of ConfigMap and Secret data (they become file names)."""
    problems = []
    if len(value) > 253:
        problems.append(max_len_error(253))
    if not _CONFIG_MAP_KEY_RE.match(value):
        problems.append(regex_error(_CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        problems.append("must not be '.'")
    elif value == "..":
        problems.append("must not be '..'")
    elif value.startswith(".."):
        problems.append("must not start with '..'")
    return tuple(problems)


@_cached
def relaxed_env_var_name_errors(value: str) -> Problems:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default in 1.32)."""
    problems = []
    if not value:
        problems.append("environment variable name must be non-empty")
    if any(ord(c) > 127 or not c.isprintable() or c == "=" for c in value):
        problems.append(
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        )
    return tuple(problems)
