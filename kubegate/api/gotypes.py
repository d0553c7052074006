"""Go's view of a decoded JSON body: field types, type errors, and `%#v` of ObjectMeta.

The real server unmarshals request bodies into typed Go structs, so a field of the wrong JSON
type is a 400 carrying encoding/json's `UnmarshalTypeError` text, and validation errors print
bad values with Go's `%#v`. Computed resources (reviews) read plain dicts; a small table of
field types per struct gives them the same answers instead of a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubegate.api.mergepatch import go_kind

#: scalar and simple composite field types, spelled as Go prints them
STRING = "string"
BOOL = "bool"
INT64 = "int64"
STRINGS = "[]string"
STRING_MAP = "map[string]string"


@dataclass(frozen=True, slots=True)
class Struct:
    """A Go struct: its type name and the JSON names and types of the fields kubegate reads."""

    name: str
    fields: Mapping[str, FieldType] = field(default_factory=dict)
    package: str = "v1"

    @property
    def go_name(self) -> str:
        return f"{self.package}.{self.name}"


@dataclass(frozen=True, slots=True)
class ListMap:
    """map[string]<named []string>, such as `extra` (map[string]v1.ExtraValue)."""

    value_name: str

    @property
    def go_name(self) -> str:
        return f"map[string]{self.value_name}"


@dataclass(frozen=True, slots=True)
class ListOf:
    """A slice of structs whose items are not looked into, e.g. []v1.OwnerReference."""

    item_name: str

    @property
    def go_name(self) -> str:
        return f"[]{self.item_name}"


FieldType = str | Struct | ListMap | ListOf

OBJECT_META = Struct("ObjectMeta", {
    "name": STRING, "generateName": STRING, "namespace": STRING, "selfLink": STRING,
    "uid": STRING, "resourceVersion": STRING, "generation": INT64,
    "creationTimestamp": STRING, "deletionTimestamp": STRING, "deletionGracePeriodSeconds": INT64,
    "labels": STRING_MAP, "annotations": STRING_MAP, "ownerReferences": ListOf("v1.OwnerReference"),
    "finalizers": STRINGS, "managedFields": ListOf("v1.ManagedFieldsEntry"),
})


def _type_error(value: Any, go_type: str, owner: str, path: str) -> str:
    return f"json: cannot unmarshal {go_kind(value)} into Go struct field {owner}.{path} of type {go_type}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or (
        isinstance(value, float) and value.is_integer()
    )


_SCALARS = {STRING: lambda v: isinstance(v, str), BOOL: lambda v: isinstance(v, bool), INT64: _is_int}


def _field_error(value: Any, ftype: FieldType, owner: str, path: str) -> str | None:
    if value is None:
        return None  # null leaves the Go zero value
    if isinstance(ftype, Struct):
        if not isinstance(value, dict):
            return _type_error(value, ftype.go_name, owner, path)
        return first_type_error(value, ftype, path=f"{path}.")
    if isinstance(ftype, ListOf):
        return None if isinstance(value, list) else _type_error(value, ftype.go_name, owner, path)
    if isinstance(ftype, ListMap):
        if not isinstance(value, dict):
            return _type_error(value, ftype.go_name, owner, path)
        for item in value.values():
            error = _field_error(item, STRINGS, owner, path)
            if error is not None:
                return error.replace(f"of type {STRINGS}", f"of type {ftype.value_name}")
        return None
    if ftype in (STRINGS, STRING_MAP):
        container = list if ftype == STRINGS else dict
        if not isinstance(value, container):
            return _type_error(value, ftype, owner, path)
        items = value if isinstance(value, list) else list(value.values())
        bad = next((item for item in items if item is not None and not isinstance(item, str)), None)
        return None if bad is None else _type_error(bad, STRING, owner, path)
    return None if _SCALARS[ftype](value) else _type_error(value, ftype, owner, path)


def first_type_error(value: Any, struct: Struct, *, path: str = "") -> str | None:
    """The first field (in document order) whose JSON type Go could not decode, as Go words it."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"json: cannot unmarshal {go_kind(value)} into Go value of type {struct.go_name}"
    for key, item in value.items():
        ftype = struct.fields.get(key)
        if ftype is not None:
            error = _field_error(item, ftype, struct.name, f"{path}{key}")
            if error is not None:
                return error
    return None


@dataclass(frozen=True, slots=True)
class GoValue:
    """A bad value already rendered in Go syntax (printed unquoted in a field error)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _go_string(value: Any) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_strings(value: Any, type_name: str) -> str:
    if not value:
        return f"{type_name}(nil)"
    return type_name + "{" + ", ".join(_go_string(item) for item in value) + "}"


def _go_string_map(value: Any) -> str:
    if not value:
        return "map[string]string(nil)"
    pairs = sorted((str(k), v) for k, v in value.items())
    return "map[string]string{" + ", ".join(f"{_go_string(k)}:{_go_string(v)}" for k, v in pairs) + "}"


_ZERO_TIME = "time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)"


def go_object_meta(meta: Mapping[str, Any]) -> GoValue:
    """`%#v` of a metav1.ObjectMeta, as the real validation prints one that must be empty."""

    def text(key: str) -> str:
        return _go_string(meta.get(key))

    def pointer(key: str, type_name: str) -> str:
        value = meta.get(key)
        return f"({type_name})(nil)" if value is None else f"&{value}"

    created = meta.get("creationTimestamp")
    deleted = meta.get("deletionTimestamp")
    parts = [
        f"Name:{text('name')}", f"GenerateName:{text('generateName')}", f"Namespace:{text('namespace')}",
        f"SelfLink:{text('selfLink')}", f"UID:{text('uid')}", f"ResourceVersion:{text('resourceVersion')}",
        f"Generation:{meta.get('generation') or 0}",
        f"CreationTimestamp:{_ZERO_TIME if created is None else _go_string(created)}",
        f"DeletionTimestamp:{'<nil>' if deleted is None else _go_string(deleted)}",
        f"DeletionGracePeriodSeconds:{pointer('deletionGracePeriodSeconds', '*int64')}",
        f"Labels:{_go_string_map(meta.get('labels'))}",
        f"Annotations:{_go_string_map(meta.get('annotations'))}",
        f"OwnerReferences:{'[]v1.OwnerReference(nil)' if not meta.get('ownerReferences') else '[]v1.OwnerReference{...}'}",
        f"Finalizers:{_go_strings(meta.get('finalizers'), '[]string')}",
        f"ManagedFields:{'[]v1.ManagedFieldsEntry(nil)' if not meta.get('managedFields') else '[]v1.ManagedFieldsEntry{...}'}",
    ]
    return GoValue("v1.ObjectMeta{" + ", ".join(parts) + "}")


def object_meta_is_empty(meta: Mapping[str, Any], *, ignore: tuple[str, ...] = ("managedFields",)) -> bool:
    """Semantic emptiness as apimachinery's equality sees it: nil and empty are the same."""
    known = (key for key in OBJECT_META.fields if key not in ignore)  # Go drops unknown fields
    return all(meta.get(key) in (None, "", 0, [], {}) for key in known)
