"""Every versioned kubectl on the machine against a kubegate that reports the same version.

For each `kubectl.1.N` beside the dispatcher, one `kubegate serve --kubernetes-version 1.N`
and one kubectl home; the everyday write path then runs with that exact binary: imperative
and file-based create, client-side apply and re-apply, server-side apply, label, annotate,
scale, the three patch types, edit through an $EDITOR script, `get -w`, a foreground cascading
delete and a namespace delete. Each step asserts the lines that kubectl prints, which differ a
little between versions (see `PRINTED`), and the object the server ended up holding.

Each server serves its release's API surface, which `test_discovery_is_the_release_s` checks
through kubectl's own discovery. The versions differ on the wire as well: from 1.32 on, typed `create` subcommands send protobuf
bodies, older ones JSON; 1.27 and 1.28 read /openapi/v2 (protobuf) before every `apply`,
`create -f` and `edit`, newer ones only /openapi/v3.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.kubectl import Kubectl
from tests.support.manifests import deployment_manifest
from tests.support.server import kubegate_serve

NS = "matrix"


def _installed_versions() -> list[str]:
    dispatcher = shutil.which("kubectl")
    if dispatcher is None:
        return []
    found = Path(os.path.realpath(dispatcher)).parent.glob("kubectl.1.*")
    versions = [path.name.removeprefix("kubectl.") for path in found]
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


VERSIONS = _installed_versions()

#: Lines that some kubectl versions print differently: {step: {version: line}}; the rest print
#: the line in DEFAULT_PRINTED. (kubectl 1.27 reports an annotation as `annotate`.)
PRINTED: dict[str, dict[str, str]] = {
    "annotated": {"1.27": "deployment.apps/web annotate"},
}
DEFAULT_PRINTED = {"annotated": "deployment.apps/web annotated"}


def printed(step: str, version: str) -> str:
    return PRINTED.get(step, {}).get(version, DEFAULT_PRINTED[step])


def minor(version: str) -> int:
    return int(version.split(".")[1])


@dataclass
class EditingKubectl(Kubectl):
    """A Kubectl whose runs all see `EDITOR` set to the given program."""

    editor: str = ""

    def env(self) -> dict[str, str]:
        env = super().env()
        env["EDITOR"] = self.editor
        return env


@dataclass
class Cluster:
    version: str
    kubectl: EditingKubectl
    files: Path

    def write(self, name: str, text: str) -> str:
        path = self.files / name
        path.write_text(text)
        return str(path)

    def live(self, *what: str) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(self.kubectl.ok("get", *what, "-n", NS, "-o", "json"))
        return obj


#: `edit` runs this on the temporary file: the replica count of the web Deployment goes to 9.
EDITOR_SCRIPT = """\
#!{python}
import pathlib, re, sys
path = pathlib.Path(sys.argv[1])
path.write_text(re.sub(r"(?m)^  replicas: \\d+$", "  replicas: 9", path.read_text()))
"""


@pytest.fixture(scope="module", params=VERSIONS)
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    version: str = request.param
    binary = Path(os.path.realpath(shutil.which("kubectl") or "")).parent / f"kubectl.{version}"
    files = tmp_path_factory.mktemp(f"files-{version}")
    editor = files / "editor.py"
    editor.write_text(EDITOR_SCRIPT.format(python=sys.executable))
    editor.chmod(0o755)
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--kubernetes-version", version) as server:
        home = tmp_path_factory.mktemp(f"home-{version}")
        kubectl = EditingKubectl(str(binary), server.kubeconfig, home, editor=str(editor))
        assert kubectl.ok("create", "namespace", NS) == f"namespace/{NS} created\n"
        yield Cluster(version, kubectl, files)


def test_the_dispatcher_runs_the_binary_for_the_server_version(cluster: Cluster) -> None:
    dispatcher = Kubectl(shutil.which("kubectl") or "kubectl", cluster.kubectl.kubeconfig, cluster.files / "dispatcher")
    versions = json.loads(dispatcher.ok("version", "-o", "json"))
    assert versions["serverVersion"]["gitVersion"] == f"v{cluster.version}.0"
    # the dispatcher's built-in kubectl is 1.32 (`v1.32.4-dispatcher`); others are the binaries
    assert versions["clientVersion"]["gitVersion"].startswith(f"v{cluster.version}.")


# --- the API surface ----------------------------------------------------------------------------

#: flowcontrol's versions per server release, preferred first (`--kubernetes-version` serves a
#: release's default surface: 1.27 and 1.28 only the betas, v1 from 1.29, v1beta3 gone in 1.32).
FLOWCONTROL = {27: ["v1beta3", "v1beta2"], 28: ["v1beta3", "v1beta2"], 29: ["v1", "v1beta3"], 30: ["v1", "v1beta3"],
               31: ["v1", "v1beta3"]}


def test_discovery_is_the_release_s(cluster: Cluster) -> None:
    kubectl, release = cluster.kubectl, minor(cluster.version)
    flowcontrol = FLOWCONTROL.get(release, ["v1"])
    versions = kubectl.ok("api-versions").split()
    assert [v for v in versions if v.startswith("flowcontrol")] == sorted(f"flowcontrol.apiserver.k8s.io/{v}" for v in flowcontrol)
    # kubectl resolves a resource to its group's preferred version, and explains that one
    assert f"flowcontrol.apiserver.k8s.io/{flowcontrol[0]}" in kubectl.ok("api-resources", "--api-group=flowcontrol.apiserver.k8s.io")
    assert re.search(rf"^VERSION:\s+(flowcontrol\.apiserver\.k8s\.io/)?{flowcontrol[0]}$", kubectl.ok("explain", "flowschemas"), re.MULTILINE)
    admission = kubectl.ok("api-resources", "--api-group=admissionregistration.k8s.io", "-o", "name").split()
    assert ("validatingadmissionpolicies.admissionregistration.k8s.io" in admission) == (release >= 30)
    networking = kubectl.ok("api-resources", "--api-group=networking.k8s.io", "-o", "name").split()
    assert ("servicecidrs.networking.k8s.io" in networking) == (release >= 33)
    whoami = kubectl.run("auth", "whoami")  # SelfSubjectReview is GA (and on) from 1.28
    if release >= 28:
        assert whoami.returncode == 0, whoami.stderr
    else:
        assert whoami.stderr.startswith("error: the selfsubjectreviews API is not enabled in the cluster\n")


# --- create ------------------------------------------------------------------------------------


def test_imperative_create_sends_protobuf_from_1_32(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    created = kubectl.run("create", "configmap", "literal", "--from-literal=a=1", "-n", NS, "-v=8", check=True)
    assert created.stdout == "configmap/literal created\n"
    sent = re.findall(r"Content-Type: (\S+)", created.stderr)[0]  # the request's, before the reply's
    protobuf = minor(cluster.version) >= 32
    assert sent == ("application/vnd.kubernetes.protobuf" if protobuf else "application/json")
    assert cluster.live("configmap", "literal")["data"] == {"a": "1"}

    assert kubectl.ok("create", "deployment", "web", "--image=nginx:1.27", "-n", NS) == "deployment.apps/web created\n"
    web = cluster.live("deployment", "web")
    assert web["spec"]["replicas"] == 1
    assert web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    # the server defaults every container of a workload's template, as kube-apiserver does
    assert web["spec"]["template"]["spec"]["containers"][0] == container("nginx", "nginx:1.27")


def container(name: str, image: str) -> dict[str, Any]:
    """A template container as stored: the server's defaults added to what was sent.

    The pull policy follows the tag: `Always` for an untagged or `:latest` image, else `IfNotPresent`.
    """
    untagged = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
    return {
        "name": name, "image": image, "imagePullPolicy": "Always" if untagged else "IfNotPresent", "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    }


def test_create_from_a_file(cluster: Cluster) -> None:
    manifest = cluster.write("created.yaml", f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: filed
  namespace: {NS}
data:
  k: v
---
apiVersion: v1
kind: Secret
metadata:
  name: filed
  namespace: {NS}
stringData:
  password: hunter2
""")
    assert cluster.kubectl.ok("create", "-f", manifest).splitlines() == ["configmap/filed created", "secret/filed created"]
    assert cluster.live("secret", "filed")["data"] == {"password": "aHVudGVyMg=="}
    again = cluster.kubectl.run("create", "-f", manifest)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        f'Error from server (AlreadyExists): error when creating "{manifest}": configmaps "filed" already exists',
        f'Error from server (AlreadyExists): error when creating "{manifest}": secrets "filed" already exists',
    ]


# --- apply ---------------------------------------------------------------------------------------


def _deployment(name: str, *, replicas: int, image: str) -> str:
    return deployment_manifest(name, namespace=NS, replicas=replicas, image=image)


def test_apply_then_reapply_a_changed_manifest(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    path = cluster.write("applied.yaml", _deployment("applied", replicas=2, image="nginx:1.27"))
    assert kubectl.ok("apply", "-f", path) == "deployment.apps/applied created\n"
    cluster.write("applied.yaml", _deployment("applied", replicas=3, image="nginx:1.28"))
    assert kubectl.ok("apply", "-f", path) == "deployment.apps/applied configured\n"
    assert kubectl.ok("apply", "-f", path) == "deployment.apps/applied unchanged\n"
    spec = cluster.live("deployment", "applied")["spec"]
    assert spec["replicas"] == 3
    assert spec["template"]["spec"]["containers"] == [container("main", "nginx:1.28"), container("side", "busybox")]


def test_server_side_apply(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    path = cluster.write("ssa.yaml", _deployment("ssa", replicas=1, image="nginx:1.27"))
    assert kubectl.ok("apply", "--server-side", "-f", path) == "deployment.apps/ssa serverside-applied\n"
    cluster.write("ssa.yaml", _deployment("ssa", replicas=4, image="nginx:1.27"))
    assert kubectl.ok("apply", "--server-side", "-f", path) == "deployment.apps/ssa serverside-applied\n"
    obj = cluster.live("deployment", "ssa")
    assert obj["spec"]["replicas"] == 4
    # the Deployment controller's status write (revision annotation included) adds its own entry
    # once it has run; settling makes "once" now
    kubectl.settle()
    managed = json.loads(kubectl.ok("get", "deployment", "ssa", "-n", NS, "-o", "json", "--show-managed-fields"))
    assert [(e["manager"], e["operation"]) for e in managed["metadata"]["managedFields"]] == [
        ("kubectl", "Apply"), ("kube-controller-manager", "Update"),
    ]


# --- label, annotate, scale, patch, edit ----------------------------------------------------------


def test_label_annotate_and_scale(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    assert kubectl.ok("label", "deployment", "web", "tier=front", "-n", NS) == "deployment.apps/web labeled\n"
    assert kubectl.ok("annotate", "deployment", "web", "note=hi", "-n", NS) == printed("annotated", cluster.version) + "\n"
    assert kubectl.ok("scale", "deployment", "web", "--replicas=3", "-n", NS) == "deployment.apps/web scaled\n"
    kubectl.settle()  # the Deployment controller stamps its revision annotation asynchronously
    web = cluster.live("deployment", "web")
    assert web["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert web["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1", "note": "hi"}
    assert web["spec"]["replicas"] == 3


def test_patch_with_each_type(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    json_patch = '[{"op":"replace","path":"/spec/replicas","value":4}]'
    merge = '{"metadata":{"labels":{"patched":"merge"}}}'
    strategic = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.29"}]}}}}'
    for kind, body in (("json", json_patch), ("merge", merge), ("strategic", strategic)):
        out = kubectl.ok("patch", "deployment", "web", "-n", NS, f"--type={kind}", "-p", body)
        assert out == "deployment.apps/web patched\n", kind
    # kubectl says "(no change)" only if the object it read equals the one the patch returns; the
    # rollout the new image started writes status meanwhile, so let it finish first
    kubectl.settle()
    again = kubectl.ok("patch", "deployment", "web", "-n", NS, "--type=strategic", "-p", strategic)
    assert again == "deployment.apps/web patched (no change)\n"
    web = cluster.live("deployment", "web")
    assert web["spec"]["replicas"] == 4
    assert web["metadata"]["labels"]["patched"] == "merge"
    assert [c["image"] for c in web["spec"]["template"]["spec"]["containers"]] == ["nginx:1.29"]
    refused = kubectl.run("patch", "deployment", "web", "-n", NS, "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":7}]')
    assert refused.returncode == 1
    # a failed `test` operation: a bare 422, the library's reason dropped as the real server drops it
    assert refused.stderr == "The request is invalid: the server rejected our request due to an error in our request\n"


def test_edit_through_an_editor_script(cluster: Cluster) -> None:
    assert cluster.kubectl.ok("edit", "deployment", "web", "-n", NS) == "deployment.apps/web edited\n"
    assert cluster.live("deployment", "web")["spec"]["replicas"] == 9


# --- watch ------------------------------------------------------------------------------------------


def _aged(line: str) -> str:
    """A printed row with its AGE cell (the only time-dependent one) made constant."""
    return re.sub(r"\b\d+s$", "<age>", line.rstrip("\n"))


def test_get_watch_streams_each_change(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    kubectl.ok("create", "configmap", "watched", "--from-literal=a=1", "-n", NS)
    watch = kubectl.stream("get", "configmap", "watched", "-n", NS, "--watch", "--output-watch-events")
    try:
        assert _aged(watch.readline()) == "EVENT      NAME      DATA   AGE"
        assert _aged(watch.readline()) == "ADDED      watched   1      <age>"
        kubectl.ok("patch", "configmap", "watched", "-n", NS, "--type=merge", "-p", '{"data":{"b":"2"}}')
        assert _aged(watch.readline()) == "MODIFIED   watched   2      <age>"
        assert kubectl.ok("delete", "configmap", "watched", "-n", NS) == 'configmap "watched" deleted\n'
        assert _aged(watch.readline()) == "DELETED    watched   2      <age>"
    finally:
        watch.stop()


# --- delete ---------------------------------------------------------------------------------------------


def test_delete_with_foreground_cascade_removes_the_dependents_first(cluster: Cluster) -> None:
    """Besides the ReplicaSet the Deployment controller makes, one made by hand is owned by `doomed`."""
    kubectl = cluster.kubectl
    kubectl.ok("create", "deployment", "doomed", "--image=nginx", "-n", NS)
    owner = cluster.live("deployment", "doomed")["metadata"]["uid"]
    replicaset = {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": "doomed-1", "namespace": NS, "labels": {"app": "doomed"},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": "doomed", "uid": owner,
                "controller": True, "blockOwnerDeletion": True,
            }],
        },
        "spec": {
            "selector": {"matchLabels": {"app": "doomed"}},
            "template": {"metadata": {"labels": {"app": "doomed"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
        },
    }
    assert kubectl.ok("create", "-f", "-", input=json.dumps(replicaset)) == "replicaset.apps/doomed-1 created\n"
    deleted = kubectl.ok("delete", "deployment", "doomed", "-n", NS, "--cascade=foreground", "--timeout=15s")
    assert deleted == 'deployment.apps "doomed" deleted\n'
    # kubectl waited for the Deployment to go, which foreground deletion allows only once the
    # garbage collector has deleted every dependent that blocks it
    gone = kubectl.run("get", "replicaset", "doomed-1", "-n", NS)
    assert gone.stderr == 'Error from server (NotFound): replicasets.apps "doomed-1" not found\n'


def test_delete_namespace_waits_until_it_is_gone(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    kubectl.ok("create", "namespace", "doomed")
    kubectl.ok("create", "configmap", "inside", "--from-literal=a=1", "-n", "doomed")
    kubectl.ok("create", "deployment", "inside", "--image=nginx", "-n", "doomed")
    assert kubectl.ok("delete", "namespace", "doomed", "--timeout=15s") == 'namespace "doomed" deleted\n'
    gone = kubectl.run("get", "namespace", "doomed")
    assert (gone.returncode, gone.stdout) == (1, "")
    assert gone.stderr == 'Error from server (NotFound): namespaces "doomed" not found\n'
    left = kubectl.run("get", "configmaps,deployments", "-n", "doomed")
    assert left.stderr == "No resources found in doomed namespace.\n"
