"""The defaults the real server fills in on the way in (SetDefaults_* and DefaultTolerationSeconds)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.admission.default_toleration_seconds import DefaultTolerationSecondsAdmission
from kubegate.api.user import UserInfo
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.defaults import services, workloads
from kubegate.registry.defaults.engine import Default, apply

TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
DEFAULTED_TEMPLATE_SPEC = {
    "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Always", "resources": {},
                    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
    "schedulerName": "default-scheduler", "securityContext": {},
}


def test_engine_sets_only_unset_fields_and_skips_non_objects() -> None:
    obj: dict[str, Any] = {"spec": {"a": 0, "b": "", "c": None, "d": "x"}, "bad": "scalar"}
    apply(obj, (Default("spec.a", 1), Default("spec.b", "B"), Default("spec.c", 3), Default("spec.d", "D"),
                Default("bad.x", 1), Default("new.deep", [1])))
    assert obj == {"spec": {"a": 0, "b": "B", "c": 3, "d": "x"}, "bad": "scalar", "new": {"deep": [1]}}


CASES: list[tuple[Any, dict[str, Any], dict[str, Any]]] = [
    (workloads.deployment_defaults, {"template": TEMPLATE}, {
        "replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}}),
    (workloads.deployment_defaults, {"template": TEMPLATE, "strategy": {"type": "Recreate"}}, {
        "replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, "strategy": {"type": "Recreate"}}),
    (workloads.replica_set_defaults, {"template": TEMPLATE}, {"replicas": 1}),
    (workloads.stateful_set_defaults, {"template": TEMPLATE}, {
        "replicas": 1, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}),
    (workloads.daemon_set_defaults, {"template": TEMPLATE}, {
        "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}}),
    (workloads.job_defaults, {"template": TEMPLATE}, {
        "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed"}),
    (workloads.job_defaults, {"template": TEMPLATE, "completions": 5}, {
        "completions": 5, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed"}),
    (workloads.job_defaults, {"template": TEMPLATE, "parallelism": 3}, {
        "parallelism": 3, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed"}),
]


@pytest.mark.parametrize(("defaults", "spec", "added"), CASES)
def test_workload_defaults(defaults: Any, spec: dict[str, Any], added: dict[str, Any]) -> None:
    obj = {"metadata": {"name": "x"}, "spec": copy.deepcopy(spec)}
    defaults(obj)
    template = obj["spec"].pop("template")
    assert template["spec"] == DEFAULTED_TEMPLATE_SPEC
    assert obj["spec"] == {**{k: v for k, v in spec.items() if k != "template"}, **added}


def test_cron_job_defaults_and_its_template() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "c"}, "spec": {"schedule": "* * * * *",
                                                              "jobTemplate": {"spec": {"template": copy.deepcopy(TEMPLATE)}}}}
    workloads.cron_job_defaults(obj)
    job_spec = obj["spec"].pop("jobTemplate")["spec"]
    assert job_spec == {"template": {**TEMPLATE, "spec": DEFAULTED_TEMPLATE_SPEC}}  # no Job defaults in the template
    assert obj["spec"] == {"schedule": "* * * * *", "concurrencyPolicy": "Allow", "suspend": False,
                           "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1}


def test_replication_controller_takes_selector_and_labels_from_its_template() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "rc"}, "spec": {"template": copy.deepcopy(TEMPLATE)}}
    workloads.replication_controller_defaults(obj)
    assert obj["metadata"]["labels"] == {"app": "x"} and obj["spec"]["selector"] == {"app": "x"}
    assert obj["spec"]["replicas"] == 1


@pytest.mark.parametrize(("spec", "expected"), [
    ({"ports": [{"port": 80}]}, {"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                                 "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}),
    ({"type": "LoadBalancer", "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}]}, {
        "type": "LoadBalancer", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "externalTrafficPolicy": "Cluster", "allocateLoadBalancerNodePorts": True,
        "ports": [{"port": 80, "protocol": "UDP", "targetPort": "http"}]}),
    ({"type": "ExternalName", "externalName": "a.b", "sessionAffinity": "ClientIP"}, {
        "type": "ExternalName", "externalName": "a.b", "sessionAffinity": "ClientIP",
        "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}),
])
def test_service_defaults(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    obj = {"metadata": {"name": "s"}, "spec": spec}
    services.service_defaults(obj)
    assert obj["spec"] == expected


def test_a_type_change_drops_what_the_new_type_cannot_have() -> None:
    old = {"spec": {"type": "NodePort", "clusterIP": "10.96.0.9", "clusterIPs": ["10.96.0.9"],
                    "externalTrafficPolicy": "Cluster", "ports": [{"port": 80, "nodePort": 30001}]}}
    new = copy.deepcopy(old)
    new["spec"]["type"] = "ClusterIP"
    services.drop_type_dependent_fields(new, old)
    assert new["spec"] == {"type": "ClusterIP", "clusterIP": "10.96.0.9", "clusterIPs": ["10.96.0.9"],
                           "ports": [{"port": 80}]}
    new = copy.deepcopy(old)
    new["spec"]["type"] = "ExternalName"
    services.drop_type_dependent_fields(new, old)
    assert "clusterIPs" not in new["spec"] and "nodePort" not in new["spec"]["ports"][0]


@pytest.mark.parametrize(("tolerations", "added"), [
    (None, ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]),
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}],
     ["node.kubernetes.io/not-ready"]),
    ([{"operator": "Exists"}], []),  # tolerates everything
    ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}],
     ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]),
])
def test_default_toleration_seconds(tolerations: list[dict[str, Any]] | None, added: list[str]) -> None:
    pods = next(spec for spec in BUILTIN_RESOURCES if spec.resource_key == ("", "pods"))
    pod: dict[str, Any] = {"metadata": {"name": "p"}, "spec": {"containers": []}}
    if tolerations is not None:
        pod["spec"]["tolerations"] = copy.deepcopy(tolerations)
    attributes = AdmissionAttributes(CREATE, pods, "default", "p", "", UserInfo(name="u"), pod, None)
    asyncio.run(DefaultTolerationSecondsAdmission().admit(attributes))
    assert pod["spec"].get("tolerations", []) == [*(tolerations or []), *(
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300} for key in added)]
