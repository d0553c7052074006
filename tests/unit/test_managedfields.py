"""managedFields and server-side apply: ownership, conflicts and their FieldsV1, as tables.

Expected FieldsV1 documents are the shapes a 1.32 server stores for the same writes; the
conflict texts are k8s.io/apimachinery's (`getConflictMessage`, `printManager`).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kubegate.api.errors import StatusError
from kubegate.api.managedfields import scale
from kubegate.api.managedfields.compare import compare as compare_objects
from kubegate.api.managedfields.fieldmanager import FieldManager
from kubegate.api.managedfields.fieldpath import FieldSet, PathElement, path_string
from kubegate.api.managedfields.schema import UNTYPED_DEDUCED, TypeRef, TypeSchema
from kubegate.registry.builtin import BUILTIN_RESOURCES, PREFERRED_VERSIONS
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.openapi import OpenAPIV3

CATALOG = Catalog.build(BUILTIN_RESOURCES, preferred=PREFERRED_VERSIONS)
MANAGERS = FieldManagers(OpenAPIV3(resources=CATALOG, kubernetes_minor=32, git_version="v1.32.4"))


def manager_for(plural: str, group: str = "apps", subresource: str = "") -> FieldManager:
    spec = CATALOG.lookup(group, "v1", plural)
    assert spec is not None
    return MANAGERS.for_resource(spec, subresource)


DEPLOYMENTS = manager_for("deployments")


def web(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    for dotted, value in changes.items():
        node = obj
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return obj


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    """As the store keeps an object: with identity metadata the server sets."""
    out = copy.deepcopy(obj)
    out["metadata"].update(uid="u-1", resourceVersion="7", creationTimestamp="2024-05-01T10:00:00Z")
    return out


def entries(obj: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(manager, operation, subresource) -> fieldsV1."""
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
        for e in obj["metadata"].get("managedFields", [])
    }


def owned(obj: dict[str, Any], manager: str, operation: str = "Update") -> list[str]:
    fields = entries(obj).get((manager, operation, ""))
    return [] if fields is None else [path_string(p) for p in FieldSet.from_fields_v1(fields).paths()]


# -- field paths and FieldsV1 ------------------------------------------------------------------

FIELDS_V1 = {
    "f:metadata": {"f:finalizers": {".": {}, 'v:"a"': {}}, "f:labels": {".": {}, "f:app": {}}},
    "f:spec": {
        "f:args": {},
        "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}},
        "f:weird": {"i:0": {}, "i:10": {}},
    },
}


def test_fields_v1_round_trips_in_canonical_order() -> None:
    parsed = FieldSet.from_fields_v1(FIELDS_V1)
    assert parsed.to_fields_v1() == FIELDS_V1
    assert list(parsed.to_fields_v1()["f:spec"]) == ["f:args", "f:ports", "f:weird"]
    # a node's own members first, then what lies under them (fieldpath.Set.Iterate)
    assert [path_string(p) for p in parsed.paths()] == [
        ".metadata.finalizers", ".metadata.labels", '.metadata.finalizers[="a"]', ".metadata.labels.app",
        ".spec.args", '.spec.ports[containerPort=80,protocol="TCP"]',
        '.spec.ports[containerPort=80,protocol="TCP"].containerPort', ".spec.weird[0]", ".spec.weird[10]",
    ]


@pytest.mark.parametrize("bad", [[], {"x": {}}, {"f:a": 1}, {"k:[1]": {}}])
def test_malformed_fields_v1_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        FieldSet.from_fields_v1(bad)


def test_element_order_fields_keys_values_indices() -> None:
    elements = [PathElement.of_index(0), PathElement.of_value(1), PathElement.of_key({"name": "a"}),
                PathElement.field("z"), PathElement.of_value("a"), PathElement.field("a")]
    fields = FieldSet.of(*[(e,) for e in elements])
    assert list(fields.to_fields_v1()) == ["f:a", "f:z", 'k:{"name":"a"}', "v:1", 'v:"a"', "i:0"]


# -- updates -----------------------------------------------------------------------------------

CREATED_FIELDS = {
    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}}, "f:type": {}},
        "f:template": {
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {'k:{"name":"main"}': {
                ".": {}, "f:image": {}, "f:name": {},
                "f:ports": {".": {}, 'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}},
            }}},
        },
    },
}


def test_create_gives_the_creator_every_field_it_set() -> None:
    created = DEPLOYMENTS.update(None, stored(web()), "kubectl-create")
    [entry] = created["metadata"]["managedFields"]
    assert list(entry) == ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"], entry["fieldsType"]) == (
        "kubectl-create", "Update", "apps/v1", "FieldsV1"
    )
    assert entry["fieldsV1"] == CREATED_FIELDS


def test_an_update_moves_changed_fields_to_the_updater() -> None:
    live = DEPLOYMENTS.update(None, stored(web()), "creator")
    changed = DEPLOYMENTS.update(live, stored({**live, "spec": {**live["spec"], "replicas": 5}}), "scaler")
    assert owned(changed, "scaler") == [".spec.replicas"]
    assert ".spec.replicas" not in owned(changed, "creator")
    assert [e["manager"] for e in changed["metadata"]["managedFields"]] == ["creator", "scaler"]


def test_an_update_that_changes_nothing_records_nothing() -> None:
    live = DEPLOYMENTS.update(None, stored(web()), "creator")
    again = DEPLOYMENTS.update(live, copy.deepcopy(live), "someone-else")
    assert again["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_objects_never_tracked_start_tracking_on_apply_only() -> None:
    untracked = stored(web())
    assert "managedFields" not in DEPLOYMENTS.update(untracked, stored(web(spec__replicas=3)), "x")["metadata"]


@pytest.mark.parametrize("reset", [[], [{}]])
def test_managed_fields_can_be_reset(reset: list[Any]) -> None:
    live = DEPLOYMENTS.update(None, stored(web()), "creator")
    sent = copy.deepcopy(live)
    sent["metadata"]["managedFields"] = reset
    assert "managedFields" not in DEPLOYMENTS.update(live, sent, "x")["metadata"]


def test_status_is_not_owned_through_the_main_resource() -> None:
    live = DEPLOYMENTS.update(None, stored(web()), "creator")
    new = {**copy.deepcopy(live), "status": {"replicas": 3}}
    assert not any(p.startswith(".status") for p in owned(DEPLOYMENTS.update(live, new, "x"), "x"))


def test_more_than_ten_updaters_fold_into_ancient_changes() -> None:
    obj = DEPLOYMENTS.update(None, stored(web()), "m00")
    for n in range(1, 12):
        labels = {**obj["metadata"]["labels"], f"l{n}": "x"}
        changed = copy.deepcopy(obj)
        changed["metadata"]["labels"] = labels
        obj = DEPLOYMENTS.update(obj, changed, f"m{n:02d}")
    managers = [e["manager"] for e in obj["metadata"]["managedFields"]]
    assert len(managers) == 10 and "ancient-changes" in managers


# -- apply -------------------------------------------------------------------------------------


def apply(live: dict[str, Any] | None, config: dict[str, Any], manager: str, *, force: bool = False) -> dict[str, Any]:
    return DEPLOYMENTS.apply(live, config, manager, force=force)


def test_apply_owns_exactly_what_it_sets() -> None:
    created = apply(None, web(), "tool")
    fields = entries(created)[("tool", "Apply", "")]
    assert fields["f:spec"]["f:template"]["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"main"}']["."] == {}
    assert "apiVersion" not in str(fields) and "f:name" not in fields.get("f:metadata", {})


def test_apply_conflict_names_the_other_manager_and_the_field() -> None:
    live = stored(DEPLOYMENTS.update(None, stored(web()), "kubectl-client-side-apply"))
    with pytest.raises(StatusError) as caught:
        apply(live, web(spec__replicas=5), "tool")
    status = caught.value.to_status()
    assert status["code"] == 409 and status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )
    assert status["details"] == {"causes": [{
        "reason": "FieldManagerConflict",
        "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
        "field": ".spec.replicas",
    }]}


def test_several_conflicts_are_grouped_by_manager() -> None:
    live = stored(DEPLOYMENTS.update(None, stored(web()), "b-writer"))
    changed = copy.deepcopy(live)
    changed["metadata"]["labels"]["app"] = "other"
    live = DEPLOYMENTS.update(live, changed, "a-writer")
    config = web(spec__replicas=5)
    config["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    with pytest.raises(StatusError) as caught:
        apply(live, config, "tool")
    assert caught.value.message == (
        'Apply failed with 3 conflicts: conflicts with "a-writer" using apps/v1:\n'
        "- .metadata.labels.app\n"
        'conflicts with "b-writer" using apps/v1:\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="main"].image'
    )


def test_force_takes_the_fields() -> None:
    live = stored(DEPLOYMENTS.update(None, stored(web()), "creator"))
    forced = apply(live, web(spec__replicas=5), "tool", force=True)
    assert forced["spec"]["replicas"] == 5
    assert ".spec.replicas" in owned(forced, "tool", "Apply")
    assert ".spec.replicas" not in owned(forced, "creator")


def test_same_value_is_shared_not_a_conflict() -> None:
    live = stored(DEPLOYMENTS.update(None, stored(web()), "creator"))
    shared = apply(live, web(), "tool")
    assert ".spec.replicas" in owned(shared, "creator") and ".spec.replicas" in owned(shared, "tool", "Apply")


def test_fields_an_applier_stops_setting_are_removed_unless_someone_else_owns_them() -> None:
    first = stored(apply(None, web(), "tool"))
    dropped = apply(first, web(spec__replicas=None, metadata__labels=None), "tool")
    assert "replicas" not in dropped["spec"] and "labels" not in dropped["metadata"]
    co_owned = stored(apply(first, web(), "other"))
    kept = apply(co_owned, web(spec__replicas=None), "tool")
    assert kept["spec"]["replicas"] == 2


def test_containers_are_owned_by_key() -> None:
    first = stored(apply(None, web(), "tool"))
    two = web()
    two["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    both = stored(apply(first, two, "other"))
    assert [c["name"] for c in both["spec"]["template"]["spec"]["containers"]] == ["main", "side"]
    without_main = web()
    without_main["spec"]["template"]["spec"]["containers"] = [{"name": "side", "image": "busybox"}]
    # `tool` gives up main, which `other` still owns: main stays
    after = apply(both, without_main, "tool")
    assert [c["name"] for c in after["spec"]["template"]["spec"]["containers"]] == ["main", "side"]


def test_first_apply_to_an_untracked_object_credits_before_first_apply() -> None:
    applied = apply(stored(web()), web(spec__replicas=2), "tool")
    assert ".spec.strategy.type" in owned(applied, "before-first-apply")


def test_kubectl_is_forgiven_conflicts_its_last_applied_annotation_still_describes() -> None:
    last = web()
    live = stored(web())
    live["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(last)}
    live = stored(DEPLOYMENTS.update(None, live, "kubectl-client-side-apply"))
    out = apply(live, web(spec__replicas=9), "kubectl")
    assert out["spec"]["replicas"] == 9
    assert out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].startswith(
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels"'
    )
    with pytest.raises(StatusError):
        apply(live, web(spec__replicas=9), "not-kubectl")


def test_a_no_op_apply_by_a_new_manager_gets_no_time() -> None:
    live = stored(apply(None, web(), "tool"))
    again = apply(live, web(), "echo")
    entry = next(e for e in again["metadata"]["managedFields"] if e["manager"] == "echo")
    assert "time" not in entry


@pytest.mark.parametrize(
    ("config", "code", "message"),
    [
        ({**web(), "apiVersion": "apps/v1beta1"}, 400, "invalid object type: apps/v1beta1, Kind=Deployment"),
        ({**web(), "kind": "StatefulSet"}, 400, "invalid object type: apps/v1, Kind=StatefulSet"),
        ({"metadata": {"name": "web"}}, 400, "invalid object type: /, Kind="),
        (web(metadata__managedFields=[]), 400, "metadata.managedFields must be nil"),
        (web(spec__bogus=1), 500,
         "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema"),
        (web(spec__replicas="two"), 500,
         "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string"),
    ],
)
def test_bad_apply_configurations(config: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(StatusError) as caught:
        apply(None, config, "tool")
    assert (caught.value.code, caught.value.message) == (code, message)


def test_duplicate_keys_in_an_apply_configuration() -> None:
    config = web()
    config["spec"]["template"]["spec"]["containers"] *= 2
    with pytest.raises(StatusError) as caught:
        apply(None, config, "tool")
    assert caught.value.message.endswith(
        '.spec.template.spec.containers: duplicate entries for key [name="main"]'
    )


# -- scale -------------------------------------------------------------------------------------


def test_scale_sees_and_moves_replica_ownership() -> None:
    live = DEPLOYMENTS.update(None, stored(web()), "creator")
    view = scale.to_subresource(live["metadata"]["managedFields"])
    assert view is not None
    [entry] = view
    assert (entry["manager"], entry["apiVersion"], entry["fieldsV1"]) == (
        "creator", "autoscaling/v1", {"f:spec": {"f:replicas": {}}}
    )
    scales = manager_for("deployments", subresource="scale")
    old = {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web", "managedFields": view},
           "spec": {"replicas": 2}}
    new = scales.update(old, {**old, "spec": {"replicas": 5}}, "kubectl")
    parent = scale.to_parent(live["metadata"]["managedFields"], new["metadata"]["managedFields"],
                             parent_group_version="apps/v1")
    assert parent is not None
    by_manager = {(e["manager"], e.get("subresource", "")): e for e in parent}
    assert by_manager[("kubectl", "scale")]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert by_manager[("kubectl", "scale")]["apiVersion"] == "apps/v1"
    assert "f:replicas" not in by_manager[("creator", "")]["fieldsV1"]["f:spec"]


def test_compare_sees_a_number_become_a_boolean_inside_an_otherwise_equal_map() -> None:
    """Python finds {"a": 1} == {"a": True}; the comparison must not skip that map as unchanged."""
    ref = TypeRef(UNTYPED_DEDUCED)
    changed = compare_objects(TypeSchema({}), {"x": {"a": 1}}, {"x": {"a": True}}, ref)
    assert changed.modified.has((PathElement.field("x"), PathElement.field("a")))
    same = compare_objects(TypeSchema({}), {"x": {"a": 1}}, {"x": {"a": 1}}, ref)
    assert same.modified.empty() and same.added.empty() and same.removed.empty()
