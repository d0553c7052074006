"""Custom resources over HTTPS: a CRD's whole life, from create to the removal of its objects.

One in-process server per test; the CRD is the docs' CronTab (`tests.support.crds`). The CRD
controllers run after the write that triggers them has been answered, as on a real cluster, so
a test waits for them (`settle()`) before it looks at their work.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.crds import CRDS, CRONTABS, GROUP, crontab, crontab_crd
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import count, watch_events

CRD_NAME = f"crontabs.{GROUP}"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


async def served(api: InProcessServer, admin: Identity, crd: dict[str, Any] | None = None) -> dict[str, Any]:
    created = await api.request("POST", CRDS, identity=admin, json=crd or crontab_crd())
    assert created.status == 201, created.text
    await api.state.settle()  # named, established and served
    got = await api.request("GET", f"{CRDS}/{created.body['metadata']['name']}", identity=admin)
    return dict(got.body)


def conditions(crd: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in crd["status"].get("conditions", [])}


async def test_a_created_crd_is_accepted_established_and_served(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", CRDS, identity=admin, json=crontab_crd())
    assert created.status == 201, created.text
    # the create answers before the controllers ran, as a real one does
    assert created.body["status"] == {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": ["v1"]}
    assert created.body["spec"]["conversion"] == {"strategy": "None"}
    assert created.body["spec"]["names"]["listKind"] == "CronTabList"
    await api.state.settle()
    crd = (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).body
    assert conditions(crd) == {"NamesAccepted": ("True", "NoConflicts"), "Established": ("True", "InitialNamesAccepted")}
    assert crd["status"]["acceptedNames"] == {
        "plural": "crontabs", "singular": "crontab", "shortNames": ["ct"], "kind": "CronTab", "listKind": "CronTabList",
    }  # fmt: skip

    legacy = (await api.request("GET", f"/apis/{GROUP}/v1", identity=admin)).body
    assert [(r["name"], r.get("shortNames"), r["verbs"]) for r in legacy["resources"]] == [
        ("crontabs", ["ct"], ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]),
        ("crontabs/status", None, ["get", "patch", "update"]),
        ("crontabs/scale", None, ["get", "patch", "update"]),
    ]
    groups = (await api.request("GET", "/apis", identity=admin)).body
    [group] = [g for g in groups["groups"] if g["name"] == GROUP]
    assert group["preferredVersion"] == {"groupVersion": f"{GROUP}/v1", "version": "v1"}
    aggregated = (await api.request("GET", "/apis", identity=admin, headers={"Accept": AGGREGATED})).body
    [item] = [i for i in aggregated["items"] if i["metadata"].get("name") == GROUP]
    [resource] = item["versions"][0]["resources"]
    assert resource["scope"] == "Namespaced" and resource["singularResource"] == "crontab"
    assert [s["subresource"] for s in resource["subresources"]] == ["status", "scale"]

    index = (await api.request("GET", "/openapi/v3", identity=admin)).body
    document = await api.request("GET", index["paths"][f"apis/{GROUP}/v1"]["serverRelativeURL"], identity=admin)
    schema = document.body["components"]["schemas"]["com.example.stable.v1.CronTab"]
    assert schema["x-kubernetes-group-version-kind"] == [{"group": GROUP, "kind": "CronTab", "version": "v1"}]
    assert schema["properties"]["spec"]["properties"]["image"]["description"] == "The container image to run."


async def test_custom_objects_crud_with_defaults_and_pruning(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    body = crontab("x", unknown="dropped")
    body["metadata"]["junk"] = "dropped too"
    created = await api.request("POST", CRONTABS, identity=admin, json=body)
    assert created.status == 201, created.text
    obj = created.body
    assert obj["spec"] == {"cronSpec": "* * * * */5", "image": "my-cron-image", "replicas": 1}
    assert "junk" not in obj["metadata"] and "status" not in obj
    assert obj["metadata"]["generation"] == 1

    listed = (await api.request("GET", CRONTABS, identity=admin)).body
    assert listed["kind"] == "CronTabList" and [i["metadata"]["name"] for i in listed["items"]] == ["x"]

    obj["spec"]["image"] = "other"
    updated = await api.request("PUT", f"{CRONTABS}/x", identity=admin, json=obj)
    assert updated.status == 200, updated.text
    assert updated.body["metadata"]["generation"] == 2

    deleted = await api.request("DELETE", f"{CRONTABS}/x", identity=admin)
    assert deleted.status == 200 and deleted.body["kind"] == "Status" and deleted.body["status"] == "Success"
    missing = await api.request("GET", f"{CRONTABS}/x", identity=admin)
    assert missing.status == 404
    assert missing.body["message"] == f'crontabs.{GROUP} "x" not found'


@pytest.mark.parametrize(
    ("spec", "causes"),
    [
        # the scale subresource's own check of specReplicasPath reports too, as on a real server
        ({"replicas": "three"}, [("FieldValueTypeInvalid", "spec.replicas",
                                  'Invalid value: "string": spec.replicas in body must be of type integer: "string"'),
                                 ("FieldValueInvalid", ".spec.replicas",
                                  ("Invalid value: 0: .spec.replicas accessor error: three is of the type string, "
                                  "expected int64"))]),
        ({"replicas": 11}, [("FieldValueInvalid", "spec.replicas",
                             "Invalid value: 11: spec.replicas in body should be less than or equal to 10")]),
        ({"color": "pink"}, [("FieldValueNotSupported", "spec.color",
                              'Unsupported value: "pink": supported values: "red", "blue"')]),
        ({"cronSpec": None}, [("FieldValueRequired", "spec.cronSpec", "Required value")]),
    ],
)  # fmt: skip
async def test_invalid_objects_get_the_real_causes(
    api: InProcessServer, admin: Identity, spec: dict[str, Any], causes: list[tuple[str, str, str]]
) -> None:
    await served(api, admin)
    body = crontab("bad", **spec)
    body["spec"] = {k: v for k, v in body["spec"].items() if v is not None}
    answer = await api.request("POST", CRONTABS, identity=admin, json=body)
    assert answer.status == 422, answer.text
    assert [(c["reason"], c["field"], c["message"]) for c in answer.body["details"]["causes"]] == causes
    shown = ", ".join(f"{field}: {message}" for _, field, message in causes)
    shown = f"[{shown}]" if len(causes) > 1 else shown
    assert answer.body["message"] == f'CronTab.{GROUP} "bad" is invalid: {shown}'


async def test_status_and_spec_are_written_apart(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    obj = (await api.request("POST", CRONTABS, identity=admin, json=crontab("x"))).body
    with_status = {**obj, "status": {"replicas": 2, "labelSelector": "app=x"}}
    ignored = await api.request("PUT", f"{CRONTABS}/x", identity=admin, json=with_status)
    assert ignored.status == 200 and "status" not in ignored.body
    status = await api.request("PUT", f"{CRONTABS}/x/status", identity=admin, json={**with_status, "spec": {"cronSpec": "1 * * * *"}})
    assert status.status == 200, status.text
    assert status.body["status"] == {"replicas": 2, "labelSelector": "app=x"}
    assert status.body["spec"]["cronSpec"] == "* * * * */5" and status.body["metadata"]["generation"] == 1
    bad = await api.request("PATCH", f"{CRONTABS}/x/status", identity=admin, json={"status": {"replicas": "2"}},
                            headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert bad.status == 422
    assert bad.body["details"]["causes"][0]["field"] == "status.replicas"


async def test_scale_subresource_reads_and_writes_the_declared_paths(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x", replicas=2))
    await api.request("PATCH", f"{CRONTABS}/x/status", identity=admin,
                      json={"status": {"replicas": 2, "labelSelector": "app=cron"}},
                      headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    scale = await api.request("GET", f"{CRONTABS}/x/scale", identity=admin)
    assert scale.status == 200, scale.text
    assert scale.body["kind"] == "Scale" and scale.body["apiVersion"] == "autoscaling/v1"
    assert (scale.body["spec"], scale.body["status"]) == ({"replicas": 2}, {"replicas": 2, "selector": "app=cron"})
    patched = await api.request("PATCH", f"{CRONTABS}/x/scale", identity=admin, json={"spec": {"replicas": 5}},
                                headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert patched.status == 200 and patched.body["spec"] == {"replicas": 5}
    obj = (await api.request("GET", f"{CRONTABS}/x", identity=admin)).body
    assert obj["spec"]["replicas"] == 5 and obj["metadata"]["generation"] == 2
    too_many = await api.request("PATCH", f"{CRONTABS}/x/scale", identity=admin, json={"spec": {"replicas": 50}},
                                 headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert too_many.status == 422
    assert too_many.body["details"]["causes"][0]["message"] == (
        "Invalid value: 50: spec.replicas in body should be less than or equal to 10"
    )


async def test_strategic_merge_patch_is_refused_with_415(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x"))
    answer = await api.request("PATCH", f"{CRONTABS}/x", identity=admin, json={"spec": {"image": "y"}},
                               headers={"Content-Type": "application/strategic-merge-patch+json"})  # fmt: skip
    assert answer.status == 415
    assert answer.body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )


async def test_tables_print_the_printer_columns(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x", replicas=3))
    await api.request("PATCH", f"{CRONTABS}/x/status", identity=admin,
                      json={"status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}},
                      headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    table = (await api.request("GET", CRONTABS, identity=admin, headers={"Accept": TABLE})).body
    assert [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", 0), ("Spec", "string", 0), ("Replicas", "integer", 0), ("Ready", "string", 0),
        ("Image", "string", 1), ("Age", "date", 0),
    ]  # fmt: skip
    [row] = table["rows"]
    assert row["cells"][:5] == ["x", "* * * * */5", 3, "True", "my-cron-image"]
    assert table["columnDefinitions"][1]["description"] == "Custom resource definition column (in JSONPath format): .spec.cronSpec"


async def test_without_printer_columns_a_table_is_name_and_age(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin, crontab_crd(columns=False))
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x"))
    table = (await api.request("GET", CRONTABS, identity=admin, headers={"Accept": TABLE})).body
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [("Name", "string"), ("Age", "date")]


async def test_field_selectors_know_only_metadata_and_selectable_fields(api: InProcessServer, admin: Identity) -> None:
    crd = crontab_crd()
    crd["spec"]["versions"][0]["selectableFields"] = [{"jsonPath": ".spec.color"}]
    await served(api, admin, crd)
    for name, color in (("a", "red"), ("b", "blue")):
        await api.request("POST", CRONTABS, identity=admin, json=crontab(name, color=color))
    by_name = (await api.request("GET", f"{CRONTABS}?fieldSelector=metadata.name%3Da", identity=admin)).body
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["a"]
    by_color = (await api.request("GET", f"{CRONTABS}?fieldSelector=spec.color%3Dblue", identity=admin)).body
    assert [i["metadata"]["name"] for i in by_color["items"]] == ["b"]
    unknown = await api.request("GET", f"{CRONTABS}?fieldSelector=spec.image%3Dx", identity=admin)
    assert unknown.status == 400 and unknown.body["message"] == "field label not supported: spec.image"


async def test_watch_sees_custom_objects(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    start = (await api.request("GET", CRONTABS, identity=admin)).body["metadata"]["resourceVersion"]
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x"))
    await api.request("DELETE", f"{CRONTABS}/x", identity=admin)
    events = await watch_events(api, admin, f"{CRONTABS}?watch=true&resourceVersion={start}", until=count(2))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "x"), ("DELETED", "x")]


async def test_updating_the_crd_changes_what_is_served(api: InProcessServer, admin: Identity) -> None:
    crd = await served(api, admin)
    crd["spec"]["versions"][0]["additionalPrinterColumns"] = [{"name": "Color", "type": "string", "jsonPath": ".spec.color"}]
    v2 = {**crd["spec"]["versions"][0], "name": "v2", "storage": False}
    crd["spec"]["versions"].append(v2)
    updated = await api.request("PUT", f"{CRDS}/{CRD_NAME}", identity=admin, json=crd)
    assert updated.status == 200, updated.text
    assert updated.body["metadata"]["generation"] == 2
    await api.state.settle()
    groups = (await api.request("GET", f"/apis/{GROUP}", identity=admin)).body
    assert [v["version"] for v in groups["versions"]] == ["v2", "v1"]
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x", color="red"))
    table = (await api.request("GET", CRONTABS, identity=admin, headers={"Accept": TABLE})).body
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Color"]
    assert table["rows"][0]["cells"] == ["x", "red"]


async def test_a_name_conflict_is_not_accepted(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    other = crontab_crd()
    other["metadata"]["name"] = f"crontabz.{GROUP}"
    other["spec"]["names"] = {"plural": "crontabz", "singular": "crontabz", "kind": "CronTab", "shortNames": ["ctz"]}
    crd = await served(api, admin, other)
    # kind, then listKind: the last conflict found is the one reported, as the naming controller does
    assert conditions(crd) == {"NamesAccepted": ("False", "ListKindConflict"), "Established": ("False", "NotAccepted")}
    message = next(c for c in crd["status"]["conditions"] if c["type"] == "NamesAccepted")["message"]
    assert message == '"CronTabList" is already in use'
    assert crd["status"]["acceptedNames"] == {"plural": "crontabz", "singular": "crontabz", "shortNames": ["ctz"], "kind": ""}
    missing = await api.request("GET", f"/apis/{GROUP}/v1/namespaces/default/crontabz", identity=admin)
    assert missing.status == 404


async def test_deleting_the_crd_deletes_its_objects_then_itself(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    await api.request("POST", CRONTABS, identity=admin, json=crontab("x"))
    start = (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).body["metadata"]["resourceVersion"]
    deleted = await api.request("DELETE", f"{CRDS}/{CRD_NAME}", identity=admin)
    assert deleted.status == 200, deleted.text
    assert deleted.body["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    assert conditions(deleted.body)["Terminating"] == ("True", "InstanceDeletionPending")
    await api.state.settle()
    assert (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).status == 404
    assert (await api.request("GET", CRONTABS, identity=admin)).status == 404
    assert (await api.request("GET", f"/apis/{GROUP}/v1", identity=admin)).status == 404
    index = (await api.request("GET", "/openapi/v3", identity=admin)).body
    assert f"apis/{GROUP}/v1" not in index["paths"]
    events = await watch_events(api, admin, f"{CRDS}?watch=true&resourceVersion={start}", until=lambda e: e[-1]["type"] == "DELETED")
    reasons = [conditions(e["object"]).get("Terminating") for e in events]
    assert reasons == [("True", "InstanceDeletionPending"), ("True", "InstanceDeletionInProgress"),
                       ("False", "InstanceDeletionCompleted"), ("False", "InstanceDeletionCompleted")]  # fmt: skip


async def test_objects_held_by_finalizers_keep_the_crd_terminating(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    held = crontab("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await api.request("POST", CRONTABS, identity=admin, json=held)
    await api.request("DELETE", f"{CRDS}/{CRD_NAME}", identity=admin)
    await api.state.settle()
    crd = (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).body
    assert conditions(crd)["Terminating"] == ("True", "InstanceDeletionInProgress")
    refused = await api.request("POST", CRONTABS, identity=admin, json=crontab("new"))
    assert refused.status == 403
    assert refused.body["message"] == (
        f'crontabs.{GROUP} "new" is forbidden: create not allowed while custom resource definition is terminating'
    )
    obj = (await api.request("GET", f"{CRONTABS}/held", identity=admin)).body
    assert obj["metadata"]["deletionTimestamp"]
    await api.request("PATCH", f"{CRONTABS}/held", identity=admin, json={"metadata": {"finalizers": None}},
                      headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    await api.state.settle()
    assert (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).status == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda crd: crd["metadata"].update(name="nope.stable.example.com"),
         'metadata.name: Invalid value: "nope.stable.example.com": must be spec.names.plural+"."+spec.group'),
        (lambda crd: crd["spec"]["versions"][0].update(storage=False),
         "must have exactly one version marked as storage version"),
        (lambda crd: crd["spec"].update(scope="Global"),
         'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'),
        (lambda crd: crd["spec"]["versions"][0].pop("schema"), "spec.versions[0].schema.openAPIV3Schema: Required value"),
        (lambda crd: crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"].update(x={}),
         ("spec.validation.openAPIV3Schema.properties[spec].properties[x].type: Required value: "
         "must not be empty for specified object fields")),
    ],
)  # fmt: skip
async def test_invalid_crds_get_the_real_messages(api: InProcessServer, admin: Identity, change: Any, message: str) -> None:
    crd = crontab_crd()
    change(crd)
    answer = await api.request("POST", CRDS, identity=admin, json=crd)
    assert answer.status == 422, answer.text
    assert answer.body["reason"] == "Invalid"
    assert message in answer.body["message"]


async def test_a_crd_can_be_served_on_two_servers_at_once(start_server: StartServer, admin: Identity) -> None:
    """Custom resources are per server: nothing leaks between in-process servers."""
    first, second = await start_server(), await start_server()
    await served(first, admin)
    assert (await second.request("GET", CRONTABS, identity=admin)).status == 404
    assert (await first.request("GET", CRONTABS, identity=admin)).status == 200


async def test_cluster_scoped_custom_resources(api: InProcessServer, admin: Identity) -> None:
    crd = crontab_crd(subresources=False, columns=False, short_names=())
    crd["spec"]["scope"] = "Cluster"
    await served(api, admin, crd)
    base = f"/apis/{GROUP}/v1/crontabs"
    created = await api.request("POST", base, identity=admin, json=crontab("global"))
    assert created.status == 201, created.text
    assert "namespace" not in created.body["metadata"]
    assert (await api.request("GET", f"/apis/{GROUP}/v1/namespaces/default/crontabs", identity=admin)).status == 404
    refused = await api.request("GET", f"{base}?fieldSelector=metadata.namespace%3Ddefault", identity=admin)
    assert refused.status == 400 and refused.body["message"] == "field label not supported: metadata.namespace"
    # without a status subresource a status change is an ordinary change: generation moves
    obj = {**created.body, "status": {"replicas": 1}}
    updated = await api.request("PUT", f"{base}/global", identity=admin, json=obj)
    assert updated.body["status"] == {"replicas": 1} and updated.body["metadata"]["generation"] == 2


async def test_a_dry_run_delete_of_a_crd_changes_nothing(api: InProcessServer, admin: Identity) -> None:
    await served(api, admin)
    answer = await api.request("DELETE", f"{CRDS}/{CRD_NAME}?dryRun=All", identity=admin)
    assert answer.status == 200, answer.text
    assert answer.body["metadata"]["deletionTimestamp"]
    live = (await api.request("GET", f"{CRDS}/{CRD_NAME}", identity=admin)).body
    assert "deletionTimestamp" not in live["metadata"] and "finalizers" not in live["metadata"]
    assert (await api.request("GET", CRONTABS, identity=admin)).status == 200
