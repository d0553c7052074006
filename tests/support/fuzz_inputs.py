"""Seeded random request parts for the HTTP fuzz test: bodies, query strings, paths, methods.

Everything draws from one `random.Random`, so a failing case is reproduced by its seed and
index. The vocabularies mix what real clients send (selectors, resource versions, patch
directives, protobuf envelopes) with the wrong types, odd encodings and garbage around them,
because the interesting answers live at that border.
"""

from __future__ import annotations

import copy
import random
from typing import Any
from urllib.parse import quote

import orjson
import yaml

from tests.support import protobuf_bodies

JSON, YAML, PROTOBUF = "application/json", "application/yaml", "application/vnd.kubernetes.protobuf"
PATCH_TYPES = (
    "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", "application/apply-patch+yaml",
)
ODD_MEDIA = ("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "", "*/*", "application/cbor")

KEYS = (
    "metadata", "spec", "status", "data", "name", "namespace", "labels", "annotations", "finalizers",
    "ownerReferences", "generateName", "resourceVersion", "uid", "replicas", "selector", "template",
    "containers", "image", "ports", "rules", "verbs", "apiGroups", "resources", "type", "stringData",
    "binaryData", "matchLabels", "deletionTimestamp", "managedFields", "$patch", "$retainKeys",
    "$setElementOrder/containers", "$deleteFromPrimitiveList/finalizers", "kind", "apiVersion", "x",
)
WORDS = (
    "", "a", "web", "main", "default", "delete", "replace", "merge", "v1", "apps/v1", "ConfigMap",
    "Deployment", "-bad-", "UPPER", "a" * 300, "ünï©ødé", "\x00", "null", "2024-01-01T00:00:00Z",
    "../..", "%2F", "kube-system", "system:masters",
)
NUMBERS = (0, 1, -1, 2**31, 2**63 - 1, -(2**63), 1.5, -0.0, 1e308)

#: YAML that exercises what YAML has and JSON lacks: tags, aliases, timestamps, odd keys.
YAML_ODDITIES = (
    "a: &x [1, 2]\nb: *x\n",
    "metadata: {name: when}\ndata: {k: 2024-01-01}\n",
    "!!binary aGVsbG8=\n",
    "? [a, b]\n: c\n",
    "{1: a, true: b, null: c, 1.5: d}\n",
    "!!set {a, b}\n",
    "metadata: !!map {name: x}\n",
    "data: !!python/object:os.system [ls]\n",
    "---\na: 1\n---\nb: 2\n",
    "a: .nan\nb: .inf\n",
    "\t- tab\n",
    "x: " + "[" * 200 + "]" * 200 + "\n",
    "a: &a [*a]\n",
    "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 5)).replace("*l0", "x"),
    "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)).replace("*l0", "lol"),
)

QUERY_VALUES: dict[str, tuple[str, ...]] = {
    "labelSelector": ("app=web", "app in (a,b)", "!app", "app notin (x)", "a==b,c!=d", "a=(", "==", "a=" + "b" * 100, "x,,y", "app=web=x", "😀"),
    "fieldSelector": ("metadata.name=web", "metadata.namespace!=default", "status.phase=Running", "spec.nodeName=", "bogus.field=x", "metadata.name", "=", "a=b=c"),
    "limit": ("1", "2", "0", "-1", "500", "x", "99999999999999999999", "1.5"),
    "continue": ("", "abc", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJhIn0", "!!!", "eyJ2IjoieCJ9", "e30"),
    "resourceVersion": ("", "0", "1", "999999999", "-5", "abc", "18446744073709551616"),
    "resourceVersionMatch": ("", "Exact", "NotOlderThan", "Bogus"),
    "watch": ("true", "1", "false", "yes", ""),
    "allowWatchBookmarks": ("true", "x"),
    "sendInitialEvents": ("true", "false", "x"),
    "timeoutSeconds": ("1", "0", "-1", "x", "99999999999999999999"),
    "dryRun": ("All", "all", "None", ""),
    "fieldManager": ("fuzz", "", "a" * 200, "\u00e9", "kubectl-client-side-apply"),
    "fieldValidation": ("Strict", "Warn", "Ignore", "bogus", ""),
    "force": ("true", "false", "x"),
    "propagationPolicy": ("Foreground", "Background", "Orphan", "Nope"),
    "gracePeriodSeconds": ("0", "30", "-1", "x"),
    "orphanDependents": ("true", "false", "x"),
    "pretty": ("true",),
    "includeObject": ("None", "Object", "Metadata", "x"),
}

PATH_SEGMENTS = (
    "api", "apis", "v1", "v2", "v1beta1", "apps", "namespaces", "default", "fuzz", "configmaps",
    "pods", "deployments", "secrets", "status", "scale", "log", "exec", "proxy", "token", "approval",
    "finalize", "eviction", "binding", "watch", "web", "..", ".", "%00", "%2F", "x" * 300, "ü",
    "openapi", "version", "healthz", "livez", "readyz", "rbac.authorization.k8s.io", "roles",
    "namespaces", "nodes", "serviceaccounts", "selfsubjectaccessreviews", "authorization.k8s.io",
    "customresourcedefinitions", "apiextensions.k8s.io", "", "events", "metrics",
)
METHODS = ("GET", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice([None, True, False, rng.choice(NUMBERS), rng.choice(WORDS), rng.choice(WORDS)])
    if roll < 0.55:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.65:
        return [{"name": rng.choice(WORDS), **obj(rng, depth + 1)} for _ in range(rng.randint(1, 2))]
    return obj(rng, depth + 1)


def obj(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    return {rng.choice(KEYS): value(rng, depth) for _ in range(rng.randint(0, 4))}


def mutate(rng: random.Random, seed: Any, rounds: int = 3) -> Any:
    """A copy of `seed` with a few subtrees replaced, dropped, retyped or added."""
    result = copy.deepcopy(seed)
    for _ in range(rounds):
        if not isinstance(result, dict) or rng.random() < 0.05:
            return value(rng)
        node: Any = result
        while isinstance(node, dict | list) and node and rng.random() < 0.6:
            child = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            if not isinstance(node[child], dict | list):
                break
            node = node[child]
        if isinstance(node, dict):
            action = rng.random()
            if node and action < 0.3:
                del node[rng.choice(list(node))]
            elif node and action < 0.7:
                node[rng.choice(list(node))] = value(rng, 2)
            else:
                node[rng.choice(KEYS)] = value(rng, 2)
        elif isinstance(node, list) and node:
            node[rng.randrange(len(node))] = value(rng, 2)
    return result


def deep_json(levels: int) -> bytes:
    """An object nested `levels` deep (orjson will not write more than 255 levels itself)."""
    return b'{"metadata":{"name":"deep"},"data":' + b'{"x":' * levels + b'"bottom"' + b"}" * (levels + 1)


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        position = rng.randrange(len(out) + 1)
        if roll < 0.35 and out:
            out[min(position, len(out) - 1)] = rng.randrange(256)
        elif roll < 0.55:
            del out[position:position + rng.randint(1, 8)]
        elif roll < 0.75:
            out[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        elif roll < 0.9:
            out = out[:position]
        else:  # a huge length prefix
            out[position:position] = b"\x0a\xff\xff\xff\xff\x0f"
    return bytes(out)


def body_for(rng: random.Random, seed: dict[str, Any]) -> tuple[bytes, str]:
    """A create/update body: the seed or a mutation of it, in some encoding, mangled or not."""
    roll = rng.random()
    candidate = seed if rng.random() < 0.3 else mutate(rng, seed)
    if roll < 0.35:
        data = orjson.dumps(candidate) if rng.random() < 0.9 else deep_json(rng.choice((50, 400, 900)))
        return (mutate_bytes(rng, data) if rng.random() < 0.15 else data), JSON
    if roll < 0.55:
        if rng.random() < 0.4:
            return rng.choice(YAML_ODDITIES).encode(), YAML
        return yaml.safe_dump(candidate).encode(), rng.choice((YAML, "application/x-yaml", "text/yaml"))
    if roll < 0.85:
        try:
            encoded = protobuf_bodies.body(seed)
        except KeyError:  # a kind without a protobuf message (custom resources): its JSON instead
            encoded = orjson.dumps(seed)
        return (encoded if rng.random() < 0.15 else mutate_bytes(rng, encoded)), PROTOBUF
    if roll < 0.93:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))), rng.choice((JSON, YAML, PROTOBUF))
    return orjson.dumps(candidate), rng.choice(ODD_MEDIA)


def patch_body(rng: random.Random, media: str) -> bytes:
    if rng.random() < 0.05:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 20)))
    if media == "application/json-patch+json":
        ops = [
            {"op": rng.choice(("add", "remove", "replace", "move", "copy", "test", "x")),
             "path": "/" + "/".join(rng.choice((*KEYS, "0", "-", "~1", "~2")) for _ in range(rng.randint(0, 3))),
             "from": rng.choice(("/metadata/labels", "/spec", "/nope", "")), "value": value(rng, 2)}
            for _ in range(rng.randint(0, 3))
        ]
        return orjson.dumps(ops if rng.random() < 0.9 else value(rng))
    document: Any = obj(rng) if rng.random() < 0.85 else value(rng)
    if media == "application/apply-patch+yaml":
        return (yaml.safe_dump(document) if rng.random() < 0.8 else rng.choice(YAML_ODDITIES)).encode()
    return orjson.dumps(document)


def query(rng: random.Random, *, names: tuple[str, ...] = tuple(QUERY_VALUES)) -> str:
    chosen = rng.sample(names, k=rng.randint(0, min(4, len(names))))
    pairs = [(name, rng.choice(QUERY_VALUES[name])) for name in chosen]
    if rng.random() < 0.1:
        pairs.append((rng.choice(("limit", "watch", "x", "")), rng.choice(WORDS)))  # repeated or odd
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def path(rng: random.Random) -> str:
    return "/" + "/".join(rng.choice(PATH_SEGMENTS) for _ in range(rng.randint(0, 7)))
