"""Real kubectl 1.32 meeting field validation: typos in manifests, --validate, and 422s.

kubectl sends `fieldValidation=Strict` with create and apply, `Ignore` with `--validate=false`
and `Warn` with `--validate=warn`; what it prints comes straight from the server's Status or
Warning headers, so these outputs are the ones a real cluster gives.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

TYPO_ERROR = (
    'Error from server (BadRequest): error when creating "{path}": Pod in version "v1" cannot be handled as a Pod: '
    'strict decoding error: unknown field "spec.containers[0].imagee"\n'
)


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def typo_pod(tmp_path: Path) -> tuple[str, Path]:
    name = f"typo-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "pod.yaml"
    path.write_text(
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n"
        "  - name: main\n    image: nginx\n    imagee: nginx\n"
    )
    return name, path


@pytest.mark.parametrize("verb", ["apply", "create"])
def test_a_typo_is_refused_by_default(kubectl: Kubectl, tmp_path: Path, verb: str) -> None:
    name, path = typo_pod(tmp_path)
    result = kubectl.run(verb, "-f", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == TYPO_ERROR.format(path=path)
    assert kubectl.run("get", "pod", name).returncode == 1


def test_validate_false_drops_the_field_silently(kubectl: Kubectl, tmp_path: Path) -> None:
    name, path = typo_pod(tmp_path)
    result = kubectl.run("apply", "--validate=false", "-f", str(path))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"pod/{name} created\n", "")
    containers = json.loads(kubectl.ok("get", "pod", name, "-o", "jsonpath={.spec.containers}"))
    assert "imagee" not in containers[0]


def test_validate_warn_warns_and_creates(kubectl: Kubectl, tmp_path: Path) -> None:
    name, path = typo_pod(tmp_path)
    result = kubectl.run("apply", "--validate=warn", "-f", str(path))
    assert (result.returncode, result.stdout) == (0, f"pod/{name} created\n")
    assert result.stderr == 'Warning: unknown field "spec.containers[0].imagee"\n'


def test_re_apply_with_a_typo_shows_the_patchers_error(kubectl: Kubectl, tmp_path: Path) -> None:
    name = f"cm-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "cm.yaml"
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n")
    kubectl.ok("apply", "-f", str(path))
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: c\ndatta:\n  x: y\n")
    result = kubectl.run("apply", "-f", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith('The request is invalid: patch: Invalid value: "map[')
    assert result.stderr.endswith('": strict decoding error: unknown field "datta"\n')


def test_invalid_objects_list_every_cause(kubectl: Kubectl, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  replicas: -1\n  template:\n"
        "    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n      - name: main\n"
        "        image: nginx\n        ports: [{containerPort: 70000}]\n"
    )
    result = kubectl.run("apply", "-f", str(path))
    assert result.returncode == 1
    assert result.stderr == (
        'The Deployment "bad" is invalid: \n'
        "* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
        "* spec.selector: Required value\n"
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match '
        "template `labels`\n"
        "* spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive\n"
    )


def test_a_type_error_is_a_bad_request(kubectl: Kubectl, tmp_path: Path) -> None:
    path = tmp_path / "dep.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typed\nspec:\n  replicas: three\n"
    )
    result = kubectl.run("create", "-f", str(path), "--validate=false")
    assert result.returncode == 1
    assert result.stderr == (
        f'Error from server (BadRequest): error when creating "{path}": Deployment in version "v1" cannot be '
        "handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
        "of type int32\n"
    )
