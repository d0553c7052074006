"""A kind's OpenAPI definitions compiled into the shape its Go type decodes into.

Each `Node` says what JSON a position takes (a struct with declared fields, a map, a list, a
scalar of one Go type, or anything) and how Go names that type in decoding errors
(`int32`, `v1.Container`, `[]v1.Container`, `map[string]string`). Definitions that Go decodes
with their own unmarshaller (IntOrString, Quantity, Time, RawExtension...) are leaves of their
own kind, looked up by definition name.

Custom resources are not Go types: their schema only decides which fields exist (pruning), so
they compile `typed=False`, where scalars accept anything and nothing is a type error.
Compilation is lazy and memoised per definition name, so recursive schemas compile once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

REF_PREFIX = "#/components/schemas/"

# Node kinds, as small ints: the walker dispatches on them for every value of every request.
ANY = 0
STRUCT = 1
MAP = 2
LIST = 3
STRING = 4
INT = 5
FLOAT = 6
BOOL = 7
BYTES = 8
INT_OR_STRING = 9
QUANTITY = 10
TIME = 11
MICRO_TIME = 12


class Node:
    """What one position of an object decodes into."""

    __slots__ = ("bits", "element", "fields", "go_type", "kind", "open", "struct_name")

    def __init__(
        self,
        kind: int,
        go_type: str = "",
        *,
        struct_name: str = "",
        fields: dict[str, Node] | None = None,
        element: Node | None = None,
        bits: int = 64,
        open: bool = False,  # the schema's word for "keeps unknown fields"
    ) -> None:
        self.kind = kind
        #: the type as Go's reflect prints it in `UnmarshalTypeError` ("int32", "v1.Container")
        self.go_type = go_type
        #: a struct's bare name, which prefixes the field path in type errors ("Container")
        self.struct_name = struct_name
        self.fields = fields
        self.element = element
        self.bits = bits
        #: a struct that keeps fields it does not declare (x-kubernetes-preserve-unknown-fields)
        self.open = open

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.go_type!r})"


ANYTHING = Node(ANY, "interface {}")

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_EXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."

#: Definitions Go decodes with a custom UnmarshalJSON: their own leaf kinds.
SPECIAL: Mapping[str, Node] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": Node(INT_OR_STRING, "intstr.IntOrString"),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": Node(QUANTITY, "resource.Quantity"),
    _META + "Time": Node(TIME, "v1.Time"),
    _META + "MicroTime": Node(MICRO_TIME, "v1.MicroTime"),
    _META + "FieldsV1": Node(ANY, "v1.FieldsV1"),
    "io.k8s.apimachinery.pkg.runtime.RawExtension": Node(ANY, "runtime.RawExtension"),
    _EXTENSIONS + "JSON": Node(ANY, "v1.JSON"),
    _EXTENSIONS + "JSONSchemaPropsOrArray": Node(ANY, "v1.JSONSchemaPropsOrArray"),
    _EXTENSIONS + "JSONSchemaPropsOrBool": Node(ANY, "v1.JSONSchemaPropsOrBool"),
    _EXTENSIONS + "JSONSchemaPropsOrStringArray": Node(ANY, "v1.JSONSchemaPropsOrStringArray"),
}

_EMBEDDED_FIELDS = ("apiVersion", "kind", "metadata")


def go_type_name(definition: str) -> tuple[str, str]:
    """(`v1.Container`, `Container`) for `io.k8s.api.core.v1.Container`."""
    parts = definition.rsplit(".", 2)
    name = parts[-1]
    package = parts[-2] if len(parts) > 1 else ""
    return (f"{package}.{name}" if package else name), name


def _ref_of(schema: Schema) -> str:
    """The definition a schema stands for: a bare `$ref`, or one wrapped in `allOf`."""
    ref = schema.get("$ref")
    if ref is None:
        all_of = schema.get("allOf")
        if all_of and len(all_of) == 1 and isinstance(all_of[0], Mapping):
            ref = all_of[0].get("$ref")
    return ref[len(REF_PREFIX):] if isinstance(ref, str) and ref.startswith(REF_PREFIX) else ""


class Compiler:
    """Compiles definitions of one schema set into nodes, memoising by definition name."""

    def __init__(self, definitions: Mapping[str, Schema], *, typed: bool = True) -> None:
        self._definitions = definitions
        self._typed = typed
        self._named: dict[str, Node] = {}

    def definition(self, name: str) -> Node:
        node = self._named.get(name)
        if node is None:
            node = self._compile_named(name)
        return node

    def _compile_named(self, name: str) -> Node:
        special = SPECIAL.get(name)
        schema = self._definitions.get(name)
        if special is not None or schema is None:
            node = special if special is not None and self._typed else ANYTHING
            self._named[name] = node
            return node
        go_type, struct_name = go_type_name(name)
        if "properties" in schema:
            node = Node(STRUCT, go_type, struct_name=struct_name, fields={})
            self._named[name] = node  # before the fields: schemas may refer to themselves
            self._fill_struct(node, schema)
            return node
        node = self._compile(schema)
        self._named[name] = node
        return node

    def _fill_struct(self, node: Node, schema: Schema) -> None:
        assert node.fields is not None
        for key, sub in schema.get("properties", {}).items():
            node.fields[key] = self._compile(sub)
        node.open = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        if schema.get("x-kubernetes-embedded-resource"):
            for key in _EMBEDDED_FIELDS:
                node.fields.setdefault(key, ANYTHING)

    def _compile(self, schema: Schema) -> Node:
        ref = _ref_of(schema)
        if ref:
            return self.definition(ref)
        kind = schema.get("type")
        if "properties" in schema or (kind == "object" and "additionalProperties" not in schema):
            return self._inline_object(schema)
        if kind == "object":
            extra = schema.get("additionalProperties")
            if not isinstance(extra, Mapping):
                return ANYTHING  # `additionalProperties: true`
            element = self._compile(extra)
            return Node(MAP, "map[string]" + element.go_type, element=element)
        if kind == "array":
            items = schema.get("items")
            element = self._compile(items) if isinstance(items, Mapping) else ANYTHING
            return Node(LIST, "[]" + element.go_type, element=element)
        if schema.get("x-kubernetes-int-or-string"):
            return SPECIAL["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] if self._typed else ANYTHING
        if not self._typed:
            return ANYTHING
        return _scalar(kind, schema.get("format"))

    def _inline_object(self, schema: Schema) -> Node:
        # A bare `type: object`: in a Go type, something free-form (RawExtension-like); in a
        # structural schema, an object with no fields unless it keeps unknown ones.
        if "properties" not in schema and (self._typed or schema.get("x-kubernetes-preserve-unknown-fields")):
            return ANYTHING
        node = Node(STRUCT, "struct", fields={})
        self._fill_struct(node, schema)
        return node


def _scalar(kind: Any, fmt: Any) -> Node:
    if kind == "string":
        if fmt == "byte":
            return Node(BYTES, "[]uint8")
        if fmt == "date-time":
            return Node(TIME, "v1.Time")
        return Node(STRING, "string")
    if kind == "integer":
        bits = 32 if fmt == "int32" else 64
        return Node(INT, f"int{bits}", bits=bits)
    if kind == "number":
        return Node(FLOAT, "float64")
    if kind == "boolean":
        return Node(BOOL, "bool")
    return ANYTHING
