"""The running cluster as a newcomer meets it with kubectl: services, jobs, stateful and daemon
sets, and a pod that fits nowhere (the acceptance walkthrough of the cluster issue)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary(), server.kubeconfig, tmp_path)


def test_expose_gives_a_cluster_ip_and_endpoint_slices_with_the_pod_ips(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "walk-svc")
    kubectl.ok("create", "deployment", "web", "--image=nginx", "--replicas=2", "--port=80", "-n", "walk-svc")
    kubectl.ok("rollout", "status", "deployment/web", "-n", "walk-svc", "--timeout=30s")
    waited = kubectl.ok("wait", "--for=condition=Ready", "pod", "-l", "app=web", "-n", "walk-svc", "--timeout=30s")
    assert waited.count("condition met") == 2
    assert kubectl.ok("expose", "deployment", "web", "--port=80", "-n", "walk-svc").strip() == "service/web exposed"
    kubectl.settle()
    service = json.loads(kubectl.ok("get", "service", "web", "-n", "walk-svc", "-o", "json"))
    first, second, *_ = (int(part) for part in service["spec"]["clusterIP"].split("."))
    assert (first, second & 0xF0) == (10, 96)  # inside 10.96.0.0/12
    pods = json.loads(kubectl.ok("get", "pods", "-l", "app=web", "-n", "walk-svc", "-o", "json"))
    slices = json.loads(kubectl.ok(
        "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-n", "walk-svc", "-o", "json"))
    published = {address for item in slices["items"] for e in item["endpoints"] for address in e["addresses"]}
    assert published == {pod["status"]["podIP"] for pod in pods["items"]}


def test_a_job_completes_and_its_pod_shows_completed(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "walk-job")
    kubectl.ok("create", "job", "once", "--image=busybox", "-n", "walk-job", "--", "true")
    assert kubectl.ok("wait", "--for=condition=Complete", "job/once", "-n", "walk-job", "--timeout=30s").strip() == (
        "job.batch/once condition met")
    row = kubectl.ok("get", "pods", "-l", "job-name=once", "-n", "walk-job", "--no-headers").split()
    assert row[1:3] == ["0/1", "Completed"]


def test_statefulset_ordinals_and_a_daemon_pod_per_node(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "walk-sets")
    manifest = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: walk-sets}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: walk-sets}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox}]}
"""
    kubectl.run("apply", "-f", "-", input=manifest, check=True)
    kubectl.ok("rollout", "status", "statefulset/db", "-n", "walk-sets", "--timeout=30s")
    kubectl.ok("rollout", "status", "daemonset/agent", "-n", "walk-sets", "--timeout=30s")
    names = kubectl.ok("get", "pods", "-l", "app=db", "-n", "walk-sets", "-o", "name").split()
    assert names == ["pod/db-0", "pod/db-1"]
    agents = json.loads(kubectl.ok("get", "pods", "-l", "app=agent", "-n", "walk-sets", "-o", "json"))
    assert [pod["spec"]["nodeName"] for pod in agents["items"]] == ["kubegate-node"]


def test_a_pod_that_fits_nowhere_stays_pending_with_the_schedulers_reason(kubectl: Kubectl) -> None:
    kubectl.ok("create", "namespace", "walk-pending")
    kubectl.ok("run", "lost", "--image=nginx", "-n", "walk-pending", "--overrides",
               '{"spec":{"nodeSelector":{"disk":"ssd"}}}')
    kubectl.settle()
    assert kubectl.ok("get", "pod", "lost", "-n", "walk-pending", "-o", "jsonpath={.status.phase}") == "Pending"
    events = kubectl.ok("get", "events", "-n", "walk-pending", "--field-selector", "reason=FailedScheduling",
                        "-o", "jsonpath={.items[*].message}")
    assert events == (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are "
        "available: 1 Preemption is not helpful for scheduling."
    )
