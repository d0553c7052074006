"""ConfigMaps and Secrets: key names, size, per-type required keys, and immutability.

Keys become file names when mounted, so both kinds take only config keys
(`data[bad key]: Invalid value: "bad key": a valid config key must consist of ...`). A Secret's
type decides which keys it must hold and may not change; anything marked `immutable` keeps
its data (and the mark) for good.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from kubegate.api.mergepatch import go_kind
from kubegate.registry.validation import names
from kubegate.registry.validation.field import (
    IMMUTABLE,
    Errors,
    forbidden,
    invalid,
    key,
    mapping,
    required,
    text,
    too_long,
)

MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"
REDACTED = "<secret contents redacted>"

#: Secret type -> keys it must have (any one of a group), checked in this order.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
}
#: Secret type -> the key holding JSON that must parse.
JSON_KEYS = {"kubernetes.io/dockercfg": ".dockercfg", "kubernetes.io/dockerconfigjson": ".dockerconfigjson"}


def _keys(entries: Any, path: str) -> Errors:
    return [
        invalid(key(path, name), name, message)
        for name in mapping(entries)
        for message in names.config_map_key_errors(name)
    ]


def _decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(text(value)))
    except (binascii.Error, ValueError):
        return len(text(value))


def validate_config_map(obj: Any) -> Errors:
    data, binary = mapping(obj.get("data")), mapping(obj.get("binaryData"))
    problems = _keys(data, "data")
    problems += [invalid(key("data", name), name, "duplicate of key present in binaryData")
                 for name in data if name in binary]
    problems += _keys(binary, "binaryData")
    size = sum(len(text(v).encode()) for v in data.values()) + sum(_decoded_size(v) for v in binary.values())
    if size > MAX_SECRET_SIZE:
        problems.append(too_long("", MAX_SECRET_SIZE))
    return problems


def validate_secret(obj: Any) -> Errors:
    data = mapping(obj.get("data"))
    problems = _keys(data, "data")
    if sum(_decoded_size(v) for v in data.values()) > MAX_SECRET_SIZE:
        problems.append(too_long("data", MAX_SECRET_SIZE))
    kind = text(obj.get("type"))
    if kind == "kubernetes.io/service-account-token":
        if not text(mapping(mapping(obj.get("metadata")).get("annotations")).get(SERVICE_ACCOUNT_NAME)):
            problems.append(required(key("metadata.annotations", SERVICE_ACCOUNT_NAME)))
    elif kind in JSON_KEYS:
        name = JSON_KEYS[kind]
        if name not in data:
            problems.append(required(key("data", name)))
        else:
            problem = _json_error(data[name])
            if problem:
                problems.append(invalid(key("data", name), REDACTED, problem))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            problems += [required(key("data", "username")), required(key("data", "password"))]
    elif kind == "kubernetes.io/ssh-auth":
        if not text(data.get("ssh-privatekey")):
            problems.append(required(key("data", "ssh-privatekey")))
    elif kind == "kubernetes.io/tls":
        problems += [required(key("data", name)) for name in REQUIRED_KEYS[kind] if name not in data]
    return problems


def _json_error(encoded: Any) -> str:
    """encoding/json's complaint about the decoded bytes, if they are not a JSON object."""
    try:
        raw = base64.b64decode(text(encoded)).decode()
    except (binascii.Error, ValueError):
        return "invalid character looking for beginning of value"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(raw.rstrip()):
            return "unexpected end of JSON input"
        return f"invalid character {go_rune(raw[exc.pos])} looking for beginning of value"
    if isinstance(value, dict):
        return ""
    return f"json: cannot unmarshal {go_kind(value)} into Go value of type map[string]interface {{}}"


def go_rune(char: str) -> str:
    """Go's %q of a rune, as encoding/json quotes the offending character."""
    return "'\\''" if char == "'" else f"'{char}'"


def _immutable(obj: Any, old: Any, fields: tuple[str, ...]) -> Errors:
    if old.get("immutable") is not True:
        return []
    problems: Errors = []
    if obj.get("immutable") is not True:
        problems.append(forbidden("immutable", IMMUTABLE_WHEN_SET))
    problems += [forbidden(name, IMMUTABLE_WHEN_SET) for name in fields if obj.get(name) != old.get(name)]
    return problems


def validate_config_map_update(obj: Any, old: Any) -> Errors:
    return [*_immutable(obj, old, ("data", "binaryData")), *validate_config_map(obj)]


def validate_secret_update(obj: Any, old: Any) -> Errors:
    problems: Errors = []
    if text(obj.get("type")) != text(old.get("type")):
        problems.append(invalid("type", text(obj.get("type")), IMMUTABLE))
    return [*problems, *_immutable(obj, old, ("data",)), *validate_secret(obj)]
