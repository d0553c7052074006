"""Real kubectl 1.32 `get` and `get -o wide` against kubegate's server-side columns and paging."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: web, image: "nginx:1.27"}}
      - {{name: log, image: busybox}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  type: NodePort
  selector: {{app: web}}
  ports:
  - {{name: http, port: 80, nodePort: 30080}}
  - {{name: https, port: 443}}
---
apiVersion: v1
kind: Secret
metadata: {{name: tls, namespace: {ns}}}
type: kubernetes.io/tls
data: {{tls.crt: "", tls.key: ""}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: work, namespace: {ns}}}
spec:
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - {{name: work, image: busybox}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: viewers, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects:
- {{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}}
- {{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}}
- {{kind: ServiceAccount, name: robot, namespace: {ns}}}
"""

AGE = r"\d+s"

#: A pod naming a scheduler that does not run stays unbound and Pending, and no kubelet ever
#: writes its status, on kubegate as on a real cluster: the way to keep a pod's state still.
UNSCHEDULED = '{"spec":{"schedulerName":"no-such-scheduler"}}'


@pytest.fixture(scope="module")
def ns(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"print-{uuid.uuid4().hex[:6]}"
    home = tmp_path_factory.mktemp("setup")
    manifest = home / "manifest.yaml"
    manifest.write_text(MANIFEST.format(ns=name))
    kubectl = Kubectl(kubectl_binary("1.32"), server.kubeconfig, home)
    kubectl.ok("apply", "-f", str(manifest))
    # the rows below are those of the finished rollout and the finished Job, not of a moment of them
    kubectl.settle()
    return name


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def table(out: str) -> list[list[str]]:
    """kubectl's aligned columns, split at runs of two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()]


def test_deployments_normal_and_wide(kubectl: Kubectl, ns: str) -> None:
    [head, web] = table(kubectl.ok("get", "deployments", "-n", ns))
    assert head == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert web[:4] == ["web", "2/2", "2", "2"] and re.fullmatch(AGE, web[4])
    [head, web] = table(kubectl.ok("get", "deployments", "-n", ns, "-o", "wide"))
    assert head == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert web[5:] == ["web,log", "nginx:1.27,busybox", "app=web"]


def test_services_secrets_and_jobs(kubectl: Kubectl, ns: str) -> None:
    # the server allocates the cluster IP (from --service-cluster-ip-range, default 10.96.0.0/12)
    # and the node port left out (from --service-node-port-range, default 30000-32767)
    spec = json.loads(kubectl.ok("get", "service", "web", "-n", ns, "-o", "json"))["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    allocated = spec["ports"][1]["nodePort"]
    assert spec["ports"][0]["nodePort"] == 30080 and 30000 <= allocated <= 32767
    [head, web] = table(kubectl.ok("get", "services", "-n", ns, "-o", "wide"))
    assert head == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    expected = ["web", "NodePort", spec["clusterIP"], "<none>", f"80:30080/TCP,443:{allocated}/TCP"]
    assert web[:5] == expected and web[6] == "app=web"
    [head, tls] = table(kubectl.ok("get", "secrets", "tls", "-n", ns))
    assert (head, tls[:3]) == (["NAME", "TYPE", "DATA", "AGE"], ["tls", "kubernetes.io/tls", "2"])
    [head, work] = table(kubectl.ok("get", "jobs", "-n", ns, "-o", "wide"))
    assert head == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    # no completions, parallelism 3: all three pods run, and the Job counts each one that succeeds
    assert work[:3] == ["work", "Complete", "3/1 of 3"]


def test_rolebindings_wide_and_the_default_table(kubectl: Kubectl, ns: str) -> None:
    [head, viewers] = table(kubectl.ok("get", "rolebindings", "viewers", "-n", ns, "-o", "wide"))
    assert head == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert viewers[:2] == ["viewers", "ClusterRole/view"] and viewers[3:] == ["alice", "devs", f"{ns}/robot"]
    [head, view] = table(kubectl.ok("get", "clusterroles", "view"))
    assert head == ["NAME", "CREATED AT"]
    assert view[0] == "view" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", view[1])


def test_pod_restarts_show_when_the_last_one_was(kubectl: Kubectl, ns: str) -> None:
    # unscheduled, so that no kubelet overwrites the status this test writes
    kubectl.ok("run", "crashy", "-n", ns, "--image=busybox", f"--overrides={UNSCHEDULED}")
    status = (
        '{"status":{"phase":"Running","podIPs":[{"ip":"10.1.2.3"}],"containerStatuses":[{"name":"crashy","image":"busybox",'
        '"imageID":"","ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}},'
        '"lastState":{"terminated":{"exitCode":1,"finishedAt":"2020-01-01T00:00:00Z"}}}]}}'
    )
    kubectl.ok("patch", "pod", "crashy", "-n", ns, "--subresource=status", "--type=merge", "-p", status)
    [head, pod] = table(kubectl.ok("get", "pod", "crashy", "-n", ns, "-o", "wide"))
    assert head == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert pod[:3] == ["crashy", "0/1", "CrashLoopBackOff"]
    assert re.fullmatch(r"4 \(\d+y\d*d? ago\)", pod[3]), pod[3]
    assert pod[5:] == ["10.1.2.3", "<none>", "<none>", "<none>"]


def test_chunked_lists_and_field_selectors(kubectl: Kubectl, ns: str) -> None:
    for index in range(5):
        kubectl.ok("create", "configmap", f"chunk-{index}", "-n", ns, f"--from-literal=k={index}")
    chunked = table(kubectl.ok("get", "configmaps", "-n", ns, "--chunk-size=2", "-l", "!missing"))
    assert chunked[0] == ["NAME", "DATA", "AGE"]
    assert [row[0] for row in chunked[1:] if row[0].startswith("chunk-")] == [f"chunk-{i}" for i in range(5)]
    kubectl.ok("run", "waiting", "-n", ns, "--image=busybox", f"--overrides={UNSCHEDULED}")  # stays Pending
    selected = table(kubectl.ok("get", "pods", "-n", ns, "--field-selector", "status.phase=Pending,spec.restartPolicy=Always"))
    assert [row[0] for row in selected[1:]] == ["waiting"]
    refused = kubectl.run("get", "deployments", "-n", ns, "--field-selector", "status.replicas=1")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that match label selector "", '
        'field selector "status.replicas=1": "status.replicas" is not a known field selector: only "metadata.name", '
        '"metadata.namespace"'
    )
