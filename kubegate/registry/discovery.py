"""Discovery documents, legacy and aggregated, built from the catalog.

kubectl 1.32 asks `/api` and `/apis` for aggregated discovery (apidiscovery.k8s.io/v2) and
recognises it only by the response Content-Type; older clients and `kubectl auth can-i` read
the legacy per-group-version `APIResourceList`s. Both forms come from the same rows and are
cached as bytes until the catalog changes (a CRD is added or removed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from kubegate.registry.catalog import Catalog, GroupInfo
from kubegate.registry.spec import ResourceSpec

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def _group_version(group: str, version: str) -> dict[str, str]:
    return {"groupVersion": f"{group}/{version}" if group else version, "version": version}


def _api_group(info: GroupInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "versions": [_group_version(info.name, v) for v in info.versions],
        "preferredVersion": _group_version(info.name, info.preferred),
    }


def _legacy_resource(spec: ResourceSpec) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": spec.plural,
        "singularName": spec.singular,
        "namespaced": spec.namespaced,
        "kind": spec.kind,
        "verbs": list(spec.verbs),
    }
    if spec.short_names:
        entry["shortNames"] = list(spec.short_names)
    if spec.categories:
        entry["categories"] = list(spec.categories)
    entries = [entry]
    for sub in spec.subresources:
        sub_entry: dict[str, Any] = {
            "name": f"{spec.plural}/{sub.name}",
            "singularName": "",
            "namespaced": spec.namespaced,
        }
        if sub.group or sub.version:
            sub_entry["group"] = sub.group
            sub_entry["version"] = sub.version
        sub_entry["kind"] = sub.kind or spec.kind
        sub_entry["verbs"] = list(sub.verbs)
        entries.append(sub_entry)
    return entries


def _aggregated_resource(spec: ResourceSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": spec.plural,
        "responseKind": {"group": spec.group, "version": spec.version, "kind": spec.kind},
        "scope": "Namespaced" if spec.namespaced else "Cluster",
        "singularResource": spec.singular,
        "verbs": list(spec.verbs),
    }
    if spec.short_names:
        entry["shortNames"] = list(spec.short_names)
    if spec.categories:
        entry["categories"] = list(spec.categories)
    if spec.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": {
                    "group": sub.group if sub.kind else spec.group,
                    "version": sub.version if sub.kind else spec.version,
                    "kind": sub.kind or spec.kind,
                },
                "verbs": list(sub.verbs),
            }
            for sub in spec.subresources
        ]
    return entry


class Discovery:
    def __init__(self, catalog: Catalog, *, server_address: Callable[[], str]) -> None:
        self._catalog = catalog
        self._server_address = server_address
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._generation = -1

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        if self._generation != self._catalog.generation:
            self._cache.clear()
            self._generation = self._catalog.generation
        raw = self._cache.get(key)
        if raw is None:
            raw = self._cache[key] = orjson.dumps(build())
        return raw

    def api_versions(self) -> bytes:
        return self._cached(("api",), lambda: {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self._server_address()}
            ],
        })

    def api_group_list(self) -> bytes:
        return self._cached(("apis",), lambda: {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [_api_group(g) for g in self._catalog.groups() if g.name],
        })

    def api_group(self, group: str) -> bytes | None:
        info = next((g for g in self._catalog.groups() if g.name == group and group), None)
        if info is None:
            return None
        return self._cached(("group", group), lambda: {"kind": "APIGroup", "apiVersion": "v1", **_api_group(info)})

    def resource_list(self, group: str, version: str) -> bytes | None:
        if not self._catalog.has_group_version(group, version):
            return None

        def build() -> dict[str, Any]:
            resources = [e for s in self._catalog.resources_of(group, version) for e in _legacy_resource(s)]
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version,
                "resources": resources,
            }

        return self._cached(("resources", group, version), build)

    def aggregated(self, *, core: bool, api_version: str = "apidiscovery.k8s.io/v2") -> bytes:
        def build() -> dict[str, Any]:
            items = []
            for info in self._catalog.groups():
                if (info.name == "") != core:
                    continue
                versions = [
                    {
                        "version": version,
                        "resources": [_aggregated_resource(s) for s in self._catalog.resources_of(info.name, version)],
                        "freshness": "Current",
                    }
                    for version in info.versions
                ]
                metadata = {"name": info.name, "creationTimestamp": None} if info.name else {"creationTimestamp": None}
                items.append({"metadata": metadata, "versions": versions})
            return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}

        return self._cached(("aggregated", core, api_version), build)
