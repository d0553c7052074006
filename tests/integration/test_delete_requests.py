"""DELETE over HTTPS: options from body or query, preconditions, dry runs, graceful pods."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import Event, seen, watch_events

CMS = "/api/v1/namespaces/default/configmaps"
PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
CONTAINERS = {"containers": [{"name": "c", "image": "nginx"}]}


async def create(api: InProcessServer, admin: Identity, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", path, identity=admin, json=body)
    assert response.status == 201, response.text
    created: dict[str, Any] = response.body
    return created


async def watch_one(api: InProcessServer, admin: Identity, collection: str, name: str, since: str) -> list[Event]:
    """The events of one object from `since` until it is DELETED."""
    path = f"{collection}?watch=true&fieldSelector=metadata.name%3D{name}&resourceVersion={since}"
    return await asyncio.wait_for(watch_events(api, admin, path, until=seen("DELETED")), timeout=10)


async def test_preconditions_that_do_not_hold_are_conflicts(api: InProcessServer, admin: Identity) -> None:
    cm = await create(api, admin, CMS, {"metadata": {"name": "guarded"}})
    uid, version = cm["metadata"]["uid"], cm["metadata"]["resourceVersion"]
    wrong_uid = await api.request("DELETE", f"{CMS}/guarded", identity=admin, json={"preconditions": {"uid": "x"}})
    assert wrong_uid.status == 409 and wrong_uid.body["message"] == (
        f'Operation cannot be fulfilled on ConfigMap "guarded": the UID in the precondition (x) does not match '
        f"the UID in record ({uid}). The object might have been deleted and then recreated"
    )
    stale = await api.request("DELETE", f"{CMS}/guarded", identity=admin, json={"preconditions": {"resourceVersion": "1"}})
    assert stale.status == 409 and stale.body["message"].endswith(
        f"the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({version}). "
        "The object might have been modified"
    )
    matching = {"preconditions": {"uid": uid, "resourceVersion": version}}
    assert (await api.request("DELETE", f"{CMS}/guarded", identity=admin, json=matching)).status == 200


async def test_invalid_options_are_422_and_bad_types_400(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, CMS, {"metadata": {"name": "kept"}})
    both = await api.request("DELETE", f"{CMS}/kept", identity=admin, json={"orphanDependents": True, "propagationPolicy": "Orphan"})
    assert both.status == 422 and both.body["reason"] == "Invalid"
    assert both.body["message"] == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": '
        "orphanDependents and deletionPropagation cannot be both set"
    )
    in_query = await api.request("DELETE", f"{CMS}/kept?propagationPolicy=Sideways", identity=admin)
    assert in_query.status == 422 and 'Unsupported value: "Sideways"' in in_query.body["message"]
    typed = await api.request("DELETE", f"{CMS}/kept", identity=admin, json={"gracePeriodSeconds": "soon"})
    assert typed.status == 400 and typed.body["message"].startswith("json: cannot unmarshal string")
    garbled = await api.request("DELETE", f"{CMS}/kept", identity=admin, data=b"{not json", headers={"Content-Type": "application/json"})
    assert garbled.status == 400
    assert (await api.request("GET", f"{CMS}/kept", identity=admin)).status == 200


async def test_query_options_count_only_without_a_body(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, CMS, {"metadata": {"name": "q", "finalizers": ["example.com/hold"]}})
    with_body = await api.request("DELETE", f"{CMS}/q?propagationPolicy=Orphan&dryRun=All", identity=admin, json={"dryRun": ["All"]})
    assert with_body.body["metadata"]["finalizers"] == ["example.com/hold"]  # the body won: no policy
    by_query = await api.request("DELETE", f"{CMS}/q?propagationPolicy=Orphan&dryRun=All", identity=admin)
    assert by_query.body["metadata"]["finalizers"] == ["example.com/hold", "orphan"]


async def test_dry_run_deletes_answer_as_if_done_and_store_nothing(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, CMS, {"metadata": {"name": "plain"}})
    answer = await api.request("DELETE", f"{CMS}/plain", identity=admin, json={"dryRun": ["All"]})
    assert answer.status == 200 and answer.body["status"] == "Success"
    workload = {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": CONTAINERS}}
    await create(api, admin, DEPLOYS, {"metadata": {"name": "web"}, "spec": workload})
    foreground = await api.request("DELETE", f"{DEPLOYS}/web?dryRun=All&propagationPolicy=Foreground", identity=admin)
    assert foreground.body["metadata"]["finalizers"] == ["foregroundDeletion"]
    await create(api, admin, PODS, {"metadata": {"name": "bound"}, "spec": {**CONTAINERS, "nodeName": "n1"}})
    pod = await api.request("DELETE", f"{PODS}/bound", identity=admin, json={"dryRun": ["All"], "gracePeriodSeconds": 7})
    assert pod.body["metadata"]["deletionGracePeriodSeconds"] == 7
    for path in (f"{CMS}/plain", f"{DEPLOYS}/web", f"{PODS}/bound"):
        live = await api.request("GET", path, identity=admin)
        assert live.status == 200 and "deletionTimestamp" not in live.body["metadata"], path


async def test_dry_run_deletecollection_lists_what_it_would_delete(api: InProcessServer, admin: Identity) -> None:
    for name in ("x1", "x2"):
        await create(api, admin, CMS, {"metadata": {"name": name, "labels": {"batch": "x"}}})
    answer = await api.request("DELETE", f"{CMS}?labelSelector=batch%3Dx&dryRun=All", identity=admin)
    assert answer.status == 200 and answer.body["kind"] == "ConfigMapList"
    assert sorted(i["metadata"]["name"] for i in answer.body["items"]) == ["x1", "x2"]
    left = (await api.request("GET", f"{CMS}?labelSelector=batch%3Dx", identity=admin)).body
    assert len(left["items"]) == 2
    really = await api.request("DELETE", f"{CMS}?labelSelector=batch%3Dx", identity=admin)
    assert sorted(i["metadata"]["name"] for i in really.body["items"]) == ["x1", "x2"]
    assert (await api.request("GET", f"{CMS}?labelSelector=batch%3Dx", identity=admin)).body["items"] == []


async def test_a_bound_pod_terminates_for_its_grace_period(api: InProcessServer, admin: Identity) -> None:
    pod = await create(api, admin, PODS, {"metadata": {"name": "slow"}, "spec": {**CONTAINERS, "nodeName": "n1"}})
    answer = await api.request("DELETE", f"{PODS}/slow", identity=admin, json={"gracePeriodSeconds": 1})
    assert answer.status == 200
    assert answer.body["metadata"]["deletionGracePeriodSeconds"] == 1 and answer.body["metadata"]["deletionTimestamp"]
    still = await api.request("GET", f"{PODS}/slow", identity=admin)
    assert still.status == 200 and still.body["metadata"]["deletionTimestamp"]
    again = await api.request("DELETE", f"{PODS}/slow", identity=admin, json={"gracePeriodSeconds": 30})
    assert again.body["metadata"]["deletionGracePeriodSeconds"] == 1  # only shorter grace periods count
    events = await watch_one(api, admin, PODS, "slow", pod["metadata"]["resourceVersion"])
    # the deletion began; a second later the kubelet's stand-in deletes it with grace 0 (an
    # update to grace 0, then the removal, as the real registry writes a graceless delete)
    assert [e["type"] for e in events] == ["MODIFIED", "MODIFIED", "DELETED"]
    assert events[1]["object"]["metadata"]["deletionGracePeriodSeconds"] == 0


async def test_an_unscheduled_pod_goes_at_once_after_a_last_update(api: InProcessServer, admin: Identity) -> None:
    # a scheduler nobody runs keeps it unscheduled, as on any cluster
    spec = {**CONTAINERS, "schedulerName": "nobody"}
    pod = await create(api, admin, PODS, {"metadata": {"name": "pending"}, "spec": spec})
    answer = await api.request("DELETE", f"{PODS}/pending", identity=admin, json={"propagationPolicy": "Background"})
    assert answer.status == 200 and answer.body["metadata"]["deletionGracePeriodSeconds"] == 0
    assert (await api.request("GET", f"{PODS}/pending", identity=admin)).status == 404
    events = await watch_one(api, admin, PODS, "pending", pod["metadata"]["resourceVersion"])
    assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]  # as the real registry writes it


async def test_force_deletion_of_a_terminating_pod_is_immediate(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, PODS, {"metadata": {"name": "stuck"}, "spec": {**CONTAINERS, "nodeName": "n1"}})
    await api.request("DELETE", f"{PODS}/stuck", identity=admin)  # 30 s by default
    forced = await api.request("DELETE", f"{PODS}/stuck", identity=admin, json={"gracePeriodSeconds": 0})
    assert forced.status == 200 and forced.body["metadata"]["deletionGracePeriodSeconds"] == 0
    assert (await api.request("GET", f"{PODS}/stuck", identity=admin)).status == 404
