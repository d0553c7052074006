"""kube-system is not empty: CoreDNS, kube-dns, kube-proxy and kubeadm's ConfigMaps, run by the
simulated cluster like any other workload, created once, and absent with `system_workloads=False`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer, start_in_process

SYSTEM = "/api/v1/namespaces/kube-system"
APPS = "/apis/apps/v1/namespaces/kube-system"
FAST = {"pod_start_delay": 0.01, "pod_run_time": 0.05}


async def get(api: InProcessServer, admin: Identity, path: str, status: int = 200) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == status, response.text
    return response.body


async def pods(api: InProcessServer, admin: Identity, selector: str) -> list[dict[str, Any]]:
    body = await get(api, admin, f"{SYSTEM}/pods?labelSelector={selector}")
    return list(body["items"])


async def test_coredns_runs_behind_kube_dns(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await api.state.settle()
    deployment = await get(api, admin, f"{APPS}/deployments/coredns")
    assert deployment["metadata"]["labels"] == {"k8s-app": "kube-dns"}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.k8s.io/coredns/coredns:v1.11.3"
    status = deployment["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (2, 2, 2)
    dns_pods = await pods(api, admin, "k8s-app%3Dkube-dns")
    assert len(dns_pods) == 2
    assert all(p["metadata"]["name"].startswith("coredns-") for p in dns_pods)
    assert {p["status"]["phase"] for p in dns_pods} == {"Running"}

    service = await get(api, admin, f"{SYSTEM}/services/kube-dns")
    assert service["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in service["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    assert service["spec"]["selector"] == {"k8s-app": "kube-dns"}
    assert service["metadata"]["labels"] == {
        "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}
    assert service["metadata"]["annotations"] == {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}

    slices = await get(
        api, admin, "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices"
        "?labelSelector=kubernetes.io/service-name%3Dkube-dns",
    )
    addresses = {a for s in slices["items"] for e in s.get("endpoints") or [] for a in e["addresses"]}
    assert addresses == {p["status"]["podIP"] for p in dns_pods}

    corefile = (await get(api, admin, f"{SYSTEM}/configmaps/coredns"))["data"]["Corefile"]
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa" in corefile


async def test_kube_dns_takes_the_tenth_address_of_the_range(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(service_cluster_ip_range="10.100.0.0/16", nodes=0)
    service = await get(api, admin, f"{SYSTEM}/services/kube-dns")
    assert service["spec"]["clusterIPs"] == ["10.100.0.10"]
    kubelet = (await get(api, admin, f"{SYSTEM}/configmaps/kubelet-config"))["data"]["kubelet"]
    assert "- 10.100.0.10" in kubelet


async def test_kube_proxy_runs_on_every_node(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=2, **FAST)
    await api.state.settle()
    daemon_set = await get(api, admin, f"{APPS}/daemonsets/kube-proxy")
    template = daemon_set["spec"]["template"]["spec"]
    assert template["hostNetwork"] is True
    assert template["containers"][0]["image"] == f"registry.k8s.io/kube-proxy:{api.state.version.git_version}"
    assert daemon_set["status"]["numberReady"] == 2
    proxies = await pods(api, admin, "k8s-app%3Dkube-proxy")
    assert len({p["spec"]["nodeName"] for p in proxies}) == 2 == len(proxies)
    assert {p["status"]["phase"] for p in proxies} == {"Running"}
    config = await get(api, admin, f"{SYSTEM}/configmaps/kube-proxy")
    assert set(config["data"]) == {"config.conf", "kubeconfig.conf"}


async def test_kubeadm_config_maps_and_the_default_storage_class(
    start_server: StartServer, admin: Identity, pki_files: pki.PkiFiles,
) -> None:
    api = await start_server(nodes=0)
    for name in ("kubeadm-config", "kubelet-config", "extension-apiserver-authentication"):
        await get(api, admin, f"{SYSTEM}/configmaps/{name}")
    cluster_info = await get(api, admin, "/api/v1/namespaces/kube-public/configmaps/cluster-info")
    import base64

    import yaml

    kubeconfig = yaml.safe_load(cluster_info["data"]["kubeconfig"])
    cluster = kubeconfig["clusters"][0]["cluster"]
    assert base64.b64decode(cluster["certificate-authority-data"]) == pki_files.ca_cert.read_bytes()
    assert cluster["server"].startswith("https://")
    standard = await get(api, admin, "/apis/storage.k8s.io/v1/storageclasses/standard")
    assert standard["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert (standard["provisioner"], standard["volumeBindingMode"]) == ("rancher.io/local-path", "WaitForFirstConsumer")


async def test_system_workloads_false_leaves_kube_system_empty(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(system_workloads=False, **FAST)
    await api.state.settle()
    await get(api, admin, f"{APPS}/deployments/coredns", status=404)
    await get(api, admin, f"{APPS}/daemonsets/kube-proxy", status=404)
    await get(api, admin, f"{SYSTEM}/services/kube-dns", status=404)
    await get(api, admin, f"{SYSTEM}/configmaps/coredns", status=404)
    await get(api, admin, "/apis/storage.k8s.io/v1/storageclasses/standard", status=404)
    assert (await get(api, admin, f"{SYSTEM}/pods"))["items"] == []


async def test_a_restart_on_the_same_data_neither_duplicates_nor_overwrites(
    pki_files: pki.PkiFiles, admin: Identity, tmp_path: Path,
) -> None:
    options: dict[str, Any] = {"data_dir": tmp_path / "d", "nodes": 0}
    first = await start_in_process(pki_files, **options)
    try:
        path = f"{SYSTEM}/configmaps/coredns"
        edited = await get(first, admin, path)
        edited["data"]["Corefile"] = "edited"
        response = await first.request("PUT", path, identity=admin, json=edited)
        assert response.status == 200, response.text
        await first.state.settle()
        before = {kind: await get(first, admin, path) for kind, path in (
            ("deployments", f"{APPS}/deployments"), ("daemonsets", f"{APPS}/daemonsets"),
            ("services", f"{SYSTEM}/services"), ("configmaps", f"{SYSTEM}/configmaps"))}
    finally:
        await first.close()
    second = await start_in_process(pki_files, **options)
    try:
        for kind, path in (
            ("deployments", f"{APPS}/deployments"), ("daemonsets", f"{APPS}/daemonsets"),
            ("services", f"{SYSTEM}/services"), ("configmaps", f"{SYSTEM}/configmaps"),
        ):
            after = await get(second, admin, path)
            assert _versions(after) == _versions(before[kind]), kind
        assert (await get(second, admin, f"{SYSTEM}/configmaps/coredns"))["data"]["Corefile"] == "edited"
    finally:
        await second.close()


def _versions(items: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {i["metadata"]["name"]: (i["metadata"]["uid"], i["metadata"]["resourceVersion"]) for i in items["items"]}
