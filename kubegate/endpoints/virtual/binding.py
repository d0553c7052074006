"""Binding (`POST /api/v1/namespaces/NS/pods/NAME/binding`): how a scheduler places a pod.

The body is a core/v1 Binding naming the pod (`metadata.name`, optionally its uid and
resourceVersion as preconditions) and the node (`target`). The checks and their answers are
kube-apiserver's BindingREST's: a name differing from the URL's is a 400; a target that is not a
Node or has no name fails validation, which that storage returns as a plain error (500, no
reason); the pod itself is bound by `kubegate.registry.binding`. Success is a 201 `Status`.
The older collection `POST .../bindings` takes the pod name from the body and does the same.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.api import errors
from kubegate.api.errors import CAUSE_NOT_SUPPORTED, CAUSE_REQUIRED, FieldError
from kubegate.api.gotypes import OBJECT_META, STRING, Struct, first_type_error
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, check_kind, dry_run, read_object
from kubegate.endpoints.responses import value_response
from kubegate.endpoints.state import APIServer
from kubegate.registry import binding

KIND = "Binding"
OBJECT_REFERENCE = Struct("ObjectReference", {
    "kind": STRING, "namespace": STRING, "name": STRING, "uid": STRING, "apiVersion": STRING,
    "resourceVersion": STRING, "fieldPath": STRING,
})
SHAPE = Struct(KIND, {"metadata": OBJECT_META, "target": OBJECT_REFERENCE})
SUCCESS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def validate(body: dict[str, Any]) -> list[FieldError]:
    """ValidatePodBinding: the target is a Node (or names no kind) and has a name."""
    target = body.get("target") or {}
    problems = []
    kind = str(target.get("kind") or "")
    if kind and kind != "Node":
        problems.append(FieldError(CAUSE_NOT_SUPPORTED, "target.kind", 'supported values: "Node"', kind))
    if not target.get("name"):
        problems.append(FieldError(CAUSE_REQUIRED, "target.name"))
    return problems


def _aggregate(problems: list[FieldError]) -> str:
    """utilerrors.Aggregate's text: one error alone, several in brackets."""
    texts = [str(problem) for problem in problems]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


async def create_binding(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_object(request)
    check_kind(target.spec, body, expected_kind=KIND, expected_version="v1")
    error = first_type_error(body, SHAPE)
    if error is not None:
        raise errors.bad_request(f'{KIND} in version "v1" cannot be handled as a {KIND}: {error}')
    is_dry_run = dry_run(request.rel_url.query.getall("dryRun", []))
    metadata = body.get("metadata") or {}
    if metadata.get("namespace") and metadata["namespace"] != target.namespace:
        raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the request")
    name = str(metadata.get("name") or "")
    if target.subresource and name != target.name:
        raise errors.bad_request("name in URL does not match name in Binding object")
    problems = validate(body)
    if problems:
        # BindingREST returns the field errors as a plain error, which the server answers as 500
        raise errors.StatusError(500, "", _aggregate(problems))
    if not name:
        raise errors.bad_request("Name parameter required.")
    annotations = metadata.get("annotations")
    await binding.bind(
        server_of(request).rest, namespace=target.namespace, name=name, node=str(body["target"]["name"]),
        uid=str(metadata.get("uid") or ""), resource_version=str(metadata.get("resourceVersion") or ""),
        annotations={str(k): str(v) for k, v in annotations.items()} if isinstance(annotations, dict) else None,
        dry_run=is_dry_run,
    )
    return value_response(SUCCESS, target.accepted, status=201)


def install(state: APIServer) -> None:
    """Serve `pods/binding` and the `bindings` collection."""
    state.virtual_creates[("", "pods", "binding")] = create_binding
    state.virtual_creates[("", "bindings", "")] = create_binding
