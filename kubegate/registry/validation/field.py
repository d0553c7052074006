"""Field paths, error constructors and Go-printed values, as k8s.io/apimachinery's `field`.

Validators build paths with `child`/`index`/`key` (`spec.containers[0].name`, `data[bad key]`)
and errors with the constructors below, whose names and texts are the real package's. Bad
values print as Go prints them: strings quoted (done by `FieldError`), numbers bare, and maps
and slices in `%#v` syntax through `go_map`/`go_strings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubegate.api.errors import (
    CAUSE_DUPLICATE,
    CAUSE_FORBIDDEN,
    CAUSE_INVALID,
    CAUSE_NOT_FOUND,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    CAUSE_TOO_LONG,
    FieldError,
)
from kubegate.api.gofmt import go_quote
from kubegate.api.gotypes import GoValue

Errors = list[FieldError]

IS_NEGATIVE = "must be greater than or equal to 0"
IMMUTABLE = "field is immutable"


def child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(CAUSE_REQUIRED, path, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(CAUSE_INVALID, path, detail, value)


def not_supported(path: str, value: Any, supported: Iterable[str]) -> FieldError:
    quoted = ", ".join(go_quote(item) for item in supported)
    return FieldError(CAUSE_NOT_SUPPORTED, path, f"supported values: {quoted}" if quoted else "", value)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(CAUSE_DUPLICATE, path, "", value)


def not_found(path: str, value: Any) -> FieldError:
    return FieldError(CAUSE_NOT_FOUND, path, "", value)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(CAUSE_FORBIDDEN, path, detail)


def too_long(path: str, limit: int) -> FieldError:
    return FieldError(CAUSE_TOO_LONG, path, f"may not be more than {limit} bytes")


def inclusive_range(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


# --- reading objects that nothing has type-checked ------------------------------------------------


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is an object, else an empty one (decoding already refused wrong types)."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- Go's %#v -------------------------------------------------------------------------------------


def go_map(value: Any, type_name: str = "map[string]string") -> GoValue:
    """`%#v` of a map of strings: `map[string]string{"a":"b"}`, sorted; nil when empty."""
    entries = mapping(value)
    if not entries:
        return GoValue(f"{type_name}(nil)" if value is None else type_name + "{}")
    pairs = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(entries.items()))
    return GoValue(type_name + "{" + pairs + "}")


def go_strings(value: Any, type_name: str = "[]string") -> GoValue:
    """`%#v` of a slice of strings: `[]string{"a", "b"}`; nil when absent."""
    if value is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(type_name + "{" + ", ".join(go_quote(str(v)) for v in items(value)) + "}")


def go_label_selector(value: Any) -> GoValue:
    """`%#v` of a metav1.LabelSelector, as the apps validation prints one."""
    selector = mapping(value)
    labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if expressions is None:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    else:
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(
            "v1.LabelSelectorRequirement{"
            f"Key:{go_quote(text(mapping(item).get('key')))}, "
            f"Operator:{go_quote(text(mapping(item).get('operator')))}, "
            f"Values:{go_strings(mapping(item).get('values'))}}}"
            for item in items(expressions)
        ) + "}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{go_map(labels)}, MatchExpressions:{rendered}}}")
