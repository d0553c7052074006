"""Real kubectl against `kubegate serve`: the everyday commands print what a cluster prints."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import yaml

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: robot
  namespace: {ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: {ns}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: {ns}
subjects:
- kind: ServiceAccount
  name: robot
  namespace: {ns}
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: {ns}
  labels:
    app: web
spec:
  serviceAccountName: robot
  containers:
  - name: main
    image: nginx:1.27
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def write_manifest(tmp_path: Path, ns: str) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(MANIFEST.format(ns=ns))
    return path


def test_dispatcher_reports_the_server_version(server: ServerProcess, tmp_path: Path) -> None:
    kubectl = Kubectl(kubectl_binary(), server.kubeconfig, tmp_path)
    out = kubectl.ok("version")
    assert "Server Version: v1.32.4" in out


def test_api_resources_look_like_a_cluster(kubectl: Kubectl) -> None:
    out = kubectl.ok("api-resources")
    lines = {re.sub(r"\s+", " ", line.strip()) for line in out.splitlines()}
    assert "NAME SHORTNAMES APIVERSION NAMESPACED KIND" in lines
    assert "deployments deploy apps/v1 true Deployment" in lines
    assert "pods po v1 true Pod" in lines
    assert "clusterroles rbac.authorization.k8s.io/v1 false ClusterRole" in lines
    assert "certificatesigningrequests csr certificates.k8s.io/v1 false CertificateSigningRequest" in lines


def test_system_namespaces_exist(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "namespaces")
    names = [line.split()[0] for line in out.splitlines()[1:]]
    assert {"default", "kube-node-lease", "kube-public", "kube-system"} <= set(names)
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]


def test_apply_get_and_delete_a_manifest(kubectl: Kubectl, tmp_path: Path) -> None:
    ns = unique("demo")
    manifest = write_manifest(tmp_path, ns)
    assert kubectl.ok("apply", "-f", str(manifest)).splitlines() == [
        f"namespace/{ns} created",
        "serviceaccount/robot created",
        "role.rbac.authorization.k8s.io/pod-reader created",
        "rolebinding.rbac.authorization.k8s.io/read-pods created",
        "pod/web created",
    ]
    # the pod goes Pending -> ContainerCreating -> Running as the scheduler and the node's kubelet
    # take it; wait for the end of that, as a user would, so that the row is one state
    assert kubectl.ok("wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=30s") == "pod/web condition met\n"
    wide = kubectl.ok("get", "pods", "-n", ns, "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    assert wide[1].split()[:4] == ["web", "1/1", "Running", "0"]
    assert wide[1].split()[6:] == ["kubegate-node", "<none>", "<none>"]

    as_yaml = yaml.safe_load(kubectl.ok("get", "pod", "web", "-n", ns, "-o", "yaml"))
    assert as_yaml["metadata"]["labels"] == {"app": "web"}
    assert as_yaml["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "kubectl.kubernetes.io/last-applied-configuration" in as_yaml["metadata"]["annotations"]
    as_json = json.loads(kubectl.ok("get", "serviceaccount", "robot", "-n", ns, "-o", "json"))
    assert as_json["kind"] == "ServiceAccount" and as_json["metadata"]["uid"]

    everywhere = kubectl.ok("get", "pods", "-A", "--show-labels").splitlines()
    assert everywhere[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"]
    assert any(line.split()[0] == ns and line.split()[1] == "web" and line.split()[-1] == "app=web" for line in everywhere[1:])

    assert kubectl.ok("delete", "-f", str(manifest)).splitlines() == [
        f'namespace "{ns}" deleted',
        'serviceaccount "robot" deleted',
        'role.rbac.authorization.k8s.io "pod-reader" deleted',
        'rolebinding.rbac.authorization.k8s.io "read-pods" deleted',
        'pod "web" deleted',
    ]
    gone = kubectl.run("get", "namespace", ns)
    assert gone.returncode == 1
    assert gone.stderr.strip() == f'Error from server (NotFound): namespaces "{ns}" not found'


def test_label_annotate_and_patch(kubectl: Kubectl) -> None:
    name = unique("cm")
    kubectl.ok("create", "configmap", name, "--from-literal=a=1")
    assert kubectl.ok("label", "configmap", name, "tier=web").strip() == f"configmap/{name} labeled"
    assert kubectl.ok("annotate", "configmap", name, "note=hi").strip() == f"configmap/{name} annotated"
    assert kubectl.ok("patch", "configmap", name, "--type=merge", "-p", '{"data":{"b":"2"}}').strip() == f"configmap/{name} patched"
    assert kubectl.ok(
        "patch", "configmap", name, "--type=json", "-p", '[{"op":"replace","path":"/data/a","value":"9"}]'
    ).strip() == f"configmap/{name} patched"
    live = json.loads(kubectl.ok("get", "configmap", name, "-o", "json"))
    assert live["data"] == {"a": "9", "b": "2"}
    assert live["metadata"]["labels"] == {"tier": "web"}
    assert live["metadata"]["annotations"] == {"note": "hi"}
    assert kubectl.ok("label", "configmap", name, "tier-").strip() == f"configmap/{name} unlabeled"
    shown = kubectl.ok("get", "configmap", "-l", "tier=web")
    assert name not in shown
    assert kubectl.ok("delete", "configmap", name).strip() == f'configmap "{name}" deleted'


def test_watch_sees_a_change(kubectl: Kubectl) -> None:
    name = unique("watched")
    kubectl.ok("create", "configmap", name, "--from-literal=a=1")
    watch = kubectl.stream("get", "configmaps", name, "--watch", "--output-watch-events")
    try:
        assert watch.readline().split()[:2] == ["EVENT", "NAME"]
        assert watch.readline().split()[:2] == ["ADDED", name]
        kubectl.ok("label", "configmap", name, "changed=yes")
        assert watch.readline().split()[:2] == ["MODIFIED", name]
        kubectl.ok("delete", "configmap", name)
        assert watch.readline().split()[:2] == ["DELETED", name]
    finally:
        watch.stop()


def test_explain_reads_the_schema(kubectl: Kubectl) -> None:
    out = kubectl.ok("explain", "pods.spec.containers")
    assert "KIND:       Pod" in out
    assert "FIELD: containers <[]Container>" in out
    assert "image\t<string>" in out


def test_create_from_file_with_generate_name(kubectl: Kubectl, tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata:\n  k: v\n")
    out = kubectl.ok("create", "-f", str(path)).strip()
    assert re.fullmatch(r"configmap/gen-[a-z0-9]{5} created", out), out
