"""How a CRD is served: printer columns and their JSONPath, names, version order, Go values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubegate.registry.customresources.columns import cell, printer_columns, table_columns
from kubegate.registry.customresources.govalues import go_float, go_sharp_v
from kubegate.registry.customresources.jsonpath import JSONPathError, compile_path
from kubegate.registry.customresources.naming import accept_names
from kubegate.registry.customresources.resources import specs_for, version_priority
from tests.support.crds import crontab_crd

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
DOC: dict[str, Any] = {
    "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "cron"}},
    "spec": {"replicas": 3, "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 81}]},
    "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (".spec.replicas", [3]),
        ("{.spec.replicas}", [3]),
        (".spec.missing", []),
        (".spec.ports[1].port", [81]),
        (".spec.ports[-1].name", ["b"]),
        (".spec.ports[*].name", ["a", "b"]),
        (".spec.ports[0:1].name", ["a"]),
        ('.status.conditions[?(@.type=="Ready")].status', ["True"]),
        (".status.conditions[?(@.type!='Ready')].type", ["Synced"]),
        (".spec.ports[?(@.port>80)].name", ["b"]),
        (".metadata.labels['app.kubernetes.io/name']", ["cron"]),
        ("..port", [80, 81]),
    ],
)
def test_jsonpath(path: str, found: list[Any]) -> None:
    assert compile_path(path).find(DOC) == found


@pytest.mark.parametrize("path", [".spec[", "spec!", ".spec.ports[?(@.a ~ 1)]"])
def test_jsonpath_errors(path: str) -> None:
    with pytest.raises(JSONPathError):
        compile_path(path)


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("string", "abc", "abc"),
        ("string", 3, "3"),
        ("string", 2.5, "2.5"),
        ("string", {"a": 1}, '{"a":1}'),
        ("string", True, "true"),
        ("integer", 3.9, 3),
        ("integer", "3", None),
        ("number", 2, 2.0),
        ("boolean", True, True),
        ("boolean", "true", None),
        ("date", "2024-01-01T11:55:00Z", "5m"),
        ("date", "not a time", "<invalid>"),
        ("integer", None, None),
    ],
)
def test_cells_follow_the_column_type(kind: str, value: Any, shown: Any) -> None:
    assert cell(kind, value, NOW) == shown


def test_columns_default_to_age_and_otherwise_are_as_declared() -> None:
    assert [(c.name, c.type) for c in table_columns(printer_columns({}))] == [("Name", "string"), ("Age", "date")]
    declared = printer_columns(crontab_crd()["spec"]["versions"][0])
    columns = table_columns(declared)
    assert [(c.name, c.type, c.priority) for c in columns] == [
        ("Name", "string", 0), ("Spec", "string", 0), ("Replicas", "integer", 0), ("Ready", "string", 0),
        ("Image", "string", 1), ("Age", "date", 0),
    ]  # fmt: skip
    obj = {**DOC, "spec": {**DOC["spec"], "cronSpec": "* * * * *", "image": "busybox"}}
    obj["metadata"] = {**DOC["metadata"], "creationTimestamp": "2024-01-01T10:00:00Z"}
    assert [c.getter(obj, NOW) for c in columns] == ["x", "* * * * *", 3, "True", "busybox", "120m"]


def named(plural: str, kind: str, accepted: dict[str, Any] | None = None) -> dict[str, Any]:
    crd = crontab_crd()
    crd["metadata"]["name"] = f"{plural}.stable.example.com"
    crd["spec"]["names"] = {"plural": plural, "singular": plural.rstrip("s"), "kind": kind, "listKind": f"{kind}List"}
    crd["status"] = {"acceptedNames": accepted or {}}
    return crd


def test_names_are_accepted_unless_another_crd_of_the_group_holds_them() -> None:
    holder = named("crontabs", "CronTab", {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "listKind": "CronTabList"})
    fresh = named("widgets", "Widget")
    names, accepted, established = accept_names(fresh, [holder, fresh])
    assert (accepted.status, accepted.reason, accepted.message) == ("True", "NoConflicts", "no conflicts found")
    assert (established.status, established.reason) == ("True", "InitialNamesAccepted")
    assert names == {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"}
    clash = named("crontabs2", "Other")
    clash["spec"]["names"]["singular"] = "crontab"
    names, accepted, established = accept_names(clash, [holder, clash])
    assert (accepted.status, accepted.reason, accepted.message) == ("False", "SingularConflict", '"crontab" is already in use')
    assert (established.status, established.reason) == ("False", "NotAccepted")
    assert "singular" not in names and names["plural"] == "crontabs2"


def test_served_versions_become_rows_in_kube_version_order() -> None:
    crd = crontab_crd()
    base = crd["spec"]["versions"][0]
    crd["spec"]["versions"] = [
        {**base, "name": "v1beta1", "storage": False},
        {**base, "name": "v1", "storage": True},
        {**base, "name": "v1alpha1", "storage": False, "served": False},
    ]
    crd["status"] = {"acceptedNames": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]}}
    specs = specs_for(crd)
    assert [s.version for s in specs] == ["v1beta1", "v1"]
    assert [s.name for s in specs[0].subresources] == ["status", "scale"]
    assert specs[0].short_names == ("ct",) and specs[0].custom_resource and specs[0].namespaced
    ordered = sorted(["v1", "foo", "v2beta1", "v1alpha2", "v10", "v1beta2", "v1beta1", "v2"], key=version_priority)
    assert ordered == ["v10", "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha2", "foo"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3.0, "3"), (2.5, "2.5"), (1e20, "100000000000000000000"), (1e21, "1e+21"), (1e-5, "1e-05"), (0.0001, "0.0001")],
)
def test_go_float(value: float, shown: str) -> None:
    assert go_float(value) == shown


def test_go_sharp_v() -> None:
    assert go_sharp_v({"b": [1, "x", None], "a": True}) == (
        'map[string]interface {}{"a":true, "b":[]interface {}{1, "x", interface {}(nil)}}'
    )
