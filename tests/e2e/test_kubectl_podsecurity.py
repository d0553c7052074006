"""Pod Security Standards with real kubectl: a restricted namespace refuses `kubectl run`."""

from __future__ import annotations

from tests.support.kubectl import Kubectl


def test_run_in_a_restricted_namespace_is_refused_and_labelling_warns(kubectl: Kubectl) -> None:
    ns = f"psa-{kubectl.binary.rsplit('.', 1)[-1]}"
    kubectl.ok("create", "namespace", ns)
    kubectl.ok("run", "early", "--image=nginx", "-n", ns)
    labelled = kubectl.run("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
    assert labelled.returncode == 0, labelled.stderr
    assert labelled.stdout.strip() == f"namespace/{ns} labeled"
    assert labelled.stderr.splitlines() == [
        f'Warning: existing pods in namespace "{ns}" violate the new PodSecurity enforce level "restricted:latest"',
        "Warning: early: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, "
        "seccompProfile",
    ]
    refused = kubectl.run("run", "web", "--image=nginx", "-n", ns)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): pods "web" is forbidden: violates PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")')
