"""Table rows of services, configuration, storage, access and API plumbing kinds."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.registry.printers import PRINTERS
from kubegate.registry.printers.cells import SwaggerDoc, describe
from kubegate.registry.tables import build_table, columns_of
from tests.support.builtin_specs import builtin_spec
from tests.unit.printing import ago, headers, obj, row

RBAC = "rbac.authorization.k8s.io"
SUBJECTS = [
    {"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"}, {"kind": "Group", "name": "devs"},
    {"kind": "ServiceAccount", "name": "robot", "namespace": "apps"},
]  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "normal", "wide"),
    [
        (("", "services"), "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR"),
        (("", "namespaces"), "NAME STATUS AGE", None),
        (("", "nodes"), "NAME STATUS ROLES AGE VERSION",
         "NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME"),
        (("", "configmaps"), "NAME DATA AGE", None),
        (("", "secrets"), "NAME TYPE DATA AGE", None),
        (("", "serviceaccounts"), "NAME SECRETS AGE", None),
        (("", "events"), "LAST SEEN TYPE REASON OBJECT MESSAGE",
         "LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME"),
        (("events.k8s.io", "events"), "LAST SEEN TYPE REASON OBJECT MESSAGE",
         "LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME"),
        ((RBAC, "roles"), "NAME CREATED AT", None),
        ((RBAC, "clusterroles"), "NAME CREATED AT", None),
        ((RBAC, "rolebindings"), "NAME ROLE AGE", "NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS"),
        ((RBAC, "clusterrolebindings"), "NAME ROLE AGE", "NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS"),
        (("certificates.k8s.io", "certificatesigningrequests"), "NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION", None),
        (("coordination.k8s.io", "leases"), "NAME HOLDER AGE", None),
        (("", "persistentvolumes"), "NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE",
         "NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE VOLUMEMODE"),
        (("", "persistentvolumeclaims"), "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE",
         "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE VOLUMEMODE"),
        (("networking.k8s.io", "ingresses"), "NAME CLASS HOSTS ADDRESS PORTS AGE", None),
        (("networking.k8s.io", "ingressclasses"), "NAME CONTROLLER PARAMETERS AGE", None),
        (("networking.k8s.io", "networkpolicies"), "NAME POD-SELECTOR AGE", None),
        (("", "endpoints"), "NAME ENDPOINTS AGE", None),
        (("discovery.k8s.io", "endpointslices"), "NAME ADDRESSTYPE PORTS ENDPOINTS AGE", None),
        (("", "resourcequotas"), "NAME REQUEST LIMIT AGE", None),
        (("", "limitranges"), "NAME CREATED AT", None),
        (("storage.k8s.io", "storageclasses"), "NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE", None),
        (("scheduling.k8s.io", "priorityclasses"), "NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY", None),
        (("apiextensions.k8s.io", "customresourcedefinitions"), "NAME CREATED AT", None),
        (("admissionregistration.k8s.io", "mutatingwebhookconfigurations"), "NAME WEBHOOKS AGE", None),
        (("admissionregistration.k8s.io", "validatingwebhookconfigurations"), "NAME WEBHOOKS AGE", None),
        (("node.k8s.io", "runtimeclasses"), "NAME HANDLER AGE", None),
        (("storage.k8s.io", "csidrivers"), "NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE", None),
        (("storage.k8s.io", "csinodes"), "NAME DRIVERS AGE", None),
        (("apiregistration.k8s.io", "apiservices"), "NAME SERVICE AVAILABLE AGE", None),
        (("flowcontrol.apiserver.k8s.io", "flowschemas"), "NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL", None),
        (("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
         "NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE", None),
    ],
)  # fmt: skip
def test_headers(resource: tuple[str, str], normal: str, wide: str | None) -> None:
    assert headers(resource) == normal
    assert headers(resource, wide=True) == (wide or normal)


CASES = [
    pytest.param(("", "services"), obj("web", 60, spec={"type": "NodePort", "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
                                                       "ports": [{"port": 80, "nodePort": 30080}, {"port": 443, "protocol": "TCP"}]}),
                 ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,443/TCP", "60s", "app=web"], id="service-nodeport"),
    pytest.param(("", "services"), obj("plain", 60, spec={"ports": [{"port": 53, "protocol": "UDP"}]}),
                 ["plain", "ClusterIP", "<none>", "<none>", "53/UDP", "60s", "<none>"], id="service-defaults"),
    pytest.param(("", "services"), obj("lb", 60, spec={"type": "LoadBalancer", "clusterIP": "10.96.0.11"},
                                       status={"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}}),
                 ["lb", "LoadBalancer", "10.96.0.11", "203.0.113.9,lb.example.com", "<none>", "60s", "<none>"], id="service-lb"),
    pytest.param(("", "services"), obj("pending", 60, spec={"type": "LoadBalancer"}),
                 ["pending", "LoadBalancer", "<none>", "<pending>", "<none>", "60s", "<none>"], id="service-lb-pending"),
    pytest.param(("", "services"), obj("ext", 60, spec={"type": "ExternalName", "externalName": "db.example.com"}),
                 ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "60s", "<none>"], id="service-externalname"),
    pytest.param(("", "namespaces"), obj("team", 60, status={"phase": "Active"}), ["team", "Active", "60s"], id="namespace"),
    pytest.param(("", "nodes"),
                 obj("n1", 86400, metadata={"labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra"}},
                     spec={"unschedulable": True},
                     status={"conditions": [{"type": "Ready", "status": "True"}],
                             "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                             "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Ubuntu 24.04", "kernelVersion": "6.8.0",
                                          "containerRuntimeVersion": "containerd://1.7.22"}}),
                 ["n1", "Ready,SchedulingDisabled", "control-plane,infra", "24h", "v1.32.4", "10.0.0.1", "<none>",
                  "Ubuntu 24.04", "6.8.0", "containerd://1.7.22"], id="node"),
    pytest.param(("", "nodes"), obj("bare", 60),
                 ["bare", "Unknown", "<none>", "60s", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"], id="node-unknown"),
    pytest.param(("", "configmaps"), obj("cfg", 60, data={"a": "1", "b": "2"}, binaryData={"c": "AA=="}), ["cfg", 3, "60s"], id="configmap"),
    pytest.param(("", "secrets"), obj("tls", 60, type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
                 ["tls", "kubernetes.io/tls", 2, "60s"], id="secret"),
    pytest.param(("", "secrets"), obj("plain", 60, stringData={"k": "v"}), ["plain", "Opaque", 1, "60s"], id="secret-opaque"),
    pytest.param(("", "serviceaccounts"), obj("robot", 60, secrets=[{"name": "robot-token"}]), ["robot", 1, "60s"], id="serviceaccount"),
    pytest.param(("", "events"),
                 obj("web.17a", 600, type="Warning", reason="BackOff", message=" Back-off restarting failed container\n",
                     involvedObject={"kind": "Pod", "name": "web", "fieldPath": "spec.containers{main}"},
                     source={"component": "kubelet", "host": "node-1"}, firstTimestamp=ago(600), lastTimestamp=ago(30), count=7),
                 ["30s", "Warning", "BackOff", "pod/web", "spec.containers{main}", "kubelet, node-1",
                  "Back-off restarting failed container", "10m", 7, "web.17a"], id="event"),
    pytest.param(("events.k8s.io", "events"),
                 obj("web.18b", 100, apiVersion="events.k8s.io/v1", type="Normal", reason="ScalingReplicaSet", note="Scaled up",
                     regarding={"kind": "Deployment", "name": "web"}, eventTime="2024-06-01T11:58:20.000000Z",
                     reportingController="deployment-controller", reportingInstance="cm-1",
                     series={"count": 3, "lastObservedTime": "2024-06-01T11:59:55.000000Z"}),
                 ["5s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller, cm-1", "Scaled up",
                  "100s", 3, "web.18b"], id="event-v1-series"),
    pytest.param((RBAC, "roles"), obj("reader", 60), ["reader", "2024-06-01T11:59:00Z"], id="role-default-table"),
    pytest.param((RBAC, "rolebindings"), obj("read", 60, roleRef={"kind": "Role", "name": "pod-reader"}, subjects=SUBJECTS),
                 ["read", "Role/pod-reader", "60s", "alice, bob", "devs", "apps/robot"], id="rolebinding"),
    pytest.param((RBAC, "clusterrolebindings"), obj("admins", 60, roleRef={"kind": "ClusterRole", "name": "cluster-admin"},
                                                    subjects=[{"kind": "Group", "name": "system:masters"}]),
                 ["admins", "ClusterRole/cluster-admin", "60s", "", "system:masters", ""], id="clusterrolebinding"),
    pytest.param(("certificates.k8s.io", "certificatesigningrequests"),
                 obj("csr-1", 60, spec={"signerName": "kubernetes.io/kube-apiserver-client", "username": "alice",
                                        "expirationSeconds": 86400},
                     status={"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"}),
                 ["csr-1", "60s", "kubernetes.io/kube-apiserver-client", "alice", "24h", "Approved,Issued"], id="csr-issued"),
    pytest.param(("certificates.k8s.io", "certificatesigningrequests"), obj("csr-2", 60, spec={"username": "bob"}),
                 ["csr-2", "60s", "<none>", "bob", "<none>", "Pending"], id="csr-pending"),
    pytest.param(("certificates.k8s.io", "certificatesigningrequests"),
                 obj("csr-3", 60, spec={"username": "eve"}, status={"conditions": [{"type": "Denied", "status": "True"},
                                                                                  {"type": "Failed", "status": "True"}]}),
                 ["csr-3", "60s", "<none>", "eve", "<none>", "Denied,Failed"], id="csr-denied"),
    pytest.param(("coordination.k8s.io", "leases"), obj("kube-scheduler", 60, spec={"holderIdentity": "node_1"}),
                 ["kube-scheduler", "node_1", "60s"], id="lease"),
    pytest.param(("", "persistentvolumes"),
                 obj("pv1", 60, spec={"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                                      "claimRef": {"namespace": "default", "name": "data"}, "storageClassName": "fast"},
                     status={"phase": "Bound"}),
                 ["pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "fast", "<unset>", "", "60s", "Filesystem"], id="pv"),
    pytest.param(("", "persistentvolumeclaims"),
                 obj("data", 60, spec={"volumeName": "pv1", "storageClassName": "fast"},
                     status={"phase": "Bound", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"]}),
                 ["data", "Bound", "pv1", "10Gi", "RWO", "fast", "<unset>", "60s", "Filesystem"], id="pvc-bound"),
    pytest.param(("", "persistentvolumeclaims"),
                 obj("wait", 60, metadata={"annotations": {"volume.beta.kubernetes.io/storage-class": "slow"}},
                     spec={"volumeMode": "Block", "resources": {"requests": {"storage": "1Gi"}}}),
                 ["wait", "Pending", "", "", "", "slow", "<unset>", "60s", "Block"], id="pvc-pending"),
    pytest.param(("networking.k8s.io", "ingresses"),
                 obj("web", 60, spec={"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                                      "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
                     status={"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}),
                 ["web", "nginx", "a.example.com,b.example.com", "192.0.2.1", "80, 443", "60s"], id="ingress"),
    pytest.param(("networking.k8s.io", "ingresses"), obj("any", 60, spec={}), ["any", "<none>", "*", "", "80", "60s"], id="ingress-bare"),
    pytest.param(("networking.k8s.io", "networkpolicies"), obj("deny", 60, spec={"podSelector": {}}), ["deny", "<none>", "60s"], id="netpol"),
    pytest.param(("", "endpoints"),
                 obj("web", 60, subsets=[{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)], "ports": [{"port": 80}]}]),
                 ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "60s"], id="endpoints"),
    pytest.param(("", "endpoints"), obj("none", 60), ["none", "<none>", "60s"], id="endpoints-empty"),
    pytest.param(("discovery.k8s.io", "endpointslices"),
                 obj("web-abc", 60, addressType="IPv4", ports=[{"port": 80}, {"name": "metrics"}],
                     endpoints=[{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}]),
                 ["web-abc", "IPv4", "80,metrics", "10.0.0.1,10.0.0.2", "60s"], id="endpointslice"),
    pytest.param(("", "resourcequotas"),
                 obj("quota", 60, status={"hard": {"pods": "10", "requests.cpu": "2", "limits.memory": "4Gi"},
                                          "used": {"pods": "3", "requests.cpu": "500m"}}),
                 ["quota", "pods: 3/10, requests.cpu: 500m/2", "limits.memory: 0/4Gi", "60s"], id="resourcequota"),
    pytest.param(("storage.k8s.io", "storageclasses"),
                 obj("standard", 60, provisioner="rancher.io/local-path", volumeBindingMode="WaitForFirstConsumer",
                     metadata={"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}),
                 ["standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", False, "60s"], id="storageclass"),
    pytest.param(("scheduling.k8s.io", "priorityclasses"), obj("high", 60, value=1000000),
                 ["high", 1000000, False, "60s", "PreemptLowerPriority"], id="priorityclass"),
    pytest.param(("admissionregistration.k8s.io", "validatingwebhookconfigurations"), obj("hooks", 60, webhooks=[{}, {}]),
                 ["hooks", 2, "60s"], id="webhooks"),
    pytest.param(("admissionregistration.k8s.io", "validatingadmissionpolicies"),
                 obj("policy", 60, spec={"validations": [{}], "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}}),
                 ["policy", 1, "v1/ConfigMap", "60s"], id="vap"),
    pytest.param(("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
                 obj("bind", 60, spec={"policyName": "policy", "paramRef": {"name": "limits"}}),
                 ["bind", "policy", "*/limits", "60s"], id="vapb"),
    pytest.param(("node.k8s.io", "runtimeclasses"), obj("gvisor", 60, handler="runsc"), ["gvisor", "runsc", "60s"], id="runtimeclass"),
    pytest.param(("storage.k8s.io", "csidrivers"), obj("csi.example.com", 60, spec={}),
                 ["csi.example.com", True, False, False, "<unset>", False, "Persistent", "60s"], id="csidriver"),
    pytest.param(("storage.k8s.io", "csinodes"), obj("n1", 60, spec={"drivers": [{"name": "csi.example.com"}]}), ["n1", 1, "60s"], id="csinode"),
    pytest.param(("apiregistration.k8s.io", "apiservices"),
                 obj("v1.apps", 60, spec={}, status={"conditions": [{"type": "Available", "status": "True"}]}),
                 ["v1.apps", "Local", "True", "60s"], id="apiservice-local"),
    pytest.param(("apiregistration.k8s.io", "apiservices"),
                 obj("v1beta1.metrics.k8s.io", 60, spec={"service": {"namespace": "kube-system", "name": "metrics-server"}},
                     status={"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}),
                 ["v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (MissingEndpoints)", "60s"], id="apiservice-remote"),
    pytest.param(("flowcontrol.apiserver.k8s.io", "flowschemas"),
                 obj("exempt", 60, spec={"priorityLevelConfiguration": {"name": "exempt"}, "matchingPrecedence": 1},
                     status={"conditions": [{"type": "Dangling", "status": "False"}]}),
                 ["exempt", "exempt", 1, "<none>", "60s", "False"], id="flowschema"),
    pytest.param(("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
                 obj("workload-low", 60, spec={"type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {"queues": 128}}}}),
                 ["workload-low", "Limited", 30, 128, 8, 50, "60s"], id="prioritylevel"),
    pytest.param(("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"), obj("exempt", 60, spec={"type": "Exempt"}),
                 ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "60s"], id="prioritylevel-exempt"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "item", "cells"), CASES)
def test_rows(resource: tuple[str, str], item: dict[str, Any], cells: list[Any]) -> None:
    assert row(resource, item) == cells


def test_flowschemas_are_listed_by_matching_precedence() -> None:
    spec = builtin_spec("flowcontrol.apiserver.k8s.io", "flowschemas")
    schemas = [obj(name, 60, spec={"matchingPrecedence": precedence}) for name, precedence in
               (("catch-all", 10000), ("b", 0), ("exempt", 1), ("a", 1000))]  # fmt: skip
    table = build_table(schemas, columns_of(spec), spec=spec)
    assert [r["cells"][0] for r in table["rows"]] == ["exempt", "a", "b", "catch-all"]


def test_column_descriptions_come_from_the_api_documentation() -> None:
    definitions = {c["name"]: c for c in build_table([], columns_of(builtin_spec("", "pods")))["columnDefinitions"]}
    assert definitions["Name"]["description"].startswith("Name must be unique within a namespace.")
    assert definitions["Node"]["description"].startswith("NodeName indicates in which node this pod is scheduled.")
    assert definitions["Name"]["format"] == "name" and definitions["IP"]["priority"] == 1


def test_every_documented_column_finds_its_description() -> None:
    unresolved = [
        (resource, column.name)
        for resource, columns in PRINTERS.items()
        for column in columns
        if isinstance(column.description, SwaggerDoc) and not describe(column.description)
    ]
    assert unresolved == []
