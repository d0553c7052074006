"""The Pod Security Standards' checks: their texts, their order and their versions."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.admission.podsecurity.evaluator import Evaluator
from kubegate.admission.podsecurity.levels import LevelVersion, policy_of

RESTRICTED_OK = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def spec(*containers: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {"containers": list(containers), **pod}


def details(level: str, pod_spec: dict[str, Any], minor: int | None = None, meta: Any = None) -> str:
    return Evaluator(32).evaluate(LevelVersion(level, minor), meta or {}, pod_spec).details


@pytest.mark.parametrize(("pod_spec", "expected"), [
    (spec({"name": "a", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "CHOWN", "SYS_TIME"]}}}),
     'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_TIME" in '
     "securityContext.capabilities.add)"),
    (spec({"name": "a", "securityContext": {"procMount": "Unmasked"}}),
     'procMount (container "a" must not set securityContext.procMount to "Unmasked")'),
    (spec({"name": "a"}, securityContext={"seccompProfile": {"type": "Unconfined"}}),
     'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'),
    (spec({"name": "a"}, securityContext={"sysctls": [{"name": "kernel.msgmax"}, {"name": "net.ipv4.tcp_rmem"}]}),
     "forbidden sysctls (kernel.msgmax)"),
    (spec({"name": "a", "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "u"}}}),
     'seLinuxOptions (container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'),
    (spec({"name": "a", "ports": [{"hostPort": 80}, {"hostPort": 443}]}, hostPID=True, hostIPC=True),
     'host namespaces (hostPID=true, hostIPC=true), hostPort (container "a" uses hostPorts 443, 80)'),
])
def test_baseline_texts(pod_spec: dict[str, Any], expected: str) -> None:
    assert details("baseline", pod_spec) == expected


def test_restricted_runs_the_baseline_checks_it_does_not_replace() -> None:
    pod_spec = spec({"name": "a", "securityContext": {**RESTRICTED_OK, "runAsUser": 0, "privileged": True}},
                    securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    volumes=[{"name": "nfs", "nfs": {"server": "x", "path": "/"}}])
    assert details("restricted", pod_spec) == (
        'privileged (container "a" must not set securityContext.privileged=true), '
        'restricted volume types (volume "nfs" uses restricted volume type "nfs"), '
        'runAsUser=0 (container "a" must not set runAsUser=0)')


def test_versions_choose_the_check_of_their_release() -> None:
    tcp_rmem = spec({"name": "a"}, securityContext={"sysctls": [{"name": "net.ipv4.tcp_rmem"}]})
    assert details("baseline", tcp_rmem, minor=31) == "forbidden sysctls (net.ipv4.tcp_rmem)"
    assert details("baseline", tcp_rmem, minor=32) == ""
    windows = spec({"name": "a"}, os={"name": "windows"})
    assert "allowPrivilegeEscalation" in details("restricted", windows, minor=24)
    assert "allowPrivilegeEscalation" not in details("restricted", windows, minor=25)


def test_labels_default_and_fail_safely() -> None:
    policy, errors = policy_of({"pod-security.kubernetes.io/enforce": "baseline"})
    assert (str(policy.enforce), str(policy.warn), str(policy.audit)) == (
        "baseline:latest", "baseline:latest", "privileged:latest")
    policy, errors = policy_of({"pod-security.kubernetes.io/enforce": "strict",
                                "pod-security.kubernetes.io/warn-version": "1.30"})
    assert str(policy.enforce) == "restricted:latest"  # a bad enforce level fails closed
    assert [error.field for error in errors] == [
        "metadata.labels[pod-security.kubernetes.io/enforce]", "metadata.labels[pod-security.kubernetes.io/warn-version]"]


def test_probe_hosts_from_1_34() -> None:
    probed = spec({"name": "a", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}},
                   "lifecycle": {"preStop": {"tcpSocket": {"host": "example.com", "port": 1}}}},
                  {"name": "b", "readinessProbe": {"tcpSocket": {"host": "10.0.0.1", "port": 2}}})
    assert Evaluator(33).evaluate(LevelVersion("baseline"), {}, probed).details == ""
    assert Evaluator(34).evaluate(LevelVersion("baseline"), {}, probed).details == (
        'probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "example.com")')
