"""PodSecurity admission: namespaces' labels enforce, warn about and audit the Pod Security Standards."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

NGINX_RESTRICTED = (
    'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set '
    'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set '
    'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set '
    'securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set '
    'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
)


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}], **spec}}


def compliant(name: str) -> dict[str, Any]:
    return pod(name, securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
               containers=[{"name": "nginx", "image": "nginx", "securityContext": {
                   "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}])


async def namespace(api: InProcessServer, admin: Identity, name: str, **labels: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": name, "labels": {f"pod-security.kubernetes.io/{k}": v for k, v in labels.items()}}}
    created = await api.request("POST", "/api/v1/namespaces", identity=admin, json=body)
    assert created.status == 201, created.text


def warnings(response: Any) -> list[str]:
    """The texts of the `Warning: 299 - "..."` headers, unquoted."""
    headers = response.headers.getall("Warning", [])
    return [header.removeprefix('299 - "').removesuffix('"').replace('\\"', '"') for header in headers]


async def test_restricted_refuses_a_plain_pod_with_every_reason(api: InProcessServer, admin: Identity) -> None:
    await namespace(api, admin, "locked", enforce="restricted")
    refused = await api.request("POST", "/api/v1/namespaces/locked/pods", identity=admin, json=pod("nginx"))
    assert refused.status == 403
    assert refused.body["reason"] == "Forbidden"
    assert refused.body["message"] == f'pods "nginx" is forbidden: {NGINX_RESTRICTED}'
    created = await api.request("POST", "/api/v1/namespaces/locked/pods", identity=admin, json=compliant("ok"))
    assert created.status == 201, created.text
    assert warnings(created) == []


async def test_baseline_names_host_namespaces_privileged_and_host_paths(api: InProcessServer, admin: Identity) -> None:
    await namespace(api, admin, "base", enforce="baseline", **{"enforce-version": "v1.32"})
    body = pod("bad", hostNetwork=True, volumes=[{"name": "root", "hostPath": {"path": "/"}}],
               containers=[{"name": "a", "image": "x", "securityContext": {"privileged": True},
                            "ports": [{"containerPort": 80, "hostPort": 80}]}])
    refused = await api.request("POST", "/api/v1/namespaces/base/pods", identity=admin, json=body)
    assert refused.status == 403
    assert refused.body["message"] == (
        'pods "bad" is forbidden: violates PodSecurity "baseline:v1.32": host namespaces (hostNetwork=true), '
        'hostPath volumes (volume "root"), hostPort (container "a" uses hostPort 80), '
        'privileged (container "a" must not set securityContext.privileged=true)')
    # a plain pod passes baseline
    assert (await api.request("POST", "/api/v1/namespaces/base/pods", identity=admin, json=pod("plain"))).status == 201


async def test_warn_admits_with_a_warning_and_workloads_are_only_warned(api: InProcessServer, admin: Identity) -> None:
    await namespace(api, admin, "soft", warn="restricted")
    created = await api.request("POST", "/api/v1/namespaces/soft/pods", identity=admin, json=pod("nginx"))
    assert created.status == 201
    assert warnings(created) == [f'would {NGINX_RESTRICTED.replace("violates", "violate")}']

    await namespace(api, admin, "hard", enforce="restricted")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod("x")["spec"]}}}
    created = await api.request("POST", "/apis/apps/v1/namespaces/hard/deployments", identity=admin, json=deployment)
    assert created.status == 201, created.text
    # enforce alone also warns at its level when warn is not set
    assert warnings(created) == [f'would {NGINX_RESTRICTED.replace("violates", "violate")}']


async def test_bad_labels_are_refused(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "typo", "labels": {"pod-security.kubernetes.io/enforce": "strict"}}}
    refused = await api.request("POST", "/api/v1/namespaces", identity=admin, json=body)
    assert refused.status == 422
    assert refused.body["message"] == (
        'Namespace "typo" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": '
        "must be one of privileged, baseline, restricted")


async def test_tightening_enforce_warns_about_existing_pods(api: InProcessServer, admin: Identity) -> None:
    await namespace(api, admin, "team")
    for name in ("b", "a", "c"):
        assert (await api.request("POST", "/api/v1/namespaces/team/pods", identity=admin, json=pod(name))).status == 201
    patch = {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}
    headers = {"Content-Type": "application/merge-patch+json"}
    relabeled = await api.request("PATCH", "/api/v1/namespaces/team", identity=admin, json=patch, headers=headers)
    assert relabeled.status == 200 and warnings(relabeled) == []  # plain pods pass baseline
    patch = {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    relabeled = await api.request("PATCH", "/api/v1/namespaces/team", identity=admin, json=patch, headers=headers)
    assert relabeled.status == 200
    assert warnings(relabeled) == [
        'existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest"',
        "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, "
        "seccompProfile",
    ]


async def test_label_only_updates_of_a_pod_are_not_evaluated(api: InProcessServer, admin: Identity) -> None:
    await namespace(api, admin, "later")
    assert (await api.request("POST", "/api/v1/namespaces/later/pods", identity=admin, json=pod("p"))).status == 201
    headers = {"Content-Type": "application/merge-patch+json"}
    await api.request("PATCH", "/api/v1/namespaces/later", identity=admin, headers=headers,
                      json={"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}})
    labeled = await api.request("PATCH", "/api/v1/namespaces/later/pods/p", identity=admin, headers=headers,
                                json={"metadata": {"labels": {"tier": "web"}}})
    assert labeled.status == 200, labeled.text
    strategic = {"Content-Type": "application/strategic-merge-patch+json"}
    reimaged = await api.request("PATCH", "/api/v1/namespaces/later/pods/p", identity=admin, headers=strategic,
                                 json={"spec": {"containers": [{"name": "nginx", "image": "nginx:2"}]}})
    assert reimaged.status == 403
    assert reimaged.body["message"] == f'pods "p" is forbidden: {NGINX_RESTRICTED}'
