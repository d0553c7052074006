"""Real kubectl (1.32 and 1.31) applying, patching, scaling and editing Deployments.

Client-side apply sends strategic merge patches with `$setElementOrder`; server-side apply sends
apply patches and prints the server's conflict Status; scale, set image, rollout restart, edit
and patch each go through their own request. The outputs are what a real cluster prints.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.kubectl import Kubectl
from tests.support.manifests import deployment_manifest

CONFLICT_HELP_FIRST_LINE = "Please review the fields above--they currently have other managers. Here"


def manifest(name: str, *, replicas: int = 2, image: str = "nginx:1.27") -> str:
    return deployment_manifest(name, replicas=replicas, image=image)


def unique() -> str:
    return f"web-{uuid.uuid4().hex[:6]}"


def live(kubectl: Kubectl, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(kubectl.ok("get", "deployment", name, "-o", "json", "--show-managed-fields"))
    return obj


def managers(obj: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["manager"], e["operation"], e.get("subresource", "")) for e in obj["metadata"]["managedFields"]}


#: The Deployment controller's entry: it writes the revision annotation and the status through
#: the status subresource (upstream's `UpdateStatus`), so one entry holds both.
CONTROLLER = ("kube-controller-manager", "Update", "status")


def container(name: str, image: str, *, pull: str) -> dict[str, Any]:
    """A template container as stored: what was sent plus the server's defaults."""
    return {
        "name": name, "image": image, "imagePullPolicy": pull, "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    }


def test_client_side_apply_configured_then_unchanged(kubectl: Kubectl, tmp_path: Path) -> None:
    name = unique()
    path = tmp_path / "web.yaml"
    path.write_text(manifest(name))
    assert kubectl.ok("apply", "-f", str(path)) == f"deployment.apps/{name} created\n"
    path.write_text(manifest(name, replicas=3, image="nginx:1.28"))
    assert kubectl.ok("apply", "-f", str(path)) == f"deployment.apps/{name} configured\n"
    assert kubectl.ok("apply", "-f", str(path)) == f"deployment.apps/{name} unchanged\n"
    kubectl.settle()  # the controller's managedFields entry appears once it has run
    obj = live(kubectl, name)
    assert obj["spec"]["replicas"] == 3
    assert obj["spec"]["template"]["spec"]["containers"] == [
        container("main", "nginx:1.28", pull="IfNotPresent"), container("side", "busybox", pull="Always"),
    ]
    assert managers(obj) == {("kubectl-client-side-apply", "Update", ""), CONTROLLER}


def test_server_side_apply_conflicts_and_force(kubectl: Kubectl, tmp_path: Path) -> None:
    name = unique()
    path = tmp_path / "web.yaml"
    path.write_text(manifest(name))
    assert kubectl.ok("apply", "--server-side", "-f", str(path)) == f"deployment.apps/{name} serverside-applied\n"
    path.write_text(manifest(name, replicas=4))
    assert kubectl.ok("apply", "--server-side", "-f", str(path)) == f"deployment.apps/{name} serverside-applied\n"
    path.write_text(manifest(name, replicas=6))
    refused = kubectl.run("apply", "--server-side", "--field-manager=other", "-f", str(path))
    assert refused.returncode == 1
    lines = refused.stderr.splitlines()
    assert lines[0] == 'error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    assert lines[1] == CONFLICT_HELP_FIRST_LINE
    forced = kubectl.ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", str(path))
    assert forced == f"deployment.apps/{name} serverside-applied\n"
    kubectl.settle()  # the controller's managedFields entry appears once it has run
    obj = live(kubectl, name)
    assert obj["spec"]["replicas"] == 6
    assert managers(obj) == {("kubectl", "Apply", ""), ("other", "Apply", ""), CONTROLLER}
    fields = {e["manager"]: e["fieldsV1"] for e in obj["metadata"]["managedFields"]}
    assert "f:replicas" in fields["other"]["f:spec"] and "f:replicas" not in fields["kubectl"]["f:spec"]
    shown = kubectl.ok("get", "deployment", name, "-o", "yaml")
    assert "managedFields" not in shown  # hidden unless --show-managed-fields


def test_scale_set_image_restart_edit_and_patch(
    kubectl: Kubectl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique()
    created = kubectl.ok("create", "deployment", name, "--image=nginx:1.27", "--replicas=2")
    assert created == f"deployment.apps/{name} created\n"
    assert kubectl.ok("scale", "deployment", name, "--replicas=5") == f"deployment.apps/{name} scaled\n"
    assert live(kubectl, name)["spec"]["replicas"] == 5
    container = live(kubectl, name)["spec"]["template"]["spec"]["containers"][0]["name"]
    set_image = kubectl.ok("set", "image", f"deployment/{name}", f"{container}=nginx:1.28")
    assert set_image == f"deployment.apps/{name} image updated\n"
    assert kubectl.ok("rollout", "restart", f"deployment/{name}") == f"deployment.apps/{name} restarted\n"
    template = live(kubectl, name)["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert template["spec"]["containers"][0]["image"] == "nginx:1.28"

    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/replicas: 5/replicas: 7/" "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    assert kubectl.ok("edit", "deployment", name) == f"deployment.apps/{name} edited\n"
    assert live(kubectl, name)["spec"]["replicas"] == 7

    patch = json.dumps({"spec": {"template": {"spec": {"containers": [{"name": container, "image": "nginx:1.29"}]}}}})
    assert kubectl.ok("patch", "deployment", name, "-p", patch) == f"deployment.apps/{name} patched\n"
    # "(no change)" means the object kubectl read equals the one the patch returned; the rollout
    # the new image started writes status meanwhile, so let it finish first
    kubectl.settle()
    assert kubectl.ok("patch", "deployment", name, "-p", patch) == f"deployment.apps/{name} patched (no change)\n"
    obj = live(kubectl, name)
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.29"
    assert {m for m, _, _ in managers(obj)} >= {"kubectl-create", "kubectl-rollout", "kubectl-edit", "kubectl-patch"}


def test_scale_subresource_ownership(kubectl: Kubectl) -> None:
    name = unique()
    kubectl.ok("create", "deployment", name, "--image=nginx")
    kubectl.ok("scale", "deployment", name, "--replicas=3")
    entry = next(e for e in live(kubectl, name)["metadata"]["managedFields"] if e.get("subresource") == "scale")
    # `scale` names no manager: the server takes the User-Agent's product, the binary's name
    agent = Path(kubectl.binary).name
    assert (entry["manager"], entry["operation"], entry["apiVersion"]) == (agent, "Update", "apps/v1")
    assert entry["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    scale = json.loads(kubectl.ok("get", "--raw", f"/apis/apps/v1/namespaces/default/deployments/{name}/scale"))
    assert scale["spec"] == {"replicas": 3} and scale["status"]["selector"] == f"app={name}"
