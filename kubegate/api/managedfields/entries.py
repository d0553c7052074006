"""`metadata.managedFields` entries: reading them, writing them, and naming their managers.

A manager is identified by the JSON of its entry's identifying fields (manager, operation,
apiVersion for updates, subresource), exactly as k8s.io/apimachinery's
`BuildManagerIdentifier` marshals them, so two updates by one manager through different
versions or subresources stay separate entries while an applier has one entry whatever the
version. Entries are written in the real order: Apply before Update, then by time, manager,
apiVersion and subresource.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubegate.api import meta
from kubegate.api.gofmt import go_quote
from kubegate.api.managedfields.fieldpath import FieldSet
from kubegate.api.managedfields.updater import ManagerSets, VersionedSet
from kubegate.api.managedfields.values import FieldsError, go_json

APPLY = "Apply"
UPDATE = "Update"
FIELDS_V1 = "FieldsV1"


@dataclass
class Managed:
    """Decoded managedFields: each manager's fields, and when it last changed them."""

    sets: ManagerSets = field(default_factory=dict)
    times: dict[str, str | None] = field(default_factory=dict)


@functools.lru_cache(maxsize=1024)
def identity(manager: str, operation: str, *, api_version: str = "", subresource: str = "") -> str:
    entry: dict[str, str] = {}
    if manager:
        entry["manager"] = manager
    if operation:
        entry["operation"] = operation
    if api_version and operation != APPLY:
        entry["apiVersion"] = api_version
    if subresource:
        entry["subresource"] = subresource
    return go_json(entry)


def parse_identity(ident: str) -> dict[str, str]:
    parsed = json.loads(ident)
    return parsed if isinstance(parsed, dict) else {}


#: entries already decoded, by their JSON: every update decodes the live object's managedFields,
#: and its patched or re-sent copy, which seldom change (field sets are never changed once read)
_DECODED: dict[bytes, Managed] = {}
_DECODED_LIMIT = 256


def decode(entries: Any) -> Managed:
    """DecodeManagedFields; ValueError with the real message for an entry it cannot read."""
    if not entries:
        return _decode(entries)
    try:
        key = orjson.dumps(entries)
    except TypeError:
        return _decode(entries)
    known = _DECODED.get(key)
    if known is None:
        known = _decode(entries)
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        _DECODED[key] = known
    return Managed(dict(known.sets), dict(known.times))  # callers may change the dicts


def _decode(entries: Any) -> Managed:
    managed = Managed()
    if entries is None:
        return managed
    if not isinstance(entries, list):
        raise FieldsError("managedFields must be a list")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise FieldsError(f"managed fields entry {index} must be an object")
        operation = entry.get("operation")
        if operation not in (APPLY, UPDATE):
            raise FieldsError("operation must be `Apply` or `Update`")
        api_version = entry.get("apiVersion")
        if not isinstance(api_version, str) or not api_version:
            raise FieldsError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType") or ""
        if fields_type == "":
            raise FieldsError(f"missing fieldsType in managed fields entry {index}")
        if fields_type != FIELDS_V1:
            raise FieldsError(f"invalid fieldsType {go_quote(str(fields_type))} in managed fields entry {index}")
        manager = entry.get("manager") or ""
        subresource = entry.get("subresource") or ""
        if not isinstance(manager, str) or not isinstance(subresource, str):
            raise FieldsError(f"managed fields entry {index} has a non-string manager or subresource")
        key = identity(manager, operation, api_version=api_version, subresource=subresource)
        fields = entry.get("fieldsV1")
        managed.sets[key] = VersionedSet(
            FieldSet.from_fields_v1(fields if fields is not None else {}), api_version, operation == APPLY
        )
        time = entry.get("time")
        managed.times[key] = time if isinstance(time, str) else None
    return managed


def encode(managed: Managed) -> list[dict[str, Any]] | None:
    """The entries to store, sorted; None when nobody manages anything."""
    if not managed.sets:
        return None
    out = []
    for key, owned in managed.sets.items():
        ident = parse_identity(key)
        entry: dict[str, Any] = {}
        if ident.get("manager"):
            entry["manager"] = ident["manager"]
        entry["operation"] = APPLY if owned.applied else ident.get("operation", UPDATE)
        entry["apiVersion"] = owned.api_version
        time = managed.times.get(key)
        if time:
            entry["time"] = time
        entry["fieldsType"] = FIELDS_V1
        entry["fieldsV1"] = owned.fields.to_fields_v1()
        if ident.get("subresource"):
            entry["subresource"] = ident["subresource"]
        out.append(entry)
    if len(out) > 1:  # (the order's key parses times)
        out.sort(key=_order)
    return out


def _order(entry: dict[str, Any]) -> tuple[str, int, str, str, str]:
    return (
        entry["operation"],
        _seconds(entry.get("time", "")) if entry.get("time") else 0,
        entry.get("manager", ""),
        entry.get("apiVersion", ""),
        entry.get("subresource", ""),
    )


@functools.lru_cache(maxsize=1024)
def _seconds(time: str) -> int:
    """An entry's time as Unix seconds (0 when unreadable); the same few times sort every write."""
    moment = meta.parse_time(time)
    return int(moment.timestamp()) if moment is not None else 0


def now() -> str:
    return meta.format_time(meta.now())


def printable(ident: str) -> str:
    """printManager: how a conflict names a manager (`"kubectl" using apps/v1`)."""
    try:
        entry = parse_identity(ident)
    except ValueError:
        return go_quote(ident)
    text = go_quote(entry.get("manager", ""))
    if entry.get("subresource"):
        text += f" with subresource {go_quote(entry['subresource'])}"
    if entry.get("operation") == UPDATE:
        text += f" using {entry.get('apiVersion', '')}"
    return text
