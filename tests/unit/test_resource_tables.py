"""Every per-resource table is keyed like a `ResourceSpec` and names only served resources.

What kubegate knows about a resource beyond its row in `registry/builtin.py` (strategy, delete
strategy, printer columns, selectable fields, conversions, validation, zero status, skeletons,
scale) lives in tables keyed by `ResourceSpec.resource_key` (group, plural) or, for facts that
differ between versions, `ResourceSpec.version_key` (group, version, plural). A key that names no
served resource (a typo, a kind where a plural belongs, a row left behind by a removed resource)
would be silently ignored at run time; here it fails. "Served" means served by some release
from 1.27 to 1.35 (flowcontrol's betas only by the older ones, resource.k8s.io by the newer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kubegate.endpoints.virtual.scale import SCALABLE
from kubegate.registry.builtin import ALL_BUILTIN_RESOURCES, preferred_versions
from kubegate.registry.catalog import Catalog
from kubegate.registry.conversion import CONVERSIONS
from kubegate.registry.delete_strategy import DELETE_STRATEGIES
from kubegate.registry.printers import (
    PRINTERS,
    ROW_CONDITIONS,
    ROW_ORDER,
    cluster,
    core,
    networking,
    storage,
    workloads,
)
from kubegate.registry.selectable_fields import SELECTABLE_FIELDS
from kubegate.registry.skeletons import SKELETONS
from kubegate.registry.strategy import STRATEGIES
from kubegate.registry.validation import RULES
from kubegate.registry.zerostatus import ZERO_STATUS

#: The catalog as kubegate/server/app.py builds it, with the rows of every supported release.
CATALOG = Catalog.build(ALL_BUILTIN_RESOURCES, preferred=preferred_versions(ALL_BUILTIN_RESOURCES))
SERVED_RESOURCES = frozenset(spec.resource_key for spec in CATALOG)
SERVED_VERSIONS = frozenset(spec.version_key for spec in CATALOG)

#: tables keyed by (group, plural): one row for every served version of a resource
RESOURCE_TABLES: dict[str, Mapping[Any, Any]] = {
    "strategy.STRATEGIES": STRATEGIES,
    "delete_strategy.DELETE_STRATEGIES": DELETE_STRATEGIES,
    "printers.PRINTERS": PRINTERS,
    "printers.core.PRINTERS": core.PRINTERS,
    "printers.workloads.PRINTERS": workloads.PRINTERS,
    "printers.networking.PRINTERS": networking.PRINTERS,
    "printers.storage.PRINTERS": storage.PRINTERS,
    "printers.cluster.PRINTERS": cluster.PRINTERS,
    "printers.ROW_CONDITIONS": ROW_CONDITIONS,
    "printers.ROW_ORDER": ROW_ORDER,
    "selectable_fields.SELECTABLE_FIELDS": SELECTABLE_FIELDS,
    "validation.RULES": RULES,
    "skeletons.SKELETONS": SKELETONS,
    "endpoints.virtual.scale.SCALABLE": SCALABLE,
}
#: tables keyed by (group, version, plural): the fact differs between served versions
VERSION_TABLES: dict[str, Mapping[Any, Any]] = {
    "conversion.CONVERSIONS": CONVERSIONS,
    "zerostatus.ZERO_STATUS": ZERO_STATUS,
}


@pytest.mark.parametrize("name", RESOURCE_TABLES)
def test_every_key_names_a_served_resource(name: str) -> None:
    keys = list(RESOURCE_TABLES[name])
    assert all(isinstance(key, tuple) and len(key) == 2 for key in keys), "keys are (group, plural)"
    assert [key for key in keys if key not in SERVED_RESOURCES] == []


@pytest.mark.parametrize("name", VERSION_TABLES)
def test_every_key_names_a_served_version(name: str) -> None:
    keys = list(VERSION_TABLES[name])
    assert all(isinstance(key, tuple) and len(key) == 3 for key in keys), "keys are (group, version, plural)"
    assert [key for key in keys if key not in SERVED_VERSIONS] == []


def test_the_catalog_serves_every_builtin_row() -> None:
    # the guard above is only as good as the catalog it checks against
    assert SERVED_VERSIONS == {spec.version_key for spec in ALL_BUILTIN_RESOURCES}


def test_conversions_store_in_a_served_version_of_the_same_kind() -> None:
    for served, conversion in CONVERSIONS.items():
        storage = CATALOG.lookup(conversion.storage_group, conversion.storage_version, conversion.storage_plural)
        assert storage is not None, served
        assert storage.kind == conversion.kind == CATALOG.lookup(*served).kind  # type: ignore[union-attr]
        assert storage.version_key not in CONVERSIONS, "a storage version is not converted again"


def test_scale_is_served_exactly_where_a_row_has_the_scale_subresource() -> None:
    with_scale = {spec.resource_key for spec in CATALOG if spec.subresource("scale") is not None}
    assert set(SCALABLE) == with_scale


def test_the_merged_printer_table_holds_every_family() -> None:
    families = (core.PRINTERS, workloads.PRINTERS, networking.PRINTERS, storage.PRINTERS, cluster.PRINTERS)
    merged = sum(len(family) for family in families)
    assert len(PRINTERS) == merged + 1  # pods' columns live in printers.pods
    assert all(key in PRINTERS for family in families for key in family)
