"""Where each resource lives in storage: the real apiserver's etcd key layout.

kube-apiserver stores a built-in resource under its plural (`/registry/configmaps/NS/NAME`,
`/registry/clusterroles/NAME`) with a few historical exceptions kept here as data; resources
served by the apiextensions and aggregation servers (CRDs, custom resources, APIServices) live
under `GROUP/PLURAL`. Backends add their own prefix (`--etcd-prefix`, default `/registry`).
"""

from __future__ import annotations

#: (api group, plural): a resource's identity in storage, independent of its served version.
ResourceKey = tuple[str, str]
#: (namespace, name); the namespace is "" for cluster-scoped objects.
ObjectKey = tuple[str, str]

#: kube-apiserver's DefaultResourcePrefixes: built-ins not stored under their plural.
PREFIX_OVERRIDES: dict[ResourceKey, str] = {
    ("", "replicationcontrollers"): "controllers",
    ("", "endpoints"): "services/endpoints",
    ("", "nodes"): "minions",
    ("", "services"): "services/specs",
    ("networking.k8s.io", "ingresses"): "ingress",
    ("extensions", "ingresses"): "ingress",
}

#: Groups whose resources are stored as GROUP/PLURAL (not served by kube-apiserver's own registry).
GROUP_QUALIFIED = frozenset({"apiextensions.k8s.io", "apiregistration.k8s.io"})


def prefix_of(resource: ResourceKey, *, custom: bool = False) -> str:
    """The key prefix of a resource (no leading or trailing slash)."""
    group, plural = resource
    override = PREFIX_OVERRIDES.get(resource)
    if override is not None:
        return override
    if custom or group in GROUP_QUALIFIED:
        return f"{group}/{plural}"
    return plural


def object_key(prefix: str, key: ObjectKey) -> str:
    namespace, name = key
    return f"{prefix}/{namespace}/{name}" if namespace else f"{prefix}/{name}"


def collection_prefix(prefix: str, namespace: str = "") -> str:
    """What every key of the collection (or of one namespace of it) starts with."""
    return f"{prefix}/{namespace}/" if namespace else f"{prefix}/"


class KeyParser:
    """Splits a storage key back into (prefix, ObjectKey), knowing the prefixes in use."""

    def __init__(self, prefixes: set[str]) -> None:
        self._prefixes = set(prefixes)

    def add(self, prefix: str) -> None:
        self._prefixes.add(prefix)

    def split(self, key: str) -> tuple[str, ObjectKey] | None:
        parts = key.split("/")
        best = 0
        for size in range(1, min(len(parts), 4)):
            if "/".join(parts[:size]) in self._prefixes:
                best = size
        if not best:
            # Unknown yet: a custom resource (its group has a dot) or a plain plural.
            best = 2 if "." in parts[0] and len(parts) > 2 else 1
        rest = parts[best:]
        if len(rest) == 1:
            return "/".join(parts[:best]), ("", rest[0])
        if len(rest) == 2:
            return "/".join(parts[:best]), (rest[0], rest[1])
        return None
