"""Publishing established CRDs: catalog rows, strategies, scale storages and OpenAPI schemas.

The real server's CRD handler, discovery controller and OpenAPI controllers each watch CRDs;
here one `publish` call takes every CRD that should be served and makes the server agree:
the catalog (and so URLs and both discovery forms) lists exactly their served versions,
each version's objects get its strategy, `/scale` is wired where declared, and the OpenAPI v3
documents carry each version's schema (so `kubectl explain` and apply's field validation see
it). Groups are rebuilt whole, their versions in Kubernetes' priority order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from kubegate.registry.catalog import Catalog
from kubegate.registry.customresources import definition
from kubegate.registry.customresources.resources import specs_for, version_priority
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.customresources")

Obj = dict[str, Any]
#: (group, plural, subresource) -> a subresource storage; scale storages are built from a CRD's
#: `subresources.scale` by the function the server passes in (it lives with the endpoints).
SubresourceStorages = MutableMapping[tuple[str, str, str], Any]


class Serving:
    def __init__(
        self,
        *,
        rest: GenericStore,
        catalog: Catalog,
        openapi: OpenAPIV3,
        subresources: SubresourceStorages,
        make_scale: Callable[[Obj], Any],
    ) -> None:
        self._rest = rest
        self.catalog = catalog
        self._openapi = openapi
        self._subresources = subresources
        self._make_scale = make_scale
        self._builtin_groups = {spec.group for spec in catalog if not spec.custom_resource}
        #: what was published last: group -> its rows
        self._published: dict[str, list[ResourceSpec]] = {}
        self._documented: tuple[list[ResourceSpec], dict[tuple[str, str, str], Obj]] = ([], {})

    def publish(self, crds: Iterable[Obj]) -> None:
        """Serve exactly the established CRDs among `crds` (all CRDs there are)."""
        rows: dict[str, list[ResourceSpec]] = {}
        strategies: dict[tuple[str, str, str], Any] = {}
        scales: dict[tuple[str, str, str], Any] = {}
        schemas: dict[tuple[str, str, str], Obj] = {}
        for crd in crds:
            if not definition.is_true(crd, definition.ESTABLISHED):
                continue
            group = definition.group_of(crd)
            if group in self._builtin_groups:
                log.warning("not serving %s: group %s is built in", crd["metadata"]["name"], group)
                continue
            # custom resources' strategies (schema validation, pruning, CEL rules) are imported
            # by the first established CRD, not at start-up
            from kubegate.registry.customresources.cr_strategy import strategy_for_version

            for spec in specs_for(crd):
                version = definition.version_of(crd, spec.version) or {}
                rows.setdefault(group, []).append(spec)
                strategies[spec.version_key] = strategy_for_version(version)
                if (schema := definition.schema_of(version)) is not None:
                    schemas[(spec.group, spec.version, spec.kind)] = schema
                if (scale := definition.scale_of(version)) is not None:
                    scales[(spec.group, spec.plural, "scale")] = self._make_scale(scale)
        self._update_catalog(rows)
        self._rest.strategies.clear()
        self._rest.strategies.update(strategies)
        for key in [k for k in self._subresources if k[2] == "scale" and (k[0], k[1]) in self._served_keys()]:
            del self._subresources[key]
        self._subresources.update(scales)
        self._published = rows
        extra = [spec for group_rows in rows.values() for spec in group_rows]
        if (extra, schemas) != self._documented:
            # rebuilding the documents is not free: only when what they describe changed
            self._documented = (extra, schemas)
            self._openapi.set_extra_resources(extra, schemas)

    def _served_keys(self) -> set[tuple[str, str]]:
        return {(spec.group, spec.plural) for group_rows in self._published.values() for spec in group_rows}

    def _update_catalog(self, rows: dict[str, list[ResourceSpec]]) -> None:
        for group, old in self._published.items():
            if rows.get(group) != old:
                for version in {spec.version for spec in old}:
                    self.catalog.remove_group_version(group, version)
        for group, new in rows.items():
            if self._published.get(group) == new:
                continue
            for spec in sorted(new, key=lambda s: (version_priority(s.version), s.plural)):
                self.catalog.add(spec)
