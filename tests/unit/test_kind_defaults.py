"""What the real server's defaulters add to minimal objects of each kind (unit level; the same
facts over HTTPS are in tests/integration/test_builtin_defaults.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kubegate.registry.defaults import (
    autoscaling,
    cluster,
    flowcontrol,
    networking,
    pods,
    rbac,
    services,
    storage,
)

Case = tuple[Callable[[dict[str, Any]], None], dict[str, Any], dict[str, Any]]

CASES: dict[str, Case] = {
    "pv": (storage.persistent_volume_defaults,
           {"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/x"}, "rbd": {"image": "i"}}},
           {"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/x", "type": ""},
                     "rbd": {"image": "i", "pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"},
                     "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem"}}),
    "pvc": (storage.claim_defaults, {"spec": {"volumeMode": "Block"}}, {"spec": {"volumeMode": "Block"}}),
    "pvc-empty": (storage.claim_defaults, {}, {"spec": {"volumeMode": "Filesystem"}}),
    "pending": (storage.pending_status, {"status": {}}, {"status": {"phase": "Pending"}}),
    "storageclass": (storage.storage_class_defaults, {"provisioner": "p"},
                     {"provisioner": "p", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}),
    "csidriver": (storage.csi_driver_defaults, {"spec": {"volumeLifecycleModes": []}}, {"spec": {
        "attachRequired": True, "podInfoOnMount": False, "storageCapacity": False,
        "fsGroupPolicy": "ReadWriteOnceWithFSType", "volumeLifecycleModes": ["Persistent"], "requiresRepublish": False}}),
    "netpol-ingress": (networking.network_policy_defaults,
                       {"spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}},
                       {"spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80, "protocol": "TCP"}]}],
                                 "policyTypes": ["Ingress"]}}),
    "netpol-egress": (networking.network_policy_defaults, {"spec": {"podSelector": {}, "egress": [{}]}},
                      {"spec": {"podSelector": {}, "egress": [{}], "policyTypes": ["Ingress", "Egress"]}}),
    "netpol-explicit": (networking.network_policy_defaults, {"spec": {"policyTypes": ["Egress"]}},
                        {"spec": {"policyTypes": ["Egress"]}}),
    "ingressclass": (networking.ingress_class_defaults, {"spec": {"parameters": {"kind": "K", "name": "n"}}},
                     {"spec": {"parameters": {"kind": "K", "name": "n", "scope": "Cluster"}}}),
    "ingressclass-bare": (networking.ingress_class_defaults, {"spec": {"controller": "c"}}, {"spec": {"controller": "c"}}),
    "endpoints": (networking.endpoints_defaults, {"subsets": [{"ports": [{"port": 80}]}]},
                  {"subsets": [{"ports": [{"port": 80, "protocol": "TCP"}]}]}),
    "endpointslice": (networking.endpoint_slice_defaults, {"ports": [{"port": 80}]},
                      {"ports": [{"port": 80, "name": "", "protocol": "TCP"}]}),
    "binding": (rbac.binding_defaults, {"roleRef": {"kind": "Role", "name": "r"}, "subjects": [
        {"kind": "User", "name": "u"}, {"kind": "Group", "name": "g"}, {"kind": "ServiceAccount", "name": "s"}]},
        {"roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"}, "subjects": [
            {"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"},
            {"kind": "Group", "name": "g", "apiGroup": "rbac.authorization.k8s.io"},
            {"kind": "ServiceAccount", "name": "s"}]}),
    "hpa": (autoscaling.horizontal_pod_autoscaler_defaults, {"spec": {"maxReplicas": 3}}, {"spec": {
        "maxReplicas": 3, "minReplicas": 1, "metrics": autoscaling.CPU_UTILIZATION}}),
    "hpa-v1": (autoscaling.horizontal_pod_autoscaler_defaults, {"apiVersion": "autoscaling/v1", "spec": {}},
               {"apiVersion": "autoscaling/v1", "spec": {"minReplicas": 1}}),
    "hpa-behavior": (autoscaling.horizontal_pod_autoscaler_defaults,
                     {"spec": {"maxReplicas": 3, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
                     {"spec": {"maxReplicas": 3, "minReplicas": 1, "metrics": autoscaling.CPU_UTILIZATION, "behavior": {
                         "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                                     "policies": autoscaling.SCALE_UP_POLICIES},
                         "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                       "policies": autoscaling.SCALE_DOWN_POLICIES}}}}),
    "flowschema": (flowcontrol.flow_schema_defaults, {"spec": {"matchingPrecedence": 0}},
                   {"spec": {"matchingPrecedence": 1000}}),
    "prioritylevel": (flowcontrol.priority_level_defaults, {"spec": {"type": "Limited", "limited": {
        "limitResponse": {"type": "Queue", "queuing": {"queues": 0}}}}}, {"spec": {"type": "Limited", "limited": {
            "nominalConcurrencyShares": 30, "lendablePercent": 0, "limitResponse": {
                "type": "Queue", "queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}}}}),
    "prioritylevel-exempt": (flowcontrol.priority_level_defaults, {"spec": {"type": "Exempt", "exempt": {}}},
                             {"spec": {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0}}}),
    "priorityclass": (cluster.priority_class_defaults, {"value": 5}, {"value": 5, "preemptionPolicy": "PreemptLowerPriority"}),
    "apiservice": (cluster.api_service_defaults, {"spec": {"service": {"name": "s", "namespace": "n"}}},
                   {"spec": {"service": {"name": "s", "namespace": "n", "port": 443}}}),
    "node": (cluster.node_status_defaults, {"status": {"capacity": {"cpu": "2"}}},
             {"status": {"capacity": {"cpu": "2"}, "allocatable": {"cpu": "2"}}}),
}


@pytest.mark.parametrize("name", CASES)
def test_kind_defaults(name: str) -> None:
    defaults, given, expected = CASES[name]
    obj = copy.deepcopy(given)
    defaults(obj)
    assert obj == expected


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("reg:5000/nginx", "Always"), ("nginx:1.27", "IfNotPresent"),
    ("reg:5000/nginx:1", "IfNotPresent"), ("nginx@sha256:abc", "IfNotPresent"), ("nginx:latest@sha256:abc", "Always"),
    ("", "IfNotPresent"),
])  # fmt: skip
def test_image_pull_policy(image: str, policy: str) -> None:
    assert pods.pull_policy(image) == policy


def test_pod_spec_nested_defaults() -> None:
    spec: dict[str, Any] = {
        "containers": [{
            "name": "c", "image": "i:1",
            "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            "livenessProbe": {"httpGet": {"port": 80}, "timeoutSeconds": 0},
            "readinessProbe": {"grpc": {"port": 9000}},
            "lifecycle": {"preStop": {"httpGet": {"port": 80}}},
        }],
        "volumes": [
            {"name": "scratch"},
            {"name": "nulls", "secret": None},
            {"name": "d", "downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"name": "p", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
            {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
            {"name": "h", "hostPath": {"path": "/x"}},
        ],
    }
    pods.pod_spec_defaults(spec)
    container = spec["containers"][0]
    assert container["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "metadata.name", "apiVersion": "v1"}
    assert container["livenessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                          "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert container["readinessProbe"]["grpc"] == {"port": 9000, "service": ""}
    assert container["lifecycle"]["preStop"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}}
    assert spec["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "nulls", "secret": None, "emptyDir": {}},
        {"name": "d", "downwardAPI": {"defaultMode": 420, "items": [
            {"path": "n", "fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"}}]}},
        {"name": "p", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"path": "t", "expirationSeconds": 3600}}]}},
        {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"],
                                                                     "volumeMode": "Filesystem"}}}},
        {"name": "h", "hostPath": {"path": "/x", "type": ""}},
    ]


def test_pods_but_not_templates_request_their_limits_and_host_ports() -> None:
    container = {"name": "c", "image": "i", "ports": [{"containerPort": 8080}],
                 "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}}
    template: dict[str, Any] = {"hostNetwork": True, "containers": [copy.deepcopy(container)]}
    pod: dict[str, Any] = copy.deepcopy(template)
    pods.pod_spec_defaults(template)
    pods.pod_defaults(pod)
    assert template["containers"][0]["resources"]["requests"] == {"cpu": "500m"}
    assert "hostPort" not in template["containers"][0]["ports"][0]
    assert pod["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert pod["containers"][0]["ports"][0] == {"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}


def test_a_service_without_client_ip_affinity_drops_its_affinity_configuration() -> None:
    obj: dict[str, Any] = {"spec": {"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}, "ports": []}}
    services.service_defaults(obj)
    assert obj["spec"] == {"sessionAffinity": "None", "type": "ClusterIP", "internalTrafficPolicy": "Cluster",
                           "ports": []}
