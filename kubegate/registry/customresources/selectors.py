"""Field selectors on custom resources: metadata.name, metadata.namespace and selectableFields.

apiextensions' field label conversion accepts `metadata.name`, `metadata.namespace` (for
namespaced resources only) and the version's declared `selectableFields` (their JSONPath
without the leading dot); anything else is `field label not supported: <label>`. A declared
field's value is its JSONPath result printed with Go's `%v`, `""` when absent.
"""

from __future__ import annotations

import functools
from typing import Any

from kubegate.registry.customresources.govalues import go_v
from kubegate.registry.customresources.jsonpath import JSONPathError, compile_path
from kubegate.registry.selectable_fields import SelectableFields, Value, text
from kubegate.registry.spec import ResourceSpec


@functools.lru_cache(maxsize=256)
def custom_fields(spec: ResourceSpec) -> SelectableFields:
    labels = ["metadata.name", *(["metadata.namespace"] if spec.namespaced else [])]
    values: dict[str, Value] = {"metadata.name": text("metadata.name"), "metadata.namespace": text("metadata.namespace")}
    for json_path in spec.selectable_fields:
        label = json_path.removeprefix(".")
        labels.append(label)
        values[label] = _value(json_path)
    return SelectableFields({label: label for label in labels}, values)


def _value(json_path: str) -> Value:
    try:
        path = compile_path(json_path)
    except JSONPathError:
        return lambda obj: ""

    def value(obj: dict[str, Any]) -> str:
        found, result = path.first(obj)
        return go_v(result) if found and result is not None else ""

    return value
