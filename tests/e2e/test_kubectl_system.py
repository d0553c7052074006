"""Real kubectl finds a cluster that is not empty: CoreDNS and kube-proxy running in kube-system."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.kubectl import Kubectl
from tests.support.server import ServerProcess, kubegate_serve

#: a Deployment's pod (`coredns-<hash>-<5>`) or a DaemonSet's (`kube-proxy-<5>`)
NAME = r"coredns-[a-z0-9]+-[a-z0-9]{5}|kube-proxy-[a-z0-9]{5}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki"), "--pod-start-delay", "10ms") as running:
        yield running


def test_kube_system_pods_and_the_dns_service(kubectl: Kubectl) -> None:
    kubectl.settle()
    rows = [line.split() for line in kubectl.ok("get", "pods", "-n", "kube-system").splitlines()]
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    names = sorted(row[0] for row in rows[1:])
    assert [re.fullmatch(NAME, name) is not None for name in names] == [True] * 3, names
    assert [name.split("-")[0] for name in names] == ["coredns", "coredns", "kube"], names
    assert all(row[1:3] == ["1/1", "Running"] for row in rows[1:]), rows

    service = kubectl.ok("get", "svc", "-n", "kube-system", "kube-dns").splitlines()
    assert service[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert service[1].split()[:5] == ["kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP"]
