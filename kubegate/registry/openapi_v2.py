"""The Swagger 2.0 document a kube-apiserver serves under /openapi/v2, derived from OpenAPI v3.

kubectl 1.27 and 1.28 load /openapi/v2 (as protobuf) before every `apply`, `create -f` and
`edit`, and give up with `the server could not find the requested resource` when it is absent;
newer kubectls read it for strategic-merge metadata on re-apply and fall back to compiled-in
data without it. The real server builds both documents from one set of definitions, so this one
is a translation of what `OpenAPIV3` publishes, not a second source:

* definitions are the v3 component schemas with references into `#/definitions/`, a reference
  wrapped in `allOf` (v3's way to give it a description) unwrapped to `$ref` plus description,
  and the `oneOf` of int-or-string and quantity written as the strings v2 documents them as;
* paths are the union of every group-version document's paths, each operation's request body
  a `body` parameter, its media types `consumes`/`produces`, and query parameters typed inline.

kubectl's reader (kube-openapi `proto.NewOpenAPIData`) rejects a document with a dangling
reference or a schema of several types, which this translation never produces.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.api.protobuf.gnostic import encode_document
from kubegate.registry.openapi import OpenAPIV3

Schema = dict[str, Any]

_REF_V3 = "#/components/schemas/"
_REF_V2 = "#/definitions/"
#: v3 keywords with no v2 counterpart (gnostic has no field for them).
_V3_ONLY = frozenset({"oneOf", "anyOf", "not", "nullable"})
_HTTPS = ["https"]
_SECURITY_DEFINITIONS = {
    "BearerToken": {
        "description": "Bearer Token authentication", "in": "header", "name": "authorization",
        "type": "apiKey",
    }
}


@dataclass(frozen=True)
class Rendered:
    """One document in both of its encodings, and the ETag both are served with."""

    json: bytes
    protobuf: bytes
    etag: str


_RENDERED: weakref.WeakKeyDictionary[OpenAPIV3, tuple[bytes, Rendered]] = weakref.WeakKeyDictionary()


def rendered(v3: OpenAPIV3) -> Rendered:
    """The v2 document for what `v3` publishes now; rebuilt only after the v3 documents change."""
    index = v3.index()  # its bytes carry every document's hash, so they change with any schema
    cached = _RENDERED.get(v3)
    if cached is not None and cached[0] == index:
        return cached[1]
    document = swagger(v3)
    body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    result = Rendered(body, encode_document(document), hashlib.sha512(body).hexdigest().upper())
    _RENDERED[v3] = (index, result)
    return result


def swagger(v3: OpenAPIV3) -> Schema:
    """The whole Swagger 2.0 document, as JSON-shaped data."""
    paths: Schema = {}
    info: Schema = {"title": "Kubernetes"}
    for key in orjson.loads(v3.index())["paths"]:
        found = v3.document(key)
        if found is not None:
            document = orjson.loads(found[0])
            info = document["info"]  # the same in every document: title and server version
            for path, item in document["paths"].items():
                paths[path] = _path_item(item)
    definitions = {name: to_v2(schema) for name, schema in v3.schema_definitions().items()}
    return {
        "definitions": definitions,
        "info": info,
        "paths": dict(sorted(paths.items())),
        "security": [{"BearerToken": []}],
        "securityDefinitions": _SECURITY_DEFINITIONS,
        "swagger": "2.0",
    }


def to_v2(schema: Any) -> Any:
    """One v3 schema (and everything nested in it) in its v2 form."""
    if not isinstance(schema, Mapping):
        return schema
    if "allOf" in schema and len(schema["allOf"]) == 1 and "$ref" in schema["allOf"][0]:
        out: Schema = {"$ref": _ref(schema["allOf"][0]["$ref"])}
        if "description" in schema:
            out["description"] = schema["description"]
        return out
    out = {}
    for key, value in schema.items():
        if key in _V3_ONLY:
            continue
        if key == "$ref":
            out[key] = _ref(value)
        elif key == "properties":
            out[key] = {name: to_v2(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = to_v2(value)
        elif key == "allOf":
            out[key] = [to_v2(sub) for sub in value]
        else:
            out[key] = value
    if _primitive_choice(schema):
        out["type"] = "string"  # int-or-string and quantity: v2 spells both as strings
    return out


def _primitive_choice(schema: Mapping[str, Any]) -> bool:
    """A `oneOf` of bare scalar types and nothing else, as int-or-string and quantity are."""
    choices = schema.get("oneOf")
    if not isinstance(choices, list) or "type" in schema or "properties" in schema:
        return False
    return all(isinstance(c, Mapping) and set(c) == {"type"} and c["type"] != "object" for c in choices)


def _ref(ref: str) -> str:
    return _REF_V2 + ref.removeprefix(_REF_V3)


def _path_item(item: Mapping[str, Any]) -> Schema:
    out: Schema = {}
    for key, value in item.items():
        if key == "parameters":
            out[key] = [_parameter(p) for p in value]
        else:
            out[key] = _operation(value)
    return out


def _parameter(parameter: Mapping[str, Any]) -> Schema:
    """A v3 query or path parameter with its `schema` folded in, as v2 writes them."""
    out = {k: v for k, v in parameter.items() if k != "schema"}
    out.update(parameter.get("schema", {}))
    return out


def _operation(op: Mapping[str, Any]) -> Schema:
    out: Schema = {k: v for k, v in op.items() if k not in ("requestBody", "responses", "parameters")}
    parameters = [_parameter(p) for p in op.get("parameters", ())]
    body = op.get("requestBody")
    if body is not None:
        content: Mapping[str, Any] = body.get("content", {})
        out["consumes"] = list(content)
        first: Mapping[str, Any] = next(iter(content.values()), {})
        schema = first.get("schema", {})
        required = bool(body.get("required"))
        parameters.insert(0, {"in": "body", "name": "body", "required": required, "schema": to_v2(schema)})
    if parameters:
        out["parameters"] = parameters
    responses: Schema = {}
    produces: list[str] = []
    for code, response in op.get("responses", {}).items():
        reply: Schema = {"description": response.get("description", "")}
        content = response.get("content", {})
        if content:
            reply["schema"] = to_v2(next(iter(content.values())).get("schema", {}))
            produces.extend(m for m in content if m not in produces)
        responses[code] = reply
    if produces:
        out["produces"] = produces
    out["responses"] = responses
    out["schemes"] = _HTTPS
    return out
