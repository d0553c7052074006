"""Timestamps over HTTPS: stored and served as Go encodes them, whatever offset they were sent with."""

from __future__ import annotations

from tests.support.inprocess import Identity, InProcessServer

EVENTS = "/api/v1/namespaces/default/events"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
PODS = "/api/v1/namespaces/default/pods"
MERGE = "application/merge-patch+json"
MICRO = "2006-01-02T15:04:05.000000Z07:00"


async def test_an_event_reads_back_in_utc(api: InProcessServer, admin: Identity) -> None:
    body = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Tested", "message": "m", "type": "Normal",
        "firstTimestamp": "2026-11-23T20:00:00.987654+02:00", "lastTimestamp": "2026-11-23T13:00:59.5-05:00",
        "eventTime": "2026-11-23T19:00:00.123456+01:00", "reportingComponent": "c", "reportingInstance": "i",
    }  # fmt: skip
    created = await api.request("POST", EVENTS, identity=admin, json=body)
    assert created.status == 201, created.text
    read = await api.request("GET", f"{EVENTS}/e1", identity=admin)
    for event in (created.body, read.body):
        assert event["firstTimestamp"] == "2026-11-23T18:00:00Z"
        assert event["lastTimestamp"] == "2026-11-23T18:00:59Z"
        assert event["eventTime"] == "2026-11-23T18:00:00.123456Z"


async def test_a_lease_keeps_microseconds_and_refuses_times_without_them(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l1"},
            "spec": {"holderIdentity": "me", "acquireTime": "2026-11-23T18:00:00.000001+00:00",
                     "renewTime": "2026-11-24T03:30:00.999999+09:30"}}
    created = await api.request("POST", LEASES, identity=admin, json=body)
    assert created.status == 201, created.text
    assert created.body["spec"]["acquireTime"] == "2026-11-23T18:00:00.000001Z"
    assert created.body["spec"]["renewTime"] == "2026-11-23T18:00:00.999999Z"
    # the patched object is decoded into the type too: 422, as for any patch Go cannot decode
    patched = await api.request("PATCH", f"{LEASES}/l1", identity=admin, headers={"Content-Type": MERGE},
                                json={"spec": {"renewTime": "2026-11-23T18:00:00Z"}})
    assert patched.status == 422
    assert patched.body["details"]["causes"][0]["message"].endswith(
        f'parsing time "2026-11-23T18:00:00Z" as "{MICRO}": cannot parse "Z" as ".000000"')
    patched = await api.request("PATCH", f"{LEASES}/l1", identity=admin, headers={"Content-Type": MERGE},
                                json={"spec": {"renewTime": "2026-11-23T17:00:00.250000-01:00"}})
    assert patched.status == 200, patched.text
    assert patched.body["spec"]["renewTime"] == "2026-11-23T18:00:00.250000Z"


async def test_a_pod_condition_reads_back_in_utc(api: InProcessServer, admin: Identity) -> None:
    # No scheduler picks this pod up, so no kubelet runs it: on a real cluster the scheduler's
    # binding and the kubelet's status writes would move its resourceVersion (a 409 on this PUT)
    # and the kubelet would rewrite the Ready condition.
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"schedulerName": "nobody", "containers": [{"name": "main", "image": "nginx:1.27"}]}}
    created = await api.request("POST", PODS, identity=admin, json=pod)
    assert created.status == 201, created.text
    status = {**created.body, "status": {"conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-23T10:00:00.5-08:00"}]}}
    written = await api.request("PUT", f"{PODS}/web/status", identity=admin, json=status)
    assert written.status == 200, written.text
    read = await api.request("GET", f"{PODS}/web", identity=admin)
    assert read.body["status"]["conditions"][0]["lastTransitionTime"] == "2026-11-23T18:00:00Z"


async def test_an_unparseable_time_is_the_real_bad_request(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e2"},
            "involvedObject": {"kind": "Pod", "name": "web"}, "firstTimestamp": "2025-02-29T00:00:00Z"}
    response = await api.request("POST", EVENTS, identity=admin, json=body)
    assert response.status == 400
    assert response.body["message"] == ('Event in version "v1" cannot be handled as a Event: '
                                        'parsing time "2025-02-29T00:00:00Z": day out of range')
    assert response.body["reason"] == "BadRequest"


async def test_server_side_apply_stores_the_encoded_times(api: InProcessServer, admin: Identity) -> None:
    config = ('{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l2"},'
              '"spec":{"holderIdentity":"me","renewTime":"2026-11-23T20:00:00.123456+02:00"}}')
    applied = await api.request("PATCH", f"{LEASES}/l2?fieldManager=test", identity=admin, data=config.encode(),
                                headers={"Content-Type": "application/apply-patch+yaml"})
    assert applied.status == 201, applied.text
    read = await api.request("GET", f"{LEASES}/l2", identity=admin)
    assert read.body["spec"]["renewTime"] == "2026-11-23T18:00:00.123456Z"
