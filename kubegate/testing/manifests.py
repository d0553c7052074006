"""`Server.apply`: create or update objects from YAML, through the API as the cluster admin.

Each object is sent as a server-side apply (force, field manager `kubegate-testing`), so
applying the same manifests twice updates rather than fails, and admission, validation and
defaulting run as for any client. Kinds are resolved through the server's catalog; a kind that
a CustomResourceDefinition earlier in the same manifests introduces is found once the server
has settled.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import quote

import orjson
import yaml

from kubegate.endpoints.state import APIServer
from kubegate.registry.spec import ResourceSpec

FIELD_MANAGER = "kubegate-testing"
APPLY_PATCH = "application/apply-patch+yaml"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

#: YAML text, a file or directory of manifests, an object, or a sequence of any of these.
Manifests: TypeAlias = str | os.PathLike[str] | Mapping[str, Any] | Sequence["Manifests"]

#: (method, path, body, content type) -> (status, decoded JSON body)
Send = Callable[[str, str, bytes, str], Awaitable[tuple[int, Any]]]


class ApplyError(RuntimeError):
    """An object could not be applied; the message says which one and the server's answer."""


def documents(source: Manifests) -> Iterator[dict[str, Any]]:
    """The objects in `source`, in order (`kind: List` items unpacked, empty documents skipped)."""
    if isinstance(source, Mapping):
        yield from _unpack(dict(source), origin="object")
    elif isinstance(source, (str, os.PathLike)):
        path = _as_path(source)
        if path is None:
            yield from _parse(str(source), origin="manifest text")
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.suffix in MANIFEST_SUFFIXES:
                    yield from _parse(child.read_text(), origin=str(child))
        else:
            yield from _parse(path.read_text(), origin=str(path))
    else:
        for item in source:
            yield from documents(item)


def _as_path(source: str | os.PathLike[str]) -> Path | None:
    """A path, unless `source` is YAML text (it has a line break or a `key: value`)."""
    if not isinstance(source, str):
        return Path(source)
    if "\n" in source or ": " in source or source.lstrip().startswith(("{", "[")):
        return None
    return Path(source)


def _parse(text: str, *, origin: str) -> Iterator[dict[str, Any]]:
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ApplyError(f"{origin}: not valid YAML: {exc}") from None
    for index, document in enumerate(loaded):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ApplyError(f"{origin}: document {index + 1} is not an object")
        yield from _unpack(document, origin=f"{origin} (document {index + 1})")


def _unpack(document: dict[str, Any], *, origin: str) -> Iterator[dict[str, Any]]:
    if str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
        for item in document.get("items") or []:
            yield from _unpack(item, origin=origin)
        return
    if not document.get("apiVersion") or not document.get("kind"):
        raise ApplyError(f"{origin}: an object needs apiVersion and kind")
    yield document


async def apply_manifests(state: APIServer, send: Send, source: Manifests) -> list[dict[str, Any]]:
    """Apply every object of `source` in order; the objects as the server stored them."""
    applied = []
    for document in documents(source):
        spec = await _resource_of(state, document)
        applied.append(await _apply_one(send, spec, document))
    return applied


async def _resource_of(state: APIServer, document: dict[str, Any]) -> ResourceSpec:
    group, _, version = str(document["apiVersion"]).rpartition("/")
    kind = str(document["kind"])
    spec = state.catalog.by_kind(group, version, kind)
    if spec is None:
        await state.settle(horizon=0)  # a CustomResourceDefinition applied just before
        spec = state.catalog.by_kind(group, version, kind)
    if spec is None:
        raise ApplyError(f'no kind "{kind}" is served in version "{document["apiVersion"]}"')
    return spec


async def _apply_one(send: Send, spec: ResourceSpec, document: dict[str, Any]) -> dict[str, Any]:
    metadata = document.get("metadata") or {}
    name = str(metadata.get("name") or "")
    collection = _collection_path(spec, str(metadata.get("namespace") or "default"))
    body = orjson.dumps(document)
    if name:
        query = f"?fieldManager={FIELD_MANAGER}&force=true"
        status, answer = await send("PATCH", f"{collection}/{quote(name, safe='')}{query}", body, APPLY_PATCH)
    else:  # generateName: only a create can name it
        status, answer = await send("POST", f"{collection}?fieldManager={FIELD_MANAGER}", body, "application/json")
    if status >= 400:
        message = answer.get("message") if isinstance(answer, dict) else answer
        raise ApplyError(f'{spec.kind} "{name or metadata.get("generateName", "")}": {message}')
    return dict(answer)


def _collection_path(spec: ResourceSpec, namespace: str) -> str:
    prefix = f"/apis/{spec.group}/{spec.version}" if spec.group else f"/api/{spec.version}"
    if spec.namespaced:
        return f"{prefix}/namespaces/{quote(namespace, safe='')}/{spec.plural}"
    return f"{prefix}/{spec.plural}"
