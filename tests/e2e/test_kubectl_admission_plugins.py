"""The default admission plugins with real kubectl, and the flags that choose them on `kubegate serve`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import kubegate_serve

LIMIT_RANGE = """\
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
  - type: Container
    max: {cpu: "1", memory: 512Mi}
    defaultRequest: {cpu: 100m}
"""

CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
"""


def test_limit_range_defaults_and_the_default_storage_class(kubectl: Kubectl) -> None:
    ns = f"lr-{kubectl.binary.rsplit('.', 1)[-1].replace('.', '-')}"
    kubectl.ok("create", "namespace", ns)
    kubectl.ok("apply", "-n", ns, "-f", "-", input=LIMIT_RANGE)
    kubectl.ok("run", "web", "--image=nginx", "-n", ns)
    resources = json.loads(kubectl.ok("get", "pod", "web", "-n", ns, "-o", "jsonpath={.spec.containers[0].resources}"))
    assert resources == {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "512Mi"}}
    annotation = kubectl.ok("get", "pod", "web", "-n", ns, "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}")
    assert annotation == "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web"
    refused = kubectl.run("run", "huge", "--image=nginx", "-n", ns, "--overrides",
                          '{"spec":{"containers":[{"name":"huge","image":"nginx","resources":{"limits":{"memory":"2Gi"}}}]}}')
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): pods "huge" is forbidden: maximum memory usage per Container is 512Mi, but limit is 2Gi'
    )
    assert kubectl.ok("apply", "-n", ns, "-f", "-", input=CLAIM).strip() == "persistentvolumeclaim/data created"
    assert kubectl.ok("get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.storageClassName}") == "standard"


def test_serve_with_pod_security_disabled_admits_a_restricted_namespaces_pod(tmp_path: Path) -> None:
    with kubegate_serve(tmp_path / "pki", "--disable-admission-plugins=PodSecurity") as server:
        kubectl = Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)
        kubectl.ok("create", "namespace", "locked")
        kubectl.ok("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
        assert kubectl.ok("run", "web", "--image=nginx", "-n", "locked").strip() == "pod/web created"


def test_an_unknown_plugin_name_stops_serve_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
         "--enable-admission-plugins", "PodSecurity,NoSuchPlugin"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith('kubegate: error: enable-admission-plugins plugin "NoSuchPlugin" is unknown (known plugins: ')
    assert "LimitRanger" in lines[0] and lines[0].endswith("ResourceQuota, AlwaysDeny)")
