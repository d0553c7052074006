"""The internal form of a v1 CRD that validation reads, and how Go prints its versions.

The real server validates the internal type, into which a v1 CRD is converted first: when every
version carries the same schema (or subresources, or printer columns, or selectable fields),
conversion hoists it to the top level, so a one-version CRD's schema errors name
`spec.validation.openAPIV3Schema...` and its subresources `spec.subresources...`, while
per-version values keep `spec.versions[i]...`. Messages about `spec.versions` print the
internal versions with Go's `%#v`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubegate.registry.customresources.govalues import GoValue

Obj = dict[str, Any]
_HOISTED = ("schema", "subresources", "additionalPrinterColumns", "selectableFields")


@dataclass(slots=True)
class Internal:
    """The parts of an internal-version CRD spec that validation reads."""

    versions: list[Obj]
    #: `spec.validation`, `spec.subresources`, ... when every version had the same value
    top: dict[str, Any] = field(default_factory=dict)
    versions_given: bool = True


def hoist(spec: Obj) -> Internal:
    raw = spec.get("versions")
    versions = [dict(v) if isinstance(v, dict) else {} for v in raw] if isinstance(raw, list) else []
    internal = Internal(versions, versions_given=isinstance(raw, list))
    if not versions:
        return internal
    for name in _HOISTED:
        values = [v.get(name) or None for v in versions]
        if all(value == values[0] for value in values):
            internal.top[name] = values[0]
            for version in versions:
                version.pop(name, None)
    return internal


# --- Go's %#v of spec.versions, which the real messages print ---------------------------------

#: (JSON key, Go field, Go type) of the pointer fields of a version
_POINTERS = (
    ("schema", "Schema", "CustomResourceValidation"),
    ("subresources", "Subresources", "CustomResourceSubresources"),
)


def go_versions(internal: Internal) -> GoValue:
    kind = "[]apiextensions.CustomResourceDefinitionVersion"
    if not internal.versions_given:
        return GoValue(f"{kind}(nil)")
    items = []
    for index, version in enumerate(internal.versions):
        parts = [
            f'Name:"{version.get("name") or ""}"',
            f"Served:{_go_bool(version.get('served'))}",
            f"Storage:{_go_bool(version.get('storage'))}",
            f"Deprecated:{_go_bool(version.get('deprecated'))}",
            "DeprecationWarning:(*string)(nil)" if version.get("deprecationWarning") is None
            else f"DeprecationWarning:(*string)(0xc000{0x5a0 + index * 0x10:06x})",
        ]  # fmt: skip
        for name, go_field, go_type in _POINTERS:
            # a real server prints the pointer's address here; any address reads the same
            address = f"(0xc000{0x7c0 + index * 0x20:06x})" if version.get(name) else "(nil)"
            parts.append(f"{go_field}:(*apiextensions.{go_type}){address}")
        columns = version.get("additionalPrinterColumns")
        parts.append("AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition" + ("{...}" if columns else "(nil)"))
        fields = version.get("selectableFields")
        parts.append("SelectableFields:[]apiextensions.SelectableField" + ("{...}" if fields else "(nil)"))
        items.append("apiextensions.CustomResourceDefinitionVersion{" + ", ".join(parts) + "}")
    return GoValue(kind + "{" + ", ".join(items) + "}")


def _go_bool(value: Any) -> str:
    return "true" if value is True else "false"
