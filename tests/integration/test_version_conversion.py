"""One resource, two versions: HPAs in autoscaling/v1 and v2, events in core/v1 and events.k8s.io/v1.

As on a real cluster, both versions are the same objects in one store: what one version writes the
other reads, lists and watches, converted, at the same resourceVersion.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kubegate.registry.conversion import autoscaling
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import count, watch_events

HPA_V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
HPA_V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
CORE_EVENTS = "/api/v1/namespaces/default/events"
NEW_EVENTS = "/apis/events.k8s.io/v1/namespaces/default/events"
TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
CPU_60 = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}
QPS = {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}


async def send(api: InProcessServer, admin: Identity, method: str, path: str, body: Any, status: int = 201,
               **headers: str) -> dict[str, Any]:
    response = await api.request(method, path, identity=admin, json=body, headers=headers or None)
    assert response.status == status, response.text
    return response.body  # type: ignore[no-any-return]


async def get(api: InProcessServer, admin: Identity, path: str) -> dict[str, Any]:
    return await send(api, admin, "GET", path, None, 200)


def v2_hpa(name: str, *metrics: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"scaleTargetRef": TARGET, "maxReplicas": 5, "metrics": list(metrics)}}


async def test_an_hpa_written_through_v2_reads_through_v1(api: InProcessServer, admin: Identity) -> None:
    written = await send(api, admin, "POST", HPA_V2, v2_hpa("web", CPU_60, QPS))
    v1 = await get(api, admin, f"{HPA_V1}/web")
    assert (v1["apiVersion"], v1["kind"]) == ("autoscaling/v1", "HorizontalPodAutoscaler")
    assert v1["spec"] == {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 5,
                          "targetCPUUtilizationPercentage": 60}
    assert v1["status"] == {"currentReplicas": 0, "desiredReplicas": 0}
    assert autoscaling.METRICS in v1["metadata"]["annotations"]
    assert v1["metadata"]["resourceVersion"] == written["metadata"]["resourceVersion"]
    assert v1["metadata"]["uid"] == written["metadata"]["uid"]

    listed = await get(api, admin, HPA_V1)
    assert (listed["apiVersion"], listed["kind"]) == ("autoscaling/v1", "HorizontalPodAutoscalerList")
    assert [item["spec"].get("targetCPUUtilizationPercentage") for item in listed["items"]] == [60]


async def test_a_v1_write_keeps_what_only_v2_can_say(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", HPA_V2, v2_hpa("web", CPU_60, QPS))
    v1 = await get(api, admin, f"{HPA_V1}/web")
    v1["spec"]["maxReplicas"] = 9
    v1["spec"]["targetCPUUtilizationPercentage"] = 75
    await send(api, admin, "PUT", f"{HPA_V1}/web", v1, 200)
    v2 = await get(api, admin, f"{HPA_V2}/web")
    assert v2["spec"]["maxReplicas"] == 9
    assert v2["spec"]["metrics"] == [{**CPU_60, "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 75}}}, QPS]
    assert autoscaling.METRICS not in (v2["metadata"].get("annotations") or {})

    await send(api, admin, "PATCH", f"{HPA_V1}/web", {"spec": {"targetCPUUtilizationPercentage": 20}}, 200,
               **{"Content-Type": "application/merge-patch+json"})
    patched = await get(api, admin, f"{HPA_V2}/web")
    assert patched["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 20
    assert patched["spec"]["metrics"][1] == QPS


async def test_an_hpa_written_through_v1_reads_through_v2_and_deletes_through_either(
    api: InProcessServer, admin: Identity
) -> None:
    body = {"metadata": {"name": "old"}, "spec": {"scaleTargetRef": TARGET, "maxReplicas": 3,
                                                  "targetCPUUtilizationPercentage": 50}}
    created = await send(api, admin, "POST", HPA_V1, body)
    assert created["apiVersion"] == "autoscaling/v1" and created["spec"]["targetCPUUtilizationPercentage"] == 50
    v2 = await get(api, admin, f"{HPA_V2}/old")
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 50}}}]
    await send(api, admin, "POST", HPA_V2, v2_hpa("old"), 409)
    deleted = await send(api, admin, "DELETE", f"{HPA_V2}/old", None, 200)
    assert deleted["kind"] in ("Status", "HorizontalPodAutoscaler")
    assert (await api.request("GET", f"{HPA_V1}/old", identity=admin)).status == 404


async def test_a_v1_watch_sees_v2_writes_in_v1(api: InProcessServer, admin: Identity) -> None:
    start = (await get(api, admin, HPA_V1))["metadata"]["resourceVersion"]
    watching = asyncio.create_task(
        watch_events(api, admin, f"{HPA_V1}?watch=true&resourceVersion={start}", until=count(2))
    )
    await send(api, admin, "POST", HPA_V2, v2_hpa("web", CPU_60))
    await send(api, admin, "DELETE", f"{HPA_V2}/web", None, 200)
    added, removed = await asyncio.wait_for(watching, 10)
    assert [added["type"], removed["type"]] == ["ADDED", "DELETED"]
    assert added["object"]["apiVersion"] == removed["object"]["apiVersion"] == "autoscaling/v1"
    assert added["object"]["spec"]["targetCPUUtilizationPercentage"] == 60


CORE_EVENT = {
    "metadata": {"name": "started"},
    "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
    "reason": "Started", "message": "Started container app", "type": "Normal",
    "source": {"component": "kubelet"}, "count": 1,
}


async def test_events_are_one_resource_in_two_groups(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", CORE_EVENTS, CORE_EVENT)
    seen = await get(api, admin, f"{NEW_EVENTS}/started")
    assert (seen["apiVersion"], seen["kind"]) == ("events.k8s.io/v1", "Event")
    assert (seen["note"], seen["regarding"]["name"], seen["deprecatedCount"]) == ("Started container app", "web", 1)
    assert seen["deprecatedSource"] == {"component": "kubelet"}
    assert "message" not in seen and "involvedObject" not in seen

    new_event = {
        "metadata": {"name": "pulled"}, "eventTime": "2024-05-01T10:00:00.000000Z",
        "reportingController": "example.com/puller", "reportingInstance": "puller-1", "action": "Pull",
        "reason": "Pulled", "note": "Pulled image", "type": "Normal",
        "regarding": {"kind": "Pod", "name": "db", "namespace": "default"},
    }
    created = await send(api, admin, "POST", NEW_EVENTS, new_event)
    assert created["note"] == "Pulled image"
    again = await api.request("POST", NEW_EVENTS, identity=admin, json=new_event)
    assert (again.status, again.body["message"]) == (409, 'events.events.k8s.io "pulled" already exists')
    assert again.body["details"] == {"name": "pulled", "group": "events.k8s.io", "kind": "events"}
    core = await get(api, admin, f"{CORE_EVENTS}/pulled")
    assert (core["message"], core["involvedObject"]["name"], core["reportingComponent"]) == (
        "Pulled image", "db", "example.com/puller",
    )
    listed = await get(api, admin, f"{NEW_EVENTS}?fieldSelector=regarding.name%3Ddb")
    assert [item["note"] for item in listed["items"]] == ["Pulled image"]
    both = await get(api, admin, CORE_EVENTS)
    # As on a real cluster, the default namespace also holds the kubelet's events about its node
    # ("Starting", "NodeHasSufficientMemory", ...): every other event there regards the node.
    by_kind: dict[str, list[str]] = {}
    for item in both["items"]:
        by_kind.setdefault(item["involvedObject"]["kind"], []).append(item["metadata"]["name"])
    assert sorted(by_kind.pop("Pod")) == ["pulled", "started"]
    assert set(by_kind) <= {"Node"}
