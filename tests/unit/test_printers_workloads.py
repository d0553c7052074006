"""Table rows of pods and workloads, cell by cell, as a real 1.32 server prints them."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.registry.printers.pods import pod_row_conditions
from kubegate.registry.tables import build_table, columns_of
from tests.support.builtin_specs import builtin_spec
from tests.unit.printing import ago, headers, obj, row

PODS = ("", "pods")
TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}  # fmt: skip
SELECTOR = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}


@pytest.mark.parametrize(
    ("resource", "normal", "wide"),
    [
        (PODS, "NAME READY STATUS RESTARTS AGE", "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES"),
        (("apps", "deployments"), "NAME READY UP-TO-DATE AVAILABLE AGE",
         "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR"),
        (("apps", "replicasets"), "NAME DESIRED CURRENT READY AGE", "NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR"),
        (("apps", "statefulsets"), "NAME READY AGE", "NAME READY AGE CONTAINERS IMAGES"),
        (("apps", "daemonsets"), "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE",
         "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE CONTAINERS IMAGES SELECTOR"),
        (("batch", "jobs"), "NAME STATUS COMPLETIONS DURATION AGE",
         "NAME STATUS COMPLETIONS DURATION AGE CONTAINERS IMAGES SELECTOR"),
        (("batch", "cronjobs"), "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE",
         "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE CONTAINERS IMAGES SELECTOR"),
        (("autoscaling", "horizontalpodautoscalers"), "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE", None),
        (("policy", "poddisruptionbudgets"), "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE", None),
        (("", "podtemplates"), "NAME CONTAINERS IMAGES POD LABELS", None),
        (("apps", "controllerrevisions"), "NAME CONTROLLER REVISION AGE", None),
    ],
)  # fmt: skip
def test_headers(resource: tuple[str, str], normal: str, wide: str | None) -> None:
    assert headers(resource) == normal
    assert headers(resource, wide=True) == (wide or normal)


def _status(**fields: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginx", "restartCount": 0, **fields}


POD_CASES = [
    pytest.param(
        obj("crashing", 7200, spec={"containers": [{"name": "web"}, {"name": "log"}], "nodeName": "node-1"},
            status={"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}], "podIP": "10.0.0.5", "containerStatuses": [
                _status(ready=True, restartCount=5, state={"running": {}},
                        lastState={"terminated": {"exitCode": 1, "finishedAt": ago(300)}}),
                _status(name="log", state={"waiting": {"reason": "CrashLoopBackOff"}}),
            ]}),
        ["crashing", "1/2", "CrashLoopBackOff", "5 (5m ago)", "120m", "10.0.0.5", "node-1", "<none>", "<none>"],
        id="crash-loop-with-restarts",
    ),
    pytest.param(
        obj("starting", 30, spec={"initContainers": [{"name": "init"}], "containers": [{"name": "web"}]},
            status={"phase": "Pending", "initContainerStatuses": [
                _status(name="init", state={"waiting": {"reason": "PodInitializing"}})]}),
        ["starting", "0/1", "Init:0/1", "0", "30s", "<none>", "<none>", "<none>", "<none>"],
        id="init-container-pending",
    ),
    pytest.param(
        obj("failing-init", 60, spec={"initContainers": [{"name": "init"}], "containers": [{"name": "web"}]},
            status={"phase": "Pending", "initContainerStatuses": [
                _status(name="init", restartCount=2, state={"terminated": {"exitCode": 3}})]}),
        ["failing-init", "0/1", "Init:ExitCode:3", "2", "60s", "<none>", "<none>", "<none>", "<none>"],
        id="init-container-failed",
    ),
    pytest.param(
        obj("done", 86400 * 3, spec={"containers": [{"name": "web"}]},
            status={"phase": "Succeeded", "containerStatuses": [
                _status(state={"terminated": {"exitCode": 0, "reason": "Completed"}})]}),
        ["done", "0/1", "Completed", "0", "3d", "<none>", "<none>", "<none>", "<none>"],
        id="completed",
    ),
    pytest.param(
        obj("leaving", 600, metadata={"deletionTimestamp": ago(5)}, spec={"containers": [{"name": "web"}]},
            status={"phase": "Running", "containerStatuses": [_status(ready=True, state={"running": {}})]}),
        ["leaving", "1/1", "Terminating", "0", "10m", "<none>", "<none>", "<none>", "<none>"],
        id="terminating",
    ),
    pytest.param(
        obj("sidecar", 600, spec={"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
                                  "containers": [{"name": "web"}],
                                  "readinessGates": [{"conditionType": "example.com/ready"}]},
            status={"phase": "Running",
                    "conditions": [{"type": "Initialized", "status": "True"}, {"type": "example.com/ready", "status": "False"}],
                    "initContainerStatuses": [_status(name="proxy", started=True, ready=True, state={"running": {}})],
                    "containerStatuses": [_status(ready=True, state={"running": {}})]}),
        ["sidecar", "2/2", "Running", "0", "10m", "<none>", "<none>", "<none>", "0/1"],
        id="sidecar-and-readiness-gate",
    ),
    pytest.param(
        obj("gated", 10, spec={"containers": [{"name": "web"}]},
            status={"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        ["gated", "0/1", "SchedulingGated", "0", "10s", "<none>", "<none>", "<none>", "<none>"],
        id="scheduling-gated",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("pod", "cells"), POD_CASES)
def test_pod_rows(pod: dict[str, Any], cells: list[Any]) -> None:
    assert row(PODS, pod) == cells


def test_finished_pods_carry_the_completed_row_condition() -> None:
    done = POD_CASES[3].values[0]
    assert pod_row_conditions(done) == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    pods = builtin_spec(*PODS)
    table = build_table([done], columns_of(pods), spec=pods)
    assert table["rows"][0]["conditions"][0]["reason"] == "Succeeded"
    running = POD_CASES[0].values[0]
    assert "conditions" not in build_table([running], columns_of(pods), spec=pods)["rows"][0]


WORKLOAD_CASES = [
    pytest.param(("apps", "deployments"),
                 obj("web", 90, spec={"replicas": 3, "selector": SELECTOR, "template": TEMPLATE},
                     status={"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}),
                 ["web", "2/3", 3, 2, "90s", "web,log", "nginx:1.27,busybox", "app=web,tier in (a,b)"], id="deployment"),
    pytest.param(("apps", "deployments"), obj("fresh", 5, spec={"selector": {}, "template": TEMPLATE}),
                 ["fresh", "0/1", 0, 0, "5s", "web,log", "nginx:1.27,busybox", ""], id="deployment-defaults"),
    pytest.param(("apps", "replicasets"),
                 obj("web-7d9", 90, spec={"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE},
                     status={"replicas": 3, "readyReplicas": 2}),
                 [ "web-7d9", 3, 3, 2, "90s", "web,log", "nginx:1.27,busybox", "app=web"], id="replicaset"),
    pytest.param(("", "replicationcontrollers"), obj("rc", 90, spec={"replicas": 2, "template": TEMPLATE}),
                 ["rc", 2, 0, 0, "90s", "web,log", "nginx:1.27,busybox", "app=web"], id="rc-selector-defaults-to-template"),
    pytest.param(("apps", "statefulsets"),
                 obj("db", 90, spec={"replicas": 3, "template": TEMPLATE}, status={"readyReplicas": 1}),
                 ["db", "1/3", "90s", "web,log", "nginx:1.27,busybox"], id="statefulset"),
    pytest.param(("apps", "daemonsets"),
                 obj("agent", 90, spec={"selector": {"matchLabels": {"app": "agent"}},
                                        "template": {**TEMPLATE, "spec": {**TEMPLATE["spec"], "nodeSelector": {"kubernetes.io/os": "linux"}}}},
                     status={"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
                             "updatedNumberScheduled": 2, "numberAvailable": 1}),
                 ["agent", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "90s", "web,log", "nginx:1.27,busybox", "app=agent"],
                 id="daemonset"),
    pytest.param(("batch", "jobs"),
                 obj("pi", 700, spec={"completions": 1, "template": TEMPLATE,
                                      "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}},
                     status={"succeeded": 1, "startTime": ago(600), "completionTime": ago(540),
                             "conditions": [{"type": "Complete", "status": "True"}]}),
                 ["pi", "Complete", "1/1", "60s", "11m", "web,log", "nginx:1.27,busybox",
                  "batch.kubernetes.io/controller-uid=u1"], id="job-complete"),
    pytest.param(("batch", "jobs"),
                 obj("work", 400, spec={"parallelism": 3, "template": TEMPLATE}, status={"startTime": ago(300)}),
                 ["work", "Running", "0/1 of 3", "5m", "6m40s", "web,log", "nginx:1.27,busybox", "<none>"], id="job-parallel"),
    pytest.param(("batch", "jobs"),
                 obj("held", 20, spec={"suspend": True, "template": TEMPLATE},
                     status={"conditions": [{"type": "Suspended", "status": "True"}]}),
                 ["held", "Suspended", "0/1", "", "20s", "web,log", "nginx:1.27,busybox", "<none>"], id="job-suspended"),
    pytest.param(("batch", "cronjobs"),
                 obj("nightly", 86400 * 10, spec={"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": TEMPLATE}}},
                     status={"active": [{"name": "nightly-1"}], "lastScheduleTime": ago(3600)}),
                 ["nightly", "0 3 * * *", "<none>", "False", 1, "60m", "10d", "web,log", "nginx:1.27,busybox", "<none>"],
                 id="cronjob"),
    pytest.param(("autoscaling", "horizontalpodautoscalers"),
                 obj("web", 60, spec={"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 10,
                                      "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                                          "type": "Utilization", "averageUtilization": 80}}}]},
                     status={"currentReplicas": 2, "currentMetrics": [
                         {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]}),
                 ["web", "Deployment/web", "cpu: 45%/80%", "1", 10, 2, "60s"], id="hpa-v2"),
    pytest.param(("autoscaling", "horizontalpodautoscalers"),
                 obj("old", 60, spec={"scaleTargetRef": {"kind": "Deployment", "name": "old"}, "minReplicas": 2,
                                      "maxReplicas": 4, "targetCPUUtilizationPercentage": 50}),
                 ["old", "Deployment/old", "cpu: <unknown>/50%", "2", 4, 0, "60s"], id="hpa-v1"),
    pytest.param(("policy", "poddisruptionbudgets"), obj("web", 60, spec={"minAvailable": 1}, status={"disruptionsAllowed": 0}),
                 ["web", "1", "N/A", 0, "60s"], id="pdb-min"),
    pytest.param(("policy", "poddisruptionbudgets"), obj("db", 60, spec={"maxUnavailable": "25%"}),
                 ["db", "N/A", "25%", 0, "60s"], id="pdb-max"),
    pytest.param(("", "podtemplates"), obj("tpl", 60, template=TEMPLATE),
                 ["tpl", "web,log", "nginx:1.27,busybox", "app=web"], id="podtemplate"),
    pytest.param(("apps", "controllerrevisions"),
                 obj("agent-5d8", 60, revision=2, metadata={"ownerReferences": [
                     {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "controller": True}]}),
                 ["agent-5d8", "daemonset.apps/agent", 2, "60s"], id="controllerrevision"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "item", "cells"), WORKLOAD_CASES)
def test_workload_rows(resource: tuple[str, str], item: dict[str, Any], cells: list[Any]) -> None:
    assert row(resource, item) == cells
