"""ResourceQuota with real kubectl: create quota, the one ConfigMap too many, describe quota."""

from __future__ import annotations

from tests.support.kubectl import Kubectl


def test_quota_refuses_the_fourth_configmap_and_describe_shows_usage(kubectl: Kubectl) -> None:
    ns = f"quota-{kubectl.binary.rsplit('.', 1)[-1]}"
    kubectl.ok("create", "namespace", ns)
    kubectl.settle()  # kube-root-ca.crt is one ConfigMap already
    assert kubectl.ok("create", "quota", "cm", "--hard=configmaps=3", "-n", ns).strip() == (
        "resourcequota/cm created")
    for name in ("a", "b"):
        kubectl.ok("create", "configmap", name, "-n", ns)
    refused = kubectl.run("create", "configmap", "c", "-n", ns)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "c" is forbidden: exceeded quota: cm, requested: '
        "configmaps=1, used: configmaps=3, limited: configmaps=3")
    kubectl.settle()
    described = kubectl.ok("describe", "quota", "cm", "-n", ns)
    assert [line.split() for line in described.splitlines()[-3:]] == [
        ["Resource", "Used", "Hard"], ["--------", "----", "----"], ["configmaps", "3", "3"]], described
