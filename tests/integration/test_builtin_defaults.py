"""Minimal objects of each built-in kind read back with the defaults a real server adds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.admission_webhook import (
    WebhookCA,
    WebhookServer,
    allow,
    configuration,
    make_webhook_ca,
    webhook,
)
from tests.support.inprocess import Identity, InProcessServer

NS = "/api/v1/namespaces/default"
RBAC_GROUP = "rbac.authorization.k8s.io"
_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj.get(part)
    return obj


#: (collection, body without metadata, {dotted path: the value read back})
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "job": ("/apis/batch/v1/namespaces/default/jobs", {"spec": {"template": {
        "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}},
        {"spec.backoffLimit": 6, "spec.completions": 1, "spec.parallelism": 1, "spec.completionMode": "NonIndexed"}),
    "persistentvolumeclaim": (f"{NS}/persistentvolumeclaims", {"spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
        {"spec.volumeMode": "Filesystem", "status.phase": "Pending"}),
    "persistentvolume": ("/api/v1/persistentvolumes", {"spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}}},
        {"spec.persistentVolumeReclaimPolicy": "Retain", "spec.volumeMode": "Filesystem",
         "spec.hostPath.type": "", "status.phase": "Pending"}),
    "storageclass": ("/apis/storage.k8s.io/v1/storageclasses", {"provisioner": "example.com/p"},
                     {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}),
    "csidriver": ("/apis/storage.k8s.io/v1/csidrivers", {"spec": {}}, {
        "spec.attachRequired": True, "spec.podInfoOnMount": False, "spec.storageCapacity": False,
        "spec.fsGroupPolicy": "ReadWriteOnceWithFSType", "spec.volumeLifecycleModes": ["Persistent"],
        "spec.requiresRepublish": False}),
    "networkpolicy": ("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", {"spec": {
        "podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}},
        {"spec.policyTypes": ["Ingress", "Egress"], "spec.egress.0.ports.0.protocol": "TCP"}),
    "ingressclass": ("/apis/networking.k8s.io/v1/ingressclasses", {"spec": {
        "controller": "example.com/c", "parameters": {"kind": "P", "name": "p"}}},
        {"spec.parameters.scope": "Cluster"}),
    "rolebinding": ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "s", "namespace": "default"}]},
        {"roleRef.apiGroup": RBAC_GROUP, "subjects.0.apiGroup": RBAC_GROUP, "subjects.1.apiGroup": None}),
    "clusterrolebinding": ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "devs"}]},
        {"roleRef.apiGroup": RBAC_GROUP, "subjects.0.apiGroup": RBAC_GROUP}),
    "endpoints": (f"{NS}/endpoints", {"subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]},
                  {"subsets.0.ports.0.protocol": "TCP"}),
    "endpointslice": ("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
        "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}], "ports": [{"port": 80}]},
        {"ports.0.protocol": "TCP", "ports.0.name": ""}),
    "hpa-v2": ("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", {"spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3,
        "behavior": {"scaleUp": {"stabilizationWindowSeconds": 30}}}},
        {"spec.minReplicas": 1, "spec.metrics.0.resource.target.averageUtilization": 80,
         "spec.behavior.scaleUp.stabilizationWindowSeconds": 30, "spec.behavior.scaleUp.selectPolicy": "Max",
         "spec.behavior.scaleDown.policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}),
    "hpa-v1": ("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", {"spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}},
        {"spec.minReplicas": 1, "spec.targetCPUUtilizationPercentage": 80}),
    "priorityclass": ("/apis/scheduling.k8s.io/v1/priorityclasses", {"value": 1000},
                      {"preemptionPolicy": "PreemptLowerPriority"}),
    "flowschema": ("/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", {"spec": {
        "priorityLevelConfiguration": {"name": "global-default"}}}, {"spec.matchingPrecedence": 1000}),
    "prioritylevelconfiguration": ("/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", {"spec": {
        "type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {}}}}},
        {"spec.limited.nominalConcurrencyShares": 30, "spec.limited.lendablePercent": 0,
         "spec.limited.limitResponse.queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}),
    "limitrange": (f"{NS}/limitranges", {"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}}]}},
                   {"spec.limits.0.default": {"cpu": "2"}, "spec.limits.0.defaultRequest": {"cpu": "2"}}),
    "statefulset-claims": ("/apis/apps/v1/namespaces/default/statefulsets", {"spec": {
        "serviceName": "db", "selector": {"matchLabels": {"app": "x"}}, "template": _TEMPLATE,
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}},
        {"spec.volumeClaimTemplates.0.spec.volumeMode": "Filesystem",
         "spec.volumeClaimTemplates.0.status": {"phase": "Pending"}}),
    "secret": (f"{NS}/secrets", {"data": {}}, {"type": "Opaque"}),
    "deployment-template": ("/apis/apps/v1/namespaces/default/deployments", {"spec": {
        "selector": {"matchLabels": {"app": "x"}}, "template": {**_TEMPLATE, "spec": {
            "containers": [{"name": "c", "image": "busybox:1.36", "ports": [{"containerPort": 80}],
                            "readinessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "cm", "configMap": {"name": "x"}}, {"name": "tmp"}]}}}},
        {"spec.template.spec.containers.0.imagePullPolicy": "IfNotPresent",
         "spec.template.spec.containers.0.ports.0.protocol": "TCP",
         "spec.template.spec.containers.0.readinessProbe": {
             "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10,
             "successThreshold": 1, "failureThreshold": 3},
         "spec.template.spec.volumes": [{"name": "cm", "configMap": {"name": "x", "defaultMode": 420}},
                                        {"name": "tmp", "emptyDir": {}}],
         "spec.template.spec.dnsPolicy": "ClusterFirst", "spec.template.spec.schedulerName": "default-scheduler"}),
}


@pytest.mark.parametrize("case", CASES)
async def test_a_minimal_object_reads_back_with_its_defaults(api: InProcessServer, admin: Identity, case: str) -> None:
    collection, body, expected = CASES[case]
    created = await api.request("POST", collection, identity=admin, json={"metadata": {"name": case}, **body})
    assert created.status == 201, created.text
    read = await api.request("GET", f"{collection}/{case}", identity=admin)
    assert read.status == 200, read.text
    for obj in (created.body, read.body):
        assert {path: _get(obj, path) for path in expected} == expected


async def test_an_update_that_leaves_defaults_out_gets_them_again(api: InProcessServer, admin: Identity) -> None:
    collection = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies"
    body = {"metadata": {"name": "np"}, "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}
    created = await api.request("POST", collection, identity=admin, json=body)
    assert created.status == 201, created.text
    replaced = await api.request("PUT", f"{collection}/np", identity=admin, json=body)
    assert replaced.status == 200, replaced.text
    assert replaced.body["spec"]["policyTypes"] == ["Ingress"]
    assert replaced.body["spec"]["ingress"][0]["ports"][0]["protocol"] == "TCP"
    assert replaced.body["metadata"]["resourceVersion"] == created.body["metadata"]["resourceVersion"]


async def test_a_namespace_keeps_its_name_label(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", "/api/v1/namespaces", identity=admin, json={"metadata": {"name": "team"}})
    assert created.status == 201, created.text
    patched = await api.request(
        "PATCH", "/api/v1/namespaces/team", identity=admin,
        json={"metadata": {"labels": {"kubernetes.io/metadata.name": None, "tier": "web"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status == 200, patched.text
    assert patched.body["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team", "tier": "web"}


async def _status_write(api: InProcessServer, admin: Identity, path: str, status: dict[str, Any]) -> dict[str, Any]:
    current = await api.request("GET", path, identity=admin)
    assert current.status == 200, current.text
    response = await api.request("PUT", f"{path}/status", identity=admin, json={**current.body, "status": status})
    assert response.status == 200, response.text
    return response.body  # type: ignore[no-any-return]


async def test_status_writes_get_the_status_defaults(api: InProcessServer, admin: Identity) -> None:
    claim = {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                  "resources": {"requests": {"storage": "1Gi"}}}}
    assert (await api.request("POST", f"{NS}/persistentvolumeclaims", identity=admin, json=claim)).status == 201
    written = await _status_write(api, admin, f"{NS}/persistentvolumeclaims/c", {"accessModes": ["ReadWriteOnce"]})
    assert written["status"]["phase"] == "Pending"

    service = {"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}
    assert (await api.request("POST", f"{NS}/services", identity=admin, json=service)).status == 201
    written = await _status_write(api, admin, f"{NS}/services/lb", {"loadBalancer": {"ingress": [
        {"ip": "203.0.113.7"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.8", "ipMode": "Proxy"}]}})
    assert written["status"]["loadBalancer"]["ingress"] == [
        {"ip": "203.0.113.7", "ipMode": "VIP"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.8", "ipMode": "Proxy"}]

    node = {"metadata": {"name": "worker-x"}, "status": {"capacity": {"cpu": "2"}}}  # as a kubelet registers
    created = await api.request("POST", "/api/v1/nodes", identity=admin, json=node)
    assert created.status == 201, created.text
    assert created.body["status"]["allocatable"] == {"cpu": "2"}
    written = await _status_write(api, admin, "/api/v1/nodes/worker-x", {"capacity": {"cpu": "4", "pods": "110"}})
    assert written["status"]["allocatable"] == {"cpu": "4", "pods": "110"}


@pytest.fixture(scope="module")
def webhook_ca(tmp_path_factory: pytest.TempPathFactory) -> WebhookCA:
    return make_webhook_ca(tmp_path_factory.mktemp("webhook-ca"))


@pytest.fixture
async def hooks(webhook_ca: WebhookCA) -> AsyncIterator[WebhookServer]:
    server = await WebhookServer({"/look": allow()}).start(webhook_ca)
    yield server
    await server.close()


async def test_a_mutating_webhook_sees_the_defaulted_object(
    api: InProcessServer, admin: Identity, hooks: WebhookServer, webhook_ca: WebhookCA
) -> None:
    """Decoding (defaults included) comes before admission, so webhooks see what will be stored."""
    look = webhook("look.example.com", url=hooks.url("/look"), ca=webhook_ca, resources=("networkpolicies",),
                   groups=("networking.k8s.io",))
    config = configuration("MutatingWebhookConfiguration", "look", look)
    registered = await api.request(
        "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", identity=admin, json=config)
    assert registered.status == 201, registered.text
    body = {"metadata": {"name": "np"}, "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}
    created = await api.request(
        "POST", "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", identity=admin, json=body)
    assert created.status == 201, created.text
    [seen] = hooks.requests("/look")
    assert seen["object"]["spec"]["policyTypes"] == ["Ingress"]
    assert seen["object"]["spec"]["ingress"][0]["ports"][0]["protocol"] == "TCP"
