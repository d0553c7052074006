"""The default admission plugins of a 1.32 kube-apiserver, each with its real texts, and the flags that choose them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kubegate.config import ConfigError
from kubegate.server.admission_plugins import PLUGINS, enabled_names
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "/api/v1/namespaces/default"
PODS = f"{NS}/pods"
LIMIT_RANGES = f"{NS}/limitranges"
CLAIMS = f"{NS}/persistentvolumeclaims"
STORAGE_CLASSES = "/apis/storage.k8s.io/v1/storageclasses"


def pod(name: str, *containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    containers = containers or ({"name": "c", "image": "nginx"},)
    return {"metadata": {"name": name}, "spec": {"schedulerName": "nobody", "containers": list(containers), **spec}}


def container(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> dict[str, Any]:
    resources = {key: value for key, value in (("requests", requests), ("limits", limits)) if value}
    return {"name": name, "image": "nginx", "resources": resources}


def claim(name: str, size: str = "1Gi", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}, **spec},
    }


async def limit_range(api: InProcessServer, admin: Identity, *items: dict[str, Any]) -> dict[str, Any]:
    created = await api.request("POST", LIMIT_RANGES, identity=admin, json={"metadata": {"name": "limits"}, "spec": {"limits": list(items)}})
    assert created.status == 201, created.text
    return created.body  # type: ignore[no-any-return]


# the table and the flags ----------------------------------------------------------------------


def test_the_default_set_is_kube_apiservers_in_its_order() -> None:
    assert enabled_names() == [
        "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "TaintNodesByCondition", "PodSecurity", "Priority",
        "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection", "PersistentVolumeClaimResize",
        "RuntimeClass", "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest",
        "CertificateSubjectRestriction", "DefaultIngressClass", "MutatingAdmissionPolicy", "MutatingAdmissionWebhook",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota",
    ]
    assert [row.name for row in PLUGINS][:3] == ["AlwaysAdmit", "NamespaceAutoProvision", "NamespaceLifecycle"]
    assert len(PLUGINS) == 35 and PLUGINS[-1].name == "AlwaysDeny"


def test_the_flags_add_and_remove_plugins_and_refuse_unknown_ones() -> None:
    chosen = enabled_names(enable=["AlwaysDeny"], disable=["PodSecurity", "ResourceQuota"])
    assert "PodSecurity" not in chosen and "ResourceQuota" not in chosen and chosen[-1] == "AlwaysDeny"
    with pytest.raises(ConfigError) as unknown:
        enabled_names(enable=["Nope"])
    assert str(unknown.value).startswith('enable-admission-plugins plugin "Nope" is unknown (known plugins: AlwaysAdmit, ')
    with pytest.raises(ConfigError) as overlapped:
        enabled_names(enable=["AlwaysDeny"], disable=["AlwaysDeny"])
    assert str(overlapped.value) == "[AlwaysDeny] in enable-admission-plugins and disable-admission-plugins overlapped"
    with pytest.raises(ConfigError) as missing:
        enabled_names(enable=["NodeRestriction"])
    assert str(missing.value) == (
        "enable-admission-plugins: kubegate does not implement NodeRestriction "
        "(default-off plugins it has: AlwaysAdmit, AlwaysPullImages, DenyServiceExternalIPs, AlwaysDeny)"
    )


async def test_the_start_up_log_names_the_plugins_as_kube_apiserver_does(
    start_server: StartServer, caplog: pytest.LogCaptureFixture,
) -> None:
    """A kubeadm 1.31 kube-apiserver's two lines, without NodeRestriction (kubegate has none)."""
    with caplog.at_level(logging.INFO, logger="kubegate.server.admission_plugins"):
        await start_server(disable_admission_plugins=("ClusterTrustBundleAttest",))
    assert [record.getMessage() for record in caplog.records if record.name == "kubegate.server.admission_plugins"] == [
        ("Loaded 11 mutating admission controller(s) successfully in the following order: NamespaceLifecycle,"
        "LimitRanger,ServiceAccount,TaintNodesByCondition,Priority,DefaultTolerationSeconds,DefaultStorageClass,"
        "StorageObjectInUseProtection,RuntimeClass,DefaultIngressClass,MutatingAdmissionWebhook."),
        ("Loaded 12 validating admission controller(s) successfully in the following order: LimitRanger,"
        "ServiceAccount,PodSecurity,Priority,PersistentVolumeClaimResize,RuntimeClass,CertificateApproval,"
        "CertificateSigning,CertificateSubjectRestriction,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook,"
        "ResourceQuota."),
    ]


async def test_disabled_plugins_do_not_run(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(disable_admission_plugins=("PodSecurity", "ResourceQuota", "NamespaceLifecycle"))
    labelled = {"metadata": {"name": "locked", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    assert (await api.request("POST", "/api/v1/namespaces", identity=admin, json=labelled)).status == 201
    quota = {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "0"}}}
    assert (await api.request("POST", "/api/v1/namespaces/locked/resourcequotas", identity=admin, json=quota)).status == 201
    admitted = await api.request("POST", "/api/v1/namespaces/locked/pods", identity=admin, json=pod("free"))
    assert admitted.status == 201, admitted.text
    # without NamespaceLifecycle, objects may land in a namespace that does not exist
    orphan = await api.request("POST", "/api/v1/namespaces/nowhere/configmaps", identity=admin, json={"metadata": {"name": "c"}})
    assert orphan.status == 201, orphan.text


async def test_always_deny_refuses_every_write(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(enable_admission_plugins=("AlwaysDeny",))
    refused = await api.request("POST", f"{NS}/configmaps", identity=admin, json={"metadata": {"name": "c"}})
    assert refused.status == 403
    assert refused.body["message"] == 'configmaps "c" is forbidden: admission control is denying all modifications'


async def test_the_hardening_plugins_when_enabled(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(enable_admission_plugins=("AlwaysPullImages", "DenyServiceExternalIPs"))
    web = {**container("c"), "imagePullPolicy": "IfNotPresent"}
    created = await api.request("POST", PODS, identity=admin, json=pod("p", web))
    assert created.body["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    service = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}], "externalIPs": ["203.0.113.7"]}}
    refused = await api.request("POST", f"{NS}/services", identity=admin, json=service)
    assert refused.status == 403
    assert refused.body["message"] == 'services "s" is forbidden: Use of external IPs is denied by admission control'
    plain = await api.request("POST", f"{NS}/services", identity=admin, json={**service, "spec": {"ports": [{"port": 80}]}})
    assert plain.status == 201, plain.text


async def test_the_system_namespaces_may_not_be_deleted(api: InProcessServer, admin: Identity) -> None:
    for name in ("default", "kube-system", "kube-public"):
        refused = await api.request("DELETE", f"/api/v1/namespaces/{name}", identity=admin)
        assert refused.status == 403
        assert refused.body["message"] == f'namespaces "{name}" is forbidden: this namespace may not be deleted'


# LimitRanger --------------------------------------------------------------------------------


async def test_a_limit_range_stores_its_container_defaults(api: InProcessServer, admin: Identity) -> None:
    created = await limit_range(
        api, admin,
        {"type": "Container", "max": {"cpu": "2", "memory": "1Gi"}, "min": {"cpu": "50m"}},
        {"type": "Container", "default": {"memory": "512Mi"}},
        {"type": "Pod", "max": {"cpu": "4"}},
    )
    first, second, pod_item = created["spec"]["limits"]
    assert first["default"] == {"cpu": "2", "memory": "1Gi"}
    assert first["defaultRequest"] == {"cpu": "2", "memory": "1Gi"}  # from default, which came from max
    assert second["defaultRequest"] == {"memory": "512Mi"}
    assert "default" not in pod_item and "defaultRequest" not in pod_item
    only_min = await api.request("POST", LIMIT_RANGES, identity=admin, json={
        "metadata": {"name": "floor"}, "spec": {"limits": [{"type": "Container", "min": {"cpu": "100m"}}]},
    })
    assert only_min.body["spec"]["limits"][0]["defaultRequest"] == {"cpu": "100m"}
    assert "default" not in only_min.body["spec"]["limits"][0]


async def test_a_pod_gets_the_limit_range_defaults_and_the_annotation(api: InProcessServer, admin: Identity) -> None:
    await limit_range(api, admin, {
        "type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}, "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
    })
    created = await api.request("POST", PODS, identity=admin, json=pod("d", container("c"), container("m", requests={"memory": "64Mi"})))
    assert created.status == 201, created.text
    first, second = created.body["spec"]["containers"]
    assert first["resources"] == {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}
    assert second["resources"] == {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}}
    assert created.body["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c; "
        "cpu request for container m; cpu, memory limit for container m"
    )
    limited = await api.request("POST", PODS, identity=admin, json=pod("l", container("c", limits={"cpu": "1"})))
    assert limited.body["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "1"  # the limit, as decoding sets it
    assert limited.body["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: memory request for container c; memory limit for container c"
    )


async def test_a_request_above_the_default_limit_is_invalid(api: InProcessServer, admin: Identity) -> None:
    """The LimitRange documentation's example: the default limit lands below the request the pod asks for."""
    await limit_range(api, admin, {
        "type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "500m"}, "max": {"cpu": "1"}, "min": {"cpu": "100m"},
    })
    refused = await api.request("POST", PODS, identity=admin, json=pod("conflict", container("demo", requests={"cpu": "700m"})))
    assert refused.status == 422
    assert refused.body["message"] == (
        'Pod "conflict" is invalid: spec.containers[0].resources.requests: Invalid value: "700m": '
        "must be less than or equal to cpu limit of 500m"
    )


async def test_container_bounds_are_enforced_with_the_real_texts(api: InProcessServer, admin: Identity) -> None:
    await limit_range(api, admin, {
        "type": "Container", "min": {"cpu": "100m"}, "max": {"memory": "1Gi"}, "maxLimitRequestRatio": {"cpu": "2"},
    })
    both = await api.request("POST", PODS, identity=admin, json=pod(
        "p", container("c", requests={"cpu": "50m", "memory": "1Gi"}, limits={"cpu": "50m", "memory": "2Gi"}),
    ))
    assert both.status == 403
    assert both.body["reason"] == "Forbidden"
    assert both.body["message"] == (
        'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, '
        "maximum memory usage per Container is 1Gi, but limit is 2Gi]"
    )
    ratio = await api.request("POST", PODS, identity=admin, json=pod(
        "r", container("c", requests={"cpu": "250m"}, limits={"cpu": "1", "memory": "1Gi"}),
    ))
    assert ratio.body["message"] == (
        'pods "r" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000'
    )
    fits = await api.request("POST", PODS, identity=admin, json=pod("ok", container("c", requests={"cpu": "200m"}, limits={"cpu": "400m"})))
    assert fits.status == 201, fits.text  # the memory limit came from the stored default (max)


async def test_a_missing_limit_under_a_pod_maximum_is_named(api: InProcessServer, admin: Identity) -> None:
    await limit_range(api, admin, {"type": "Pod", "max": {"cpu": "1"}})
    refused = await api.request("POST", PODS, identity=admin, json=pod("p", container("c", requests={"cpu": "100m"})))
    assert refused.body["message"] == 'pods "p" is forbidden: maximum cpu usage per Pod is 1.  No limit is specified'
    too_much = await api.request("POST", PODS, identity=admin, json=pod(
        "q", container("a", limits={"cpu": "600m"}), container("b", limits={"cpu": "600m"}),
    ))
    assert too_much.body["message"] == 'pods "q" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m'


async def test_claims_are_bounded_by_their_storage_request(api: InProcessServer, admin: Identity) -> None:
    await limit_range(api, admin, {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}})
    small = await api.request("POST", CLAIMS, identity=admin, json=claim("small", "500Mi"))
    assert small.status == 403
    assert small.body["message"] == (
        'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, '
        "but request is 500Mi"
    )
    big = await api.request("POST", CLAIMS, identity=admin, json=claim("big", "20Gi"))
    assert big.body["message"] == (
        'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, '
        "but request is 20Gi"
    )
    assert (await api.request("POST", CLAIMS, identity=admin, json=claim("fine", "5Gi"))).status == 201


async def test_quota_sees_what_the_limit_range_filled_in(api: InProcessServer, admin: Identity) -> None:
    """Validating steps run after every mutating one: ResourceQuota checks the LimitRange's defaults."""
    await limit_range(api, admin, {"type": "Container", "default": {"cpu": "200m", "memory": "64Mi"}})
    quota = {"metadata": {"name": "compute"}, "spec": {"hard": {"limits.cpu": "1", "limits.memory": "1Gi"}}}
    assert (await api.request("POST", f"{NS}/resourcequotas", identity=admin, json=quota)).status == 201
    await api.state.settle()
    admitted = await api.request("POST", PODS, identity=admin, json=pod("bare"))
    assert admitted.status == 201, admitted.text


# storage ------------------------------------------------------------------------------------


async def test_a_claim_without_a_class_gets_the_default_one_and_its_finalizer(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", CLAIMS, identity=admin, json=claim("data"))
    assert created.status == 201, created.text
    assert created.body["spec"]["storageClassName"] == "standard"
    assert created.body["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    explicit = await api.request("POST", CLAIMS, identity=admin, json=claim("static", storageClassName=""))
    assert explicit.body["spec"]["storageClassName"] == ""
    volume = {
        "metadata": {"name": "pv1"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv1"}},
    }
    made = await api.request("POST", "/api/v1/persistentvolumes", identity=admin, json=volume)
    assert made.status == 201, made.text
    assert made.body["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]


async def test_growing_a_claim_needs_a_class_that_allows_expansion(api: InProcessServer, admin: Identity) -> None:
    expandable = {
        "metadata": {"name": "elastic"}, "provisioner": "rancher.io/local-path", "allowVolumeExpansion": True,
    }
    assert (await api.request("POST", STORAGE_CLASSES, identity=admin, json=expandable)).status == 201
    for name, storage_class in (("fixed", "standard"), ("grows", "elastic")):
        assert (await api.request("POST", CLAIMS, identity=admin, json=claim(name, storageClassName=storage_class))).status == 201
        live = (await api.request("GET", f"{CLAIMS}/{name}", identity=admin)).body
        live["status"] = {"phase": "Bound"}
        bound = await api.request("PUT", f"{CLAIMS}/{name}/status", identity=admin, json=live)
        assert bound.status == 200, bound.text
    grow = [{"op": "replace", "path": "/spec/resources/requests/storage", "value": "5Gi"}]
    headers = {"Content-Type": "application/json-patch+json"}
    refused = await api.request("PATCH", f"{CLAIMS}/fixed", identity=admin, json=grow, headers=headers)
    assert refused.status == 403
    assert refused.body["message"] == (
        'persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and '
        "the storageclass that provisions the pvc must support resize"
    )
    grown = await api.request("PATCH", f"{CLAIMS}/grows", identity=admin, json=grow, headers=headers)
    assert grown.status == 200, grown.text
    assert grown.body["spec"]["resources"]["requests"]["storage"] == "5Gi"


async def test_an_ingress_without_a_class_gets_the_default_one(api: InProcessServer, admin: Identity) -> None:
    ingress_class = {
        "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": "k8s.io/ingress-nginx"},
    }
    assert (await api.request("POST", "/apis/networking.k8s.io/v1/ingressclasses", identity=admin, json=ingress_class)).status == 201
    ingress = {"metadata": {"name": "web"}, "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}
    created = await api.request("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", identity=admin, json=ingress)
    assert created.status == 201, created.text
    assert created.body["spec"]["ingressClassName"] == "nginx"


# RuntimeClass -------------------------------------------------------------------------------


async def test_a_pod_takes_overhead_and_scheduling_from_its_runtime_class(api: InProcessServer, admin: Identity) -> None:
    missing = await api.request("POST", PODS, identity=admin, json=pod("lost", runtimeClassName="gvisor"))
    assert missing.status == 403
    assert missing.body["message"] == 'pods "lost" is forbidden: pod rejected: RuntimeClass "gvisor" not found'
    runtime_class = {
        "metadata": {"name": "gvisor"}, "handler": "runsc",
        "overhead": {"podFixed": {"cpu": "250m", "memory": "120Mi"}},
        "scheduling": {"nodeSelector": {"sandbox": "gvisor"}, "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}]},
    }
    assert (await api.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", identity=admin, json=runtime_class)).status == 201
    created = await api.request("POST", PODS, identity=admin, json=pod("sandboxed", runtimeClassName="gvisor"))
    assert created.status == 201, created.text
    spec = created.body["spec"]
    assert spec["overhead"] == {"cpu": "250m", "memory": "120Mi"}
    assert spec["nodeSelector"] == {"sandbox": "gvisor"}
    assert {"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    clash = await api.request("POST", PODS, identity=admin, json=pod("clash", runtimeClassName="gvisor", nodeSelector={"sandbox": "kata"}))
    assert clash.body["message"] == (
        'pods "clash" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; '
        "pod.spec.nodeSelector[sandbox] = kata"
    )
    forged = await api.request("POST", PODS, identity=admin, json=pod("forged", runtimeClassName="gvisor", overhead={"cpu": "1"}))
    assert forged.body["message"] == (
        "pods \"forged\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
    )


async def test_protected_claims_and_volumes_go_once_nothing_uses_them(api: InProcessServer, admin: Identity) -> None:
    for name in ("idle", "used"):
        assert (await api.request("POST", CLAIMS, identity=admin, json=claim(name))).status == 201
    user = pod("user", volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "used"}}])
    assert (await api.request("POST", PODS, identity=admin, json=user)).status == 201
    for name in ("idle", "used"):
        assert (await api.request("DELETE", f"{CLAIMS}/{name}", identity=admin)).status == 200
    await api.state.settle()
    assert (await api.request("GET", f"{CLAIMS}/idle", identity=admin)).status == 404
    held = await api.request("GET", f"{CLAIMS}/used", identity=admin)
    assert held.status == 200 and held.body["metadata"]["deletionTimestamp"]
    assert held.body["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert (await api.request("DELETE", f"{PODS}/user?gracePeriodSeconds=0", identity=admin)).status == 200
    await api.state.settle()
    assert (await api.request("GET", f"{CLAIMS}/used", identity=admin)).status == 404
    volume = {"metadata": {"name": "pv2"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv2"}}}
    assert (await api.request("POST", "/api/v1/persistentvolumes", identity=admin, json=volume)).status == 201
    assert (await api.request("DELETE", "/api/v1/persistentvolumes/pv2", identity=admin)).status == 200
    await api.state.settle()
    assert (await api.request("GET", "/api/v1/persistentvolumes/pv2", identity=admin)).status == 404


async def test_a_namespace_with_a_claim_in_use_is_deleted_completely(api: InProcessServer, admin: Identity) -> None:
    assert (await api.request("POST", "/api/v1/namespaces", identity=admin, json={"metadata": {"name": "scratch"}})).status == 201
    assert (await api.request("POST", "/api/v1/namespaces/scratch/persistentvolumeclaims", identity=admin, json=claim("data"))).status == 201
    user = pod("user", volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}])
    assert (await api.request("POST", "/api/v1/namespaces/scratch/pods", identity=admin, json=user)).status == 201
    assert (await api.request("DELETE", "/api/v1/namespaces/scratch", identity=admin)).status == 200
    await api.state.settle()
    assert (await api.request("GET", "/api/v1/namespaces/scratch", identity=admin)).status == 404
