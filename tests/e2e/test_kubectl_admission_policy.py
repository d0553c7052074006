"""Real kubectl meeting a ValidatingAdmissionPolicy and a CRD validation rule.

What kubectl prints comes from the server's Status (a 422 with causes prints `The <kind> "<name>"
is invalid: ...`) and Warning headers, so these outputs are the ones a real cluster gives.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  matchConditions:
  - name: only-this-test
    expression: "object.metadata.name.startsWith('{name}')"
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}-binding
spec:
  policyName: {name}
  validationActions: [{actions}]
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: scalers.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: scalers, singular: scaler, kind: Scaler}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {{type: integer}}
              maxReplicas: {{type: integer}}
            x-kubernetes-validations:
            - rule: "self.replicas <= self.maxReplicas"
              message: "replicas must not exceed maxReplicas"
"""


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def test_a_policy_refuses_nine_replicas_and_admits_two(kubectl: Kubectl, tmp_path: Path) -> None:
    name = f"replicas-{uuid.uuid4().hex[:6]}"
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(POLICY.format(name=name, actions="Deny"))
    kubectl.ok("apply", "-f", str(manifest))
    refused = kubectl.run("create", "deployment", f"{name}-big", "--image=nginx", "--replicas=9")
    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: failed to create deployment: deployments.apps \"{name}-big\" is forbidden: ValidatingAdmissionPolicy "
        f"'{name}' with binding '{name}-binding' denied request: failed expression: object.spec.replicas <= 5\n"
    )
    admitted = kubectl.run("create", "deployment", f"{name}-small", "--image=nginx", "--replicas=2")
    assert (admitted.returncode, admitted.stdout) == (0, f"deployment.apps/{name}-small created\n"), admitted.stderr
    kubectl.ok("delete", "validatingadmissionpolicybinding", f"{name}-binding")


def test_a_warn_binding_prints_the_warning(kubectl: Kubectl, tmp_path: Path) -> None:
    name = f"warned-{uuid.uuid4().hex[:6]}"
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(POLICY.format(name=name, actions="Warn"))
    kubectl.ok("apply", "-f", str(manifest))
    result = kubectl.run("create", "deployment", f"{name}-big", "--image=nginx", "--replicas=9")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"Warning: Validation failed for ValidatingAdmissionPolicy '{name}' with binding '{name}-binding': "
        "failed expression: object.spec.replicas <= 5\n"
    )


def test_a_crd_rule_refuses_a_bad_object_with_its_message(kubectl: Kubectl, tmp_path: Path) -> None:
    group = f"g{uuid.uuid4().hex[:6]}.example.com"
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD.format(group=group))
    kubectl.ok("apply", "-f", str(crd))
    kubectl.ok("wait", "--for=condition=Established", f"crd/scalers.{group}")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"apiVersion: {group}/v1\nkind: Scaler\nmetadata:\n  name: s\nspec:\n  replicas: 9\n  maxReplicas: 3\n")
    refused = kubectl.run("apply", "-f", str(bad))
    assert refused.returncode == 1
    assert refused.stderr == (
        'The Scaler "s" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas\n'
    )
