"""ResourceQuota: admission refuses what would exceed a quota; the controller keeps its status counted."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

QUOTAS = "/api/v1/namespaces/default/resourcequotas"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


async def quota(api: InProcessServer, admin: Identity, name: str, **hard: str) -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard}}
    created = await api.request("POST", QUOTAS, identity=admin, json=body)
    assert created.status == 201, created.text
    await api.state.settle()
    return (await api.request("GET", f"{QUOTAS}/{name}", identity=admin)).body


async def test_status_counts_and_the_one_too_many_is_refused(api: InProcessServer, admin: Identity) -> None:
    # default already holds kube-root-ca.crt: that is one ConfigMap of the three
    counted = await quota(api, admin, "cm", configmaps="3")
    assert counted["status"] == {"hard": {"configmaps": "3"}, "used": {"configmaps": "1"}}
    for name in ("a", "b"):
        assert (await api.request("POST", CONFIGMAPS, identity=admin, json=configmap(name))).status == 201
    refused = await api.request("POST", CONFIGMAPS, identity=admin, json=configmap("c"))
    assert refused.status == 403
    assert refused.body["reason"] == "Forbidden"
    assert refused.body["message"] == (
        'configmaps "c" is forbidden: exceeded quota: cm, requested: configmaps=1, used: configmaps=3, '
        "limited: configmaps=3")
    assert (await api.request("DELETE", f"{CONFIGMAPS}/a", identity=admin)).status == 200
    await api.state.settle()
    status = (await api.request("GET", f"{QUOTAS}/cm", identity=admin)).body["status"]
    assert status["used"] == {"configmaps": "2"}
    assert (await api.request("POST", CONFIGMAPS, identity=admin, json=configmap("c"))).status == 201


async def test_compute_quota_needs_every_container_to_state_it(start_server: Any, admin: Identity) -> None:
    api = await start_server(nodes=0)
    await quota(api, admin, "compute", **{"requests.cpu": "1", "limits.memory": "1Gi"})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "x", "resources": {"requests": {"cpu": "500m"}}},
        {"name": "b", "image": "x"}]}}
    refused = await api.request("POST", "/api/v1/namespaces/default/pods", identity=admin, json=pod)
    assert refused.status == 403
    assert refused.body["message"] == (
        'pods "p" is forbidden: failed quota: compute: must specify limits.memory for: a,b; requests.cpu for: b')
    sized = {"requests": {"cpu": "600m"}, "limits": {"memory": "512Mi"}}
    pod["spec"]["containers"] = [{"name": "a", "image": "x", "resources": sized}]
    assert (await api.request("POST", "/api/v1/namespaces/default/pods", identity=admin, json=pod)).status == 201
    pod["metadata"]["name"] = "q"
    refused = await api.request("POST", "/api/v1/namespaces/default/pods", identity=admin, json=pod)
    assert refused.status == 403
    assert refused.body["message"] == (
        'pods "q" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, '
        "limited: requests.cpu=1")
    await api.state.settle()
    status = (await api.request("GET", f"{QUOTAS}/compute", identity=admin)).body["status"]
    assert status["used"] == {"requests.cpu": "600m", "limits.memory": "512Mi"}


async def test_object_count_quota_for_any_resource(api: InProcessServer, admin: Identity) -> None:
    await quota(api, admin, "deploys", **{"count/deployments.apps": "1"})
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "one"}, "spec": {
        "replicas": 0, "selector": {"matchLabels": {"app": "x"}},
        "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    path = "/apis/apps/v1/namespaces/default/deployments"
    assert (await api.request("POST", path, identity=admin, json=deployment)).status == 201
    deployment["metadata"]["name"] = "two"
    refused = await api.request("POST", path, identity=admin, json=deployment)
    assert refused.status == 403
    assert refused.body["message"] == (
        'deployments.apps "two" is forbidden: exceeded quota: deploys, requested: count/deployments.apps=1, '
        "used: count/deployments.apps=1, limited: count/deployments.apps=1")
