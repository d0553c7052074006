"""Pod priority as the Priority admission plugin sets it, from the system PriorityClasses on."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses"


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"schedulerName": "nobody", "containers": [{"name": "c", "image": "nginx"}], **spec}}


async def test_the_system_priority_classes_exist(api: InProcessServer, admin: Identity) -> None:
    listed = (await api.request("GET", CLASSES, identity=admin)).body
    values = {item["metadata"]["name"]: item["value"] for item in listed["items"]}
    assert values == {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


async def test_a_pod_takes_its_class_value(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", PODS, identity=admin, json=pod("critical", priorityClassName="system-cluster-critical"))
    assert created.status == 201, created.text
    assert created.body["spec"]["priority"] == 2000000000
    assert created.body["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
    plain = await api.request("POST", PODS, identity=admin, json=pod("plain"))
    assert plain.body["spec"]["priority"] == 0 and "priorityClassName" not in plain.body["spec"]


async def test_a_global_default_class_applies_to_pods_without_one(api: InProcessServer, admin: Identity) -> None:
    default = {"metadata": {"name": "everyone"}, "value": 7, "globalDefault": True}
    assert (await api.request("POST", CLASSES, identity=admin, json=default)).status == 201
    created = (await api.request("POST", PODS, identity=admin, json=pod("defaulted"))).body
    assert (created["spec"]["priorityClassName"], created["spec"]["priority"]) == ("everyone", 7)


async def test_a_missing_class_or_a_foreign_priority_is_forbidden(api: InProcessServer, admin: Identity) -> None:
    missing = await api.request("POST", PODS, identity=admin, json=pod("lost", priorityClassName="nope"))
    assert missing.status == 403
    assert missing.body["message"] == 'pods "lost" is forbidden: no PriorityClass with name nope was found'
    forged = await api.request("POST", PODS, identity=admin, json=pod("forged", priority=5))
    assert forged.status == 403
    assert forged.body["message"] == (
        'pods "forged" is forbidden: the integer value of priority (5) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name"
    )


async def test_coredns_runs_at_cluster_critical_priority(api: InProcessServer, admin: Identity) -> None:
    await api.state.settle()
    listed = (await api.request("GET", "/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns", identity=admin)).body
    assert listed["items"] and {p["spec"]["priority"] for p in listed["items"]} == {2000000000}
