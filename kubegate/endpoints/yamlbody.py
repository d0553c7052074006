"""YAML request bodies as the real server reads them: converted to JSON, repeated keys noted.

sigs.k8s.io/yaml turns YAML into JSON before anything decodes it: keys become strings, dates
stay strings. In strict mode the conversion also refuses a mapping that repeats a key, with
go-yaml's words (`line 8: key "name" already set in map`); the non-strict conversion keeps the
last value. `load` does both at once: the JSON value, and the repeated keys it saw.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from kubegate.api import yamlaliases

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
#: How the strict conversion's error begins; kept whole in Strict errors, split off in warnings.
STRICT_PREFIX = "error converting YAML to JSON: yaml: unmarshal errors:\n"


class _Loader(_BASE):  # type: ignore[misc]
    """A safe loader that keeps dates as strings and records repeated mapping keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.repeated: list[str] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        own = {id(key) for key, _ in node.value if key.tag != _MERGE}
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # merge keys (`<<`) may be overridden without complaint
        mapping: dict[Any, Any] = {}
        set_by_own: set[Any] = set()
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
                ) from None
            # go-yaml decodes the value first (so problems inside it come first), then finds the
            # key taken and names the line of the value
            mapping[key] = self.construct_object(value_node, deep=True)
            if id(key_node) in own:
                if key in set_by_own:
                    self.repeated.append(f"line {value_node.start_mark.line + 1}: key {_go_key(key)} already set in map")
                set_by_own.add(key)
        return mapping


#: A plain scalar longer than this fits no Go integer, and ParseFloat overflows on the longest.
_MAX_NUMBER_TEXT = 400
_INT_TAG = "tag:yaml.org,2002:int"


def construct_go_int(loader: Any, node: Any) -> int | float | str:
    """A YAML integer as go-yaml resolves it: int64 or uint64, else a float, else the text.

    PyYAML would hand any length to `int()`, which refuses more than 4,300 digits with a
    message about `sys.set_int_max_str_digits()`; go-yaml keeps such a scalar as a string.
    """
    text = str(node.value)
    if len(text) > _MAX_NUMBER_TEXT:
        return text
    value = loader.construct_yaml_int(node)
    if -(1 << 63) <= value < 1 << 64:
        return int(value)
    return float(value)


_Loader.add_constructor(_INT_TAG, construct_go_int)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _go_key(key: Any) -> str:
    """`%#v` of a decoded YAML key: strings quoted, booleans and numbers bare."""
    if isinstance(key, str):
        return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "<nil>"
    return str(key)


def load(body: bytes) -> tuple[Any, str | None]:
    """(the body as a JSON value, the strict conversion's error or None).

    Raises ValueError, with the text to report, for a body that is not YAML at all.
    """
    loader = _Loader(body)
    try:
        data = loader.get_single_data()
        yamlaliases.check(data)  # before anything expands the aliases
        value = to_json(data)
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError, yamlaliases.ExcessiveAliasing) as exc:
        raise ValueError(f"error converting YAML to JSON: {exc}") from None
    finally:
        loader.dispose()
    repeated = loader.repeated
    return value, (STRICT_PREFIX + "\n".join("  " + line for line in repeated) if repeated else None)


def warnings_of(strict_error: str) -> list[str]:
    """The one warning per repeated key the real server sends for the strict error
    (parseYAMLWarnings): the prefix cut off, one trimmed line each."""
    if not strict_error.startswith(STRICT_PREFIX):
        return [strict_error]
    return [line.strip() for line in strict_error[len(STRICT_PREFIX):].split("\n")]


#: How sigs.k8s.io/yaml's YAMLToJSON prefixes what encoding/json refused.
YAML_TO_JSON = "error converting YAML to JSON: "


def to_json(value: Any, *, prefix: str = YAML_TO_JSON) -> Any:
    """A YAML value as sigs.k8s.io/yaml hands it to the JSON decoder: string keys only.

    Errors read as encoding/json's, after `prefix` (server-side apply converts without one).
    """
    if isinstance(value, dict):
        return {_json_key(key, prefix): to_json(item, prefix=prefix) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item, prefix=prefix) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{prefix}json: unsupported value: {value}")
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"{prefix}json: unsupported type: {type(value).__name__}")


def _json_key(key: Any, prefix: str) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, (str, int, float)):
        return str(key)
    raise ValueError(f"{prefix}json: unsupported map key: {type(key).__name__}")
