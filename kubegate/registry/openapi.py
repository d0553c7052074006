"""The OpenAPI v3 documents a kube-apiserver serves under /openapi/v3.

kubectl reads them for two things. `apply` and `create -f` look in the group-version document for
a PATCH operation whose `x-kubernetes-group-version-kind` (an object) names the manifest's kind and
which takes a `fieldValidation` parameter; without one kubectl falls back to client-side
validation over /openapi/v2 (`openapi_v2` translates these documents for it). `explain` looks
in `components.schemas` for a schema whose `x-kubernetes-group-version-kind` (a list there)
names the kind, and prints the descriptions it finds under it.

We ship no schemas of our own. The kubernetes-validate package bundles every built-in definition
as draft JSON Schema (`$defs` references, nullable type lists, apiVersion/kind pinned by `enum`);
`convert_definitions` turns that bundle back into the OpenAPI 3.0 shape the real generator emits,
and `OpenAPIV3` assembles one document per group-version from the resource table, plus the small
discovery documents (`api`, `apis`, `apis/<group>`) the real index also lists.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from kubegate.registry.spec import ResourceSpec

Schema = dict[str, Any]

_BUNDLE = re.compile(r"v1\.(\d+)\.0-local")
_REF_IN = "#/$defs/"
_REF_OUT = "#/components/schemas/"
_REF_PATTERN = re.compile(rb'"\$ref":"#/components/schemas/([^"]+)"')
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

#: The bundle models these two as nullable `oneOf`s with no description; the real documents
#: spell them as below (descriptions are ours).
_FIXED: Mapping[str, Schema] = {
    _INT_OR_STRING: {
        "description": "An int32 or a string; JSON and YAML carry whichever of the two was set.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    _QUANTITY: {
        "description": "A fixed-point number in quantity notation (500m, 1.5Gi, 2), "
        "written as a string or a number.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
}
#: The real generator gives non-pointer fields their Go zero value as `default`.
_ZERO: Mapping[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}
_OBJECT_PARTS = frozenset({"metadata", "spec", "status"})


# --- the schema bundle -------------------------------------------------------------------------


def _bundle_root() -> Path:
    # find_spec locates the package without importing it: its __init__ pulls in jsonschema and
    # costs more than building every document we serve.
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package (schema bundle) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


def bundle_minor(kubernetes_minor: int) -> int:
    """The bundled schema version nearest to the server's minor (the older one on a tie)."""
    found = (_BUNDLE.fullmatch(entry.name) for entry in _bundle_root().iterdir())
    minors = [int(m.group(1)) for m in found if m]
    return min(minors, key=lambda m: (abs(m - kubernetes_minor), m))


@functools.lru_cache(maxsize=4)
def builtin_definitions(minor: int) -> Mapping[str, Schema]:
    """Converted built-in definitions of bundle `v1.<minor>.0`; shared, so never mutate them."""
    path = _bundle_root() / f"v1.{minor}.0-local" / "_definitions.json"
    return convert_definitions(orjson.loads(path.read_bytes())["$defs"])


def convert_definitions(raw: Mapping[str, Any]) -> dict[str, Schema]:
    """JSON-Schema `$defs` → OpenAPI 3.0 `components.schemas`, shaped as the apiserver shapes them.

    Nullable type lists become one type, `$ref`s point into components and are wrapped in `allOf`
    when they carry siblings (a description), the pinned apiVersion/kind enums go, and fields the
    bundle marks non-nullable (it does so exactly for required ones) get their zero default.
    """
    # Only structs with fields get a `{}` default; RawExtension-like opaque objects do not.
    objects = frozenset(name for name, d in raw.items() if "properties" in d)
    return {
        name: dict(_FIXED[name]) if name in _FIXED else _node(d, objects) for name, d in raw.items()
    }


def _single(kind: Any) -> Any:
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else kinds
    return kind


def _node(node: Mapping[str, Any], objects: frozenset[str]) -> Schema:
    out: Schema = {}
    for key, value in node.items():
        if key == "type":
            out[key] = _single(value)
        elif key == "properties":
            required = node.get("required", ())
            out[key] = {
                name: _property(name, sub, objects, required=name in required)
                for name, sub in value.items()
            }
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _member(value, objects)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_value(v, objects) for v in value]
        elif key == "not":
            out[key] = _value(value, objects)
        else:
            out[key] = value
    return out


def _value(node: Mapping[str, Any], objects: frozenset[str]) -> Schema:
    if "$ref" not in node:
        return _node(node, objects)
    ref = {"$ref": _REF_OUT + node["$ref"].removeprefix(_REF_IN)}
    if len(node) == 1:
        return ref
    return {"allOf": [ref], **_node({k: v for k, v in node.items() if k != "$ref"}, objects)}


def _property(
    name: str, node: Mapping[str, Any], objects: frozenset[str], *, required: bool
) -> Schema:
    if "$ref" in node:
        out = _value(node, objects)
        target = node["$ref"].removeprefix(_REF_IN)
        if target in objects and (required or name in _OBJECT_PARTS):
            out = {"allOf": [out], "default": {}} if "allOf" not in out else {**out, "default": {}}
        return out
    out = _node(node, objects)
    if name in ("apiVersion", "kind"):
        out.pop("enum", None)
    kind = node.get("type")
    if isinstance(kind, str) and kind in _ZERO and node.get("format") != "byte":
        out.setdefault("default", _ZERO[kind])
    return out


def _member(node: Mapping[str, Any], objects: frozenset[str]) -> Schema:
    """An array's `items` or a map's `additionalProperties`: elements are never pointers."""
    if "$ref" in node:
        out = _value(node, objects)
        if node["$ref"].removeprefix(_REF_IN) in objects and len(node) == 1:
            out = {"allOf": [out], "default": {}}
        return out
    out = _node(node, objects)
    kind = out.get("type")
    if isinstance(kind, str) and kind in _ZERO and out.get("format") != "byte":
        out.setdefault("default", _ZERO[kind])
    return out


def refs_of(schema: Any) -> set[str]:
    """Names of the component schemas `schema` references directly."""
    # Scanning the serialized form runs in C; walking the tree in Python cost more than the rest
    # of building every document together.
    return {m.decode() for m in _REF_PATTERN.findall(orjson.dumps(schema))}


def custom_definitions(
    spec: ResourceSpec, schema: Mapping[str, Any] | None, *, base: Mapping[str, Schema]
) -> dict[str, Schema]:
    """The kind and list schemas published for a resource the bundle does not know (a CRD).

    `schema` is the version's `openAPIV3Schema` (already OpenAPI); none means "anything goes".
    Named like the apiserver names CRD schemas: reversed group, version, kind.
    """
    name = ".".join([*reversed(spec.group.split(".")), spec.version, spec.kind]).lstrip(".")
    type_meta = _properties(base, _META + "Status")
    common = {key: type_meta.get(key, {"type": "string"}) for key in ("apiVersion", "kind")}
    body: Schema = dict(schema) if schema else {"type": "object"}
    if not schema:
        body["x-kubernetes-preserve-unknown-fields"] = True
    body["properties"] = {
        **body.get("properties", {}),
        **common,
        "metadata": _meta_ref("ObjectMeta", _properties(base, "io.k8s.api.core.v1.ConfigMap")),
    }
    body["x-kubernetes-group-version-kind"] = [_gvk(spec.group, spec.version, spec.kind)]
    listing: Schema = {
        "description": f"{spec.list_kind} is a list of {spec.kind}",
        "properties": {
            **common,
            "items": {"items": {"$ref": _REF_OUT + name}, "type": "array"},
            "metadata": _meta_ref("ListMeta", type_meta),
        },
        "required": ["items"],
        "type": "object",
        "x-kubernetes-group-version-kind": [_gvk(spec.group, spec.version, spec.list_kind)],
    }
    return {name: body, name + "List": listing}


def _properties(base: Mapping[str, Schema], name: str) -> Mapping[str, Schema]:
    properties: Mapping[str, Schema] = base.get(name, {}).get("properties", {})
    return properties


def _meta_ref(kind: str, described: Mapping[str, Schema]) -> Schema:
    out: Schema = {"allOf": [{"$ref": _REF_OUT + _META + kind}], "default": {}}
    if "description" in described.get("metadata", {}):
        out["description"] = described["metadata"]["description"]
    return out


def _gvk(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "kind": kind, "version": version}


# --- operations --------------------------------------------------------------------------------


def _param(name: str, kind: str, where: str = "query") -> Schema:
    out: Schema = {"in": where, "name": name, "schema": {"type": kind, "uniqueItems": True}}
    if where == "path":
        out["required"] = True
    return out


def _params(*pairs: tuple[str, str]) -> tuple[Schema, ...]:
    return tuple(_param(name, kind) for name, kind in sorted(pairs))


_PRETTY = _param("pretty", "string")
_NAME = _param("name", "string", "path")
_NAMESPACE = _param("namespace", "string", "path")
_SELECT = (
    ("continue", "string"),
    ("fieldSelector", "string"),
    ("labelSelector", "string"),
    ("limit", "integer"),
    ("resourceVersion", "string"),
    ("resourceVersionMatch", "string"),
    ("sendInitialEvents", "boolean"),
    ("timeoutSeconds", "integer"),
)
_WRITE = (("dryRun", "string"), ("fieldManager", "string"), ("fieldValidation", "string"))
_DELETE = (
    ("dryRun", "string"),
    ("gracePeriodSeconds", "integer"),
    ("orphanDependents", "boolean"),
    ("propagationPolicy", "string"),
)
_LIST_Q = _params(*_SELECT, ("allowWatchBookmarks", "boolean"), ("watch", "boolean"))
_WRITE_Q = _params(*_WRITE)
_PATCH_Q = _params(*_WRITE, ("force", "boolean"))
_DELETE_Q = _params(*_DELETE)
_DELETE_COLLECTION_Q = _params(*_SELECT, *_DELETE)

#: Rows of (verb, HTTP method, x-kubernetes-action, operationId verb, operationId infix, query).
_Row = tuple[str, str, str, str, str, tuple[Schema, ...]]
_COLLECTION: tuple[_Row, ...] = (
    ("list", "get", "list", "list", "", _LIST_Q),
    ("create", "post", "post", "create", "", _WRITE_Q),
    (
        "deletecollection",
        "delete",
        "deletecollection",
        "delete",
        "Collection",
        _DELETE_COLLECTION_Q,
    ),
)
_ITEM: tuple[_Row, ...] = (
    ("get", "get", "get", "read", "", ()),
    ("update", "put", "put", "replace", "", _WRITE_Q),
    ("patch", "patch", "patch", "patch", "", _PATCH_Q),
    ("delete", "delete", "delete", "delete", "", _DELETE_Q),
)
_SUBRESOURCE: tuple[_Row, ...] = (*_ITEM[:3], ("create", "post", "post", "create", "", _WRITE_Q))
_CONNECT: tuple[_Row, ...] = (
    ("get", "get", "connect", "connect", "Get", ()),
    ("create", "post", "connect", "connect", "Post", ()),
)
#: Streaming subresources: their operations carry no object.
_STREAMS = frozenset({"attach", "exec", "portforward", "proxy"})

_MEDIA = ("application/json", "application/vnd.kubernetes.protobuf", "application/yaml")
_WATCH_MEDIA = (
    *_MEDIA,
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
)
_PATCH_MEDIA = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
#: Custom resources take no strategic merge patch; kubectl's apply reads this to pick merge patch.
_CUSTOM_PATCH_MEDIA = tuple(m for m in _PATCH_MEDIA if m != "application/strategic-merge-patch+json")
_UNAUTHORIZED: Schema = {"description": "Unauthorized"}
_TEXT: Schema = {"content": {"*/*": {"schema": {"type": "string"}}}, "description": "OK"}


def _content(definition: str, media: tuple[str, ...]) -> Schema:
    schema = {"$ref": _REF_OUT + definition}
    return {m: {"schema": schema} for m in media}


def _reply(definition: str, description: str, media: tuple[str, ...] = _MEDIA) -> Schema:
    return {"content": _content(definition, media), "description": description}


def _operation(
    action: str,
    *,
    op_id: str,
    gvk: Schema,
    tag: str,
    query: tuple[Schema, ...],
    definition: str,
    list_definition: str,
    patch_media: tuple[str, ...] = _PATCH_MEDIA,
) -> Schema:
    op: Schema = {
        "operationId": op_id,
        "tags": [tag],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
    }
    if query:
        op["parameters"] = list(query)
    status = _META + "Status"
    if action == "list":
        op["responses"] = {"200": _reply(list_definition, "OK", _WATCH_MEDIA)}
    elif action == "connect":
        op["responses"] = {"200": _TEXT}
    elif action in ("delete", "deletecollection"):
        op["requestBody"] = {"content": _content(_META + "DeleteOptions", ("*/*",))}
        op["responses"] = {"200": _reply(status, "OK")}
        if action == "delete":
            op["responses"]["202"] = _reply(status, "Accepted")
    elif action == "get":
        op["responses"] = {"200": _reply(definition, "OK")}
    else:
        patch = action == "patch"
        body = _content(_META + "Patch", patch_media) if patch else _content(definition, ("*/*",))
        op["requestBody"] = {"content": body, "required": True}
        op["responses"] = {"200": _reply(definition, "OK"), "201": _reply(definition, "Created")}
        if action == "post":
            op["responses"]["202"] = _reply(definition, "Accepted")
    op["responses"]["401"] = _UNAUTHORIZED
    return op


def _camel(group: str) -> str:
    """`rbac.authorization.k8s.io` → `RbacAuthorization`, as operation ids spell groups."""
    if not group:
        return "Core"
    parts = re.split(r"[.-]", group.removesuffix(".k8s.io"))
    return "".join(part[:1].upper() + part[1:] for part in parts)


def _tag(group: str, version: str = "") -> str:
    camel = _camel(group)
    tag = camel[:1].lower() + camel[1:]
    return f"{tag}_{version}" if version else tag


def resource_paths(
    spec: ResourceSpec, *, definition_for: Callable[[str, str, str], str]
) -> Iterator[tuple[str, Schema]]:
    """(path, path item) pairs for one resource, as the apiserver's route table documents them.

    `definition_for(group, version, kind)` names the schema of a kind; it must know every kind
    the resource and its subresources speak.
    """
    prefix = f"/apis/{spec.group}/{spec.version}" if spec.group else f"/api/{spec.version}"
    gv_id = _camel(spec.group) + spec.version[:1].upper() + spec.version[1:]
    tag = _tag(spec.group, spec.version)
    kind_def = definition_for(spec.group, spec.version, spec.kind)
    list_def = definition_for(spec.group, spec.version, spec.list_kind)
    own = _gvk(spec.group, spec.version, spec.kind)
    ns = [_NAMESPACE] if spec.namespaced else []
    scope = "Namespaced" if spec.namespaced else ""

    def item(
        rows: tuple[_Row, ...],
        verbs: tuple[str, ...],
        params: list[Schema],
        *,
        scope: str = scope,
        suffix: str = "",
        definition: str = kind_def,
        gvk: Schema = own,
    ) -> Schema | None:
        ops: Schema = {
            method: _operation(
                action,
                op_id=f"{word}{gv_id}{infix}{scope}{spec.kind}{suffix}",
                gvk=gvk,
                tag=tag,
                query=query,
                definition=definition,
                list_definition=list_def,
                patch_media=_CUSTOM_PATCH_MEDIA if spec.custom_resource else _PATCH_MEDIA,
            )
            for verb, method, action, word, infix, query in rows
            if verb in verbs
        }
        return {**ops, "parameters": [*params, _PRETTY]} if ops else None

    base = f"{prefix}/namespaces/{{namespace}}/{spec.plural}" if ns else f"{prefix}/{spec.plural}"
    paths = [
        (base, item(_COLLECTION, spec.verbs, ns)),
        (f"{base}/{{name}}", item(_ITEM, spec.verbs, [_NAME, *ns])),
    ]
    if ns:
        everywhere = item(_COLLECTION[:1], spec.verbs, [], scope="", suffix="ForAllNamespaces")
        paths.append((f"{prefix}/{spec.plural}", everywhere))
    for sub in spec.subresources:
        speaks = (sub.group, sub.version or spec.version, sub.kind) if sub.kind else None
        group, version, kind = speaks or (spec.group, spec.version, spec.kind)
        rows = _CONNECT if sub.name in _STREAMS else _SUBRESOURCE
        sub_item = item(
            rows,
            sub.verbs,
            [_NAME, *ns],
            suffix=sub.name[:1].upper() + sub.name[1:],
            definition=definition_for(group, version, kind),
            gvk=_gvk(group, version, kind),
        )
        paths.append((f"{base}/{{name}}/{sub.name}", sub_item))
    for path, value in paths:
        if value is not None:
            yield path, value


# --- documents ---------------------------------------------------------------------------------

_BEARER: Schema = {
    "BearerToken": {
        "description": "Bearer Token authentication",
        "in": "header",
        "name": "authorization",
        "type": "apiKey",
    }
}


class OpenAPIV3:
    """The /openapi/v3 index and its documents for one resource table, built on first use.

    Documents are serialized once and served as cached bytes; the index carries each
    document's hash (uppercase hex SHA-512 of its bytes, as the apiserver computes it), which
    kubectl sends back as `?hash=` and which doubles as the ETag.
    """

    def __init__(
        self, resources: Iterable[ResourceSpec], *, kubernetes_minor: int, git_version: str
    ) -> None:
        self._builtin = tuple(resources)
        self._extra: tuple[ResourceSpec, ...] = ()
        self._extra_schemas: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        self._minor = kubernetes_minor
        self._git_version = git_version
        self._reset()

    def _reset(self) -> None:
        """Forget everything derived from the resource rows; rebuilt on next use."""
        self._layout_cache: dict[str, list[ResourceSpec]] | None = None
        self._definitions: dict[str, Schema] | None = None
        self._kinds: dict[tuple[str, str, str], str] = {}
        self._refs: dict[str, frozenset[str]] = {}
        self._documents: dict[str, tuple[bytes, str]] = {}
        self._index: bytes | None = None

    def set_extra_resources(
        self,
        resources: Iterable[ResourceSpec],
        schemas: Mapping[tuple[str, str, str], Mapping[str, Any]] | None = None,
    ) -> None:
        """Replace the custom resources (CRD versions) served next to the built-in table.

        `schemas` maps (group, version, kind) to that version's `openAPIV3Schema`; a resource
        without one is published as an object that keeps unknown fields.
        """
        self._extra = tuple(resources)
        self._extra_schemas = dict(schemas or {})
        self._reset()

    def index(self) -> bytes:
        """The body of GET /openapi/v3."""
        if self._index is None:
            paths = {
                key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={self._document(key)[1]}"}
                for key in sorted(self._layout())
            }
            self._index = orjson.dumps({"paths": paths})
        return self._index

    def document(self, path: str) -> tuple[bytes, str] | None:
        """(body, hash) of GET /openapi/v3/<path> (`api/v1`, `apis/apps/v1`, ...), or None."""
        key = path.strip("/")
        return self._document(key) if key in self._layout() else None

    def schema_definitions(self) -> dict[str, Schema]:
        """Every converted schema by name; the values are shared, so never mutate them."""
        return dict(self._defs())

    def schema_definition(self, name: str) -> Schema | None:
        """One converted schema by name, without copying them all (shared: never mutate it)."""
        return self._defs().get(name)

    def definition_for(self, group: str, version: str, kind: str) -> str | None:
        """The name of the schema describing group/version/kind, if there is one."""
        self._defs()
        return self._kinds.get((group, version, kind))

    # -- building ---------------------------------------------------------------------------

    def _layout(self) -> dict[str, list[ResourceSpec]]:
        """Document key → the resources it documents (none for the discovery documents)."""
        if self._layout_cache is None:
            layout: dict[str, list[ResourceSpec]] = {"api": [], "apis": []}
            for spec in self._builtin + self._extra:
                if spec.group:
                    layout.setdefault(f"apis/{spec.group}", [])
                    layout.setdefault(f"apis/{spec.group}/{spec.version}", []).append(spec)
                else:
                    layout.setdefault(f"api/{spec.version}", []).append(spec)
            self._layout_cache = layout
        return self._layout_cache

    def _defs(self) -> dict[str, Schema]:
        if self._definitions is None:
            defs = dict(builtin_definitions(bundle_minor(self._minor)))
            for spec in self._extra:
                key = (spec.group, spec.version, spec.kind)
                defs.update(custom_definitions(spec, self._extra_schemas.get(key), base=defs))
            kinds = _kind_index(defs)
            # A built-in row the bundle has no schema for still needs something to point at.
            for spec in self._builtin:
                if (spec.group, spec.version, spec.kind) not in kinds:
                    defs.update(custom_definitions(spec, None, base=defs))
            self._definitions, self._kinds = defs, _kind_index(defs)
        return self._definitions

    def _definition(self, group: str, version: str, kind: str) -> str:
        name = self.definition_for(group, version, kind)
        if name is None:  # a subresource speaking a kind nobody describes
            return _META + "Status"
        return name

    def _document(self, key: str) -> tuple[bytes, str]:
        cached = self._documents.get(key)
        if cached is None:
            body = orjson.dumps(self._build(key), option=orjson.OPT_SORT_KEYS)
            cached = self._documents[key] = (body, hashlib.sha512(body).hexdigest().upper())
        return cached

    def _build(self, key: str) -> Schema:
        paths: Schema = {}
        if key == "api":
            paths["/api/"] = _discovery("getCoreAPIVersions", "APIVersions", "core")
        elif key == "apis":
            paths["/apis/"] = _discovery("getAPIVersions", "APIGroupList", "apis")
        elif key.startswith("apis/") and key.count("/") == 1:
            group = key.split("/")[1]
            op_id = f"get{_camel(group)}APIGroup"
            paths[f"/{key}/"] = _discovery(op_id, "APIGroup", _tag(group))
        else:
            group, version = (
                ("", key.split("/")[1]) if key.startswith("api/") else key.split("/")[1:]
            )
            gv_id = _camel(group) + version[:1].upper() + version[1:]
            op_id = f"get{gv_id}APIResources"
            paths[f"/{key}/"] = _discovery(op_id, "APIResourceList", _tag(group, version))
            for spec in self._layout()[key]:
                paths.update(resource_paths(spec, definition_for=self._definition))
        return {
            "components": {"schemas": self._closure(paths), "securitySchemes": _BEARER},
            "info": {"title": "Kubernetes", "version": self._git_version},
            "openapi": "3.0.0",
            "paths": paths,
        }

    def _closure(self, paths: Schema) -> dict[str, Schema]:
        """The schemas `paths` reference, and everything those reference in turn."""
        defs = self._defs()
        pending = list(refs_of(paths))
        seen = set(pending)
        while pending:
            name = pending.pop()
            refs = self._refs.get(name)
            if refs is None:
                refs = self._refs[name] = frozenset(refs_of(defs.get(name, {})))
            fresh = refs - seen
            seen |= fresh
            pending.extend(fresh)
        return {name: defs[name] for name in sorted(seen) if name in defs}


def _discovery(op_id: str, kind: str, tag: str) -> Schema:
    return {
        "get": {
            "operationId": op_id,
            "responses": {"200": _reply(_META + kind, "OK"), "401": _UNAUTHORIZED},
            "tags": [tag],
        }
    }


def _kind_index(defs: Mapping[str, Schema]) -> dict[tuple[str, str, str], str]:
    kinds: dict[tuple[str, str, str], str] = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            kinds.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return kinds
