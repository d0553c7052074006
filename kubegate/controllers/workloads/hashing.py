"""The pod-template hash that names a Deployment's ReplicaSets (`web-5d8f7c9b6d`).

Upstream hashes the pod template (and the Deployment's `collisionCount`, when set) with 32-bit
FNV-1a and spells the number's decimal digits with the consonants-and-digits alphabet of
`rand.SafeEncodeString`, so the label looks like `5d8f7c9b6d` and never forms words. kubegate
does the same over the template's canonical JSON (sorted keys): not byte-identical to Go's
object dump, but stable across processes and restarts, which is what matters — the same
template always finds the same ReplicaSet, and `kubectl rollout undo` finds its way back.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

#: the label (and selector key) carrying the hash on ReplicaSets and their pods
POD_TEMPLATE_HASH = "pod-template-hash"
#: rand.SafeEncodeString's alphabet: no vowels, no 0/1/3 that read as letters
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv32a(data: bytes) -> int:
    value = _FNV_OFFSET
    for byte in data:
        value ^= byte
        value = (value * _FNV_PRIME) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each byte picks a letter of the alphabet."""
    return "".join(_ALPHABET[ord(char) % len(_ALPHABET)] for char in text)


def without_hash_label(template: dict[str, Any]) -> dict[str, Any]:
    """The template as the Deployment holds it: its ReplicaSet's copy minus the hash label."""
    metadata = template.get("metadata") or {}
    labels = metadata.get("labels") or {}
    if POD_TEMPLATE_HASH not in labels:
        return template
    stripped = copy.deepcopy(template)
    rest = {key: value for key, value in labels.items() if key != POD_TEMPLATE_HASH}
    if rest:
        stripped["metadata"]["labels"] = rest
    else:
        del stripped["metadata"]["labels"]
    return stripped


def pod_template_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The hash of a Deployment's pod template, at most 10 characters."""
    data = orjson.dumps(without_hash_label(template), option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += collision_count.to_bytes(4, "little", signed=False)
    return safe_encode(str(fnv32a(data)))


def _normalized(template: dict[str, Any]) -> bytes:
    template = without_hash_label(template)
    metadata = {key: value for key, value in (template.get("metadata") or {}).items() if value not in (None, {}, [])}
    body = {**template, "metadata": metadata}
    if not metadata:
        del body["metadata"]
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def equal_ignore_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True if two pod templates differ at most in their hash label (EqualIgnoreHash)."""
    return _normalized(a) == _normalized(b)
