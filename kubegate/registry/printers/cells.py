"""The vocabulary every printer row is written in: columns, cell formats and durations.

A real kube-apiserver computes `kubectl get` output on the server (pkg/printers/internalversion)
and kubectl prints the cells verbatim, so a printer here is data: a tuple of `Column`s, each a
name, a type, a priority (1 = only with `-o wide`) and a function of the stored object. The
helpers below reproduce the formats those printers share: `<none>`, `app=web`, human durations
(`5m10s`), container name/image lists, label selectors.

Stored objects are kubegate's JSON dicts and are not defaulted the way the real server defaults
on write, so getters read with the real defaults in mind (a Service without `type` prints
`ClusterIP`, a port without `protocol` prints `TCP`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.labels import selector_from_label_selector_object

Cell = str | int | float | bool | None
Getter = Callable[[dict[str, Any], datetime], Cell]

NONE = "<none>"
UNSET = "<unset>"
UNKNOWN = "<unknown>"


@dataclass(frozen=True, slots=True)
class SwaggerDoc:
    """A description the real printer takes from API documentation: `Type.field`'s text.

    Resolved from the OpenAPI schema bundle kubegate already serves, so the wire text matches
    the real server's without being restated here.
    """

    definition: str  # e.g. "io.k8s.api.core.v1.PodSpec"
    field: str


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    getter: Getter
    type: str = "string"
    format: str = ""
    description: str | SwaggerDoc = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": describe(self.description),
            "priority": self.priority,
        }


def describe(description: str | SwaggerDoc) -> str:
    if isinstance(description, str):
        return description
    return _swagger_text(description.definition, description.field)


@functools.lru_cache(maxsize=512)
def _swagger_text(definition: str, field: str) -> str:
    from kubegate.registry.openapi import builtin_definitions, bundle_minor

    try:
        schema = builtin_definitions(bundle_minor(32)).get(definition) or {}
    except (OSError, RuntimeError):  # no schema bundle installed: descriptions stay empty
        return ""
    prop = (schema.get("properties") or {}).get(field) or {}
    return str(prop.get("description", ""))


def doc(definition: str, field: str) -> SwaggerDoc:
    """`doc("core.v1.PodSpec", "nodeName")`; `ObjectMeta` is apimachinery's."""
    if definition == "ObjectMeta":
        return SwaggerDoc("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", field)
    return SwaggerDoc("io.k8s.api." + definition, field)


# --- reading objects ----------------------------------------------------------------------------


def dig(obj: Any, *path: str | int) -> Any:
    """obj[path[0]][path[1]]…, or None where the path does not exist."""
    for part in path:
        if type(part) is str:  # the common step first: printers read every cell through here
            if not isinstance(obj, dict):
                return None
            obj = obj.get(part)
        elif isinstance(part, int):
            if not isinstance(obj, list) or len(obj) <= part:
                return None
            obj = obj[part]
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def items(obj: Any, *path: str | int) -> list[Any]:
    value = dig(obj, *path)
    return value if isinstance(value, list) else []


def mapping(obj: Any, *path: str | int) -> Mapping[str, Any]:
    value = dig(obj, *path)
    return value if isinstance(value, dict) else {}


def text(obj: Any, *path: str | int, default: str = "") -> str:
    value = dig(obj, *path)
    return default if value is None or value == "" else str(value)


def number(obj: Any, *path: str | int, default: int = 0) -> int:
    value = dig(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def flag(obj: Any, *path: str | int, default: bool = False) -> bool:
    value = dig(obj, *path)
    return value if isinstance(value, bool) else default


def or_none(value: Any) -> str:
    return NONE if value is None or value == "" else str(value)


# --- formats ------------------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: `45s`, `5m10s`, `3h`, `2d5h`, `3y20d`."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    secs = int(seconds)
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return meta.parse_time(value) if isinstance(value, str) and value else None


def since(value: Any, moment: datetime) -> str:
    """translateTimestampSince: `<unknown>` for an unset time, else a human duration."""
    when = timestamp(value)
    if when is None:
        return UNKNOWN
    return human_duration((moment - when).total_seconds())


def format_labels(labels: Any) -> str:
    """labels.FormatLabels: `a=1,b=2` sorted by key, `<none>` when empty."""
    if not isinstance(labels, dict) or not labels:
        return NONE
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def selector_string(selector: Any) -> str:
    """metav1.LabelSelectorAsSelector(s).String(); `<invalid>` when it does not convert."""
    try:
        return str(selector_from_label_selector_object(selector if isinstance(selector, dict) else None))
    except errors.StatusError:
        return "<invalid>"


def format_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` if bad."""
    try:
        shown = str(selector_from_label_selector_object(selector if isinstance(selector, dict) else None))
    except errors.StatusError:
        return "<error>"
    return shown or NONE


def containers_cells(containers: Iterable[Any]) -> tuple[str, str]:
    """layoutContainerCells: comma-joined container names and images."""
    listed = [c for c in containers if isinstance(c, dict)]
    return ",".join(str(c.get("name", "")) for c in listed), ",".join(str(c.get("image", "")) for c in listed)


def list_with_more(values: list[str], *, limit: int = 3, empty: str = UNSET) -> str:
    """listWithMoreString: the first three, then ` + N more...`."""
    shown = ",".join(values[:limit])
    if len(values) > limit:
        return f"{shown} + {len(values) - limit} more..."
    return shown or empty


def quantity(value: Any) -> str:
    """A resource quantity as stored; the zero Quantity prints `0`."""
    return "0" if value is None or value == "" else str(value)


# --- the columns every printer starts or ends with ------------------------------------------------


def _name(obj: dict[str, Any], _: datetime) -> str:
    return text(obj, "metadata", "name")


def _age(obj: dict[str, Any], moment: datetime) -> str:
    return since(dig(obj, "metadata", "creationTimestamp"), moment)


def _created_at(obj: dict[str, Any], _: datetime) -> str:
    created = timestamp(dig(obj, "metadata", "creationTimestamp"))
    return created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else "0001-01-01T00:00:00Z"


NAME = Column("Name", _name, format="name", description=doc("ObjectMeta", "name"))
AGE = Column("Age", _age, description=doc("ObjectMeta", "creationTimestamp"))
#: The default table convertor's second column (resources without a printer of their own).
CREATED_AT = Column("Created At", _created_at, type="date", description=doc("ObjectMeta", "creationTimestamp"))

CONTAINERS_DESCRIPTION = "Names of each container in the template."
IMAGES_DESCRIPTION = "Images referenced by each container in the template."


def template_columns(
    *path: str, selector: Getter | None = None, selector_doc: SwaggerDoc | None = None
) -> tuple[Column, ...]:
    """The wide `Containers`, `Images` (and `Selector`) columns of a pod-template owner."""

    def names(obj: dict[str, Any], _: datetime) -> str:
        return containers_cells(items(obj, *path, "spec", "containers"))[0]

    def images(obj: dict[str, Any], _: datetime) -> str:
        return containers_cells(items(obj, *path, "spec", "containers"))[1]

    columns = (
        Column("Containers", names, description=CONTAINERS_DESCRIPTION, priority=1),
        Column("Images", images, description=IMAGES_DESCRIPTION, priority=1),
    )
    if selector is None:
        return columns
    return (*columns, Column("Selector", selector, description=selector_doc or "", priority=1))
