"""Server-side printing: ages as kubectl shows them, rows with their metadata."""

from __future__ import annotations

import pytest

from kubegate.registry.spec import ResourceSpec
from kubegate.registry.tables import DEFAULT_COLUMNS, build_table, columns_of, human_duration
from tests.support.builtin_specs import builtin_spec


@pytest.mark.parametrize(
    "seconds,text",
    [
        (-5, "<invalid>"),
        (-0.5, "0s"),
        (0, "0s"),
        (45, "45s"),
        (119, "119s"),
        (120, "2m"),
        (310, "5m10s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 25 * 60, "3h25m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (2 * 86400, "2d"),
        (2 * 86400 + 5 * 3600, "2d5h"),
        (8 * 86400, "8d"),
        (400 * 86400, "400d"),
        (2 * 365 * 86400, "2y"),
        (3 * 365 * 86400 + 20 * 86400, "3y20d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_rows_carry_partial_object_metadata() -> None:
    obj = {"metadata": {"name": "a", "namespace": "ns", "labels": {"x": "y"}, "creationTimestamp": "2020-01-01T00:00:00Z"}}
    table = build_table([obj], DEFAULT_COLUMNS, resource_version="7")
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]  # the default convertor
    assert table["rows"][0]["cells"][0] == "a"
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }
    assert table["metadata"] == {"resourceVersion": "7"}


def test_custom_resources_without_printer_columns_get_name_and_age() -> None:
    widgets = ResourceSpec(group="example.com", version="v1", kind="Widget", plural="widgets", singular="widget",
                           namespaced=True, custom_resource=True)
    assert [(c.name, c.type) for c in columns_of(widgets)] == [("Name", "string"), ("Age", "date")]
    assert [c.name for c in columns_of(builtin_spec("rbac.authorization.k8s.io", "roles"))] == ["Name", "Created At"]
