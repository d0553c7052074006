"""Schema validation over HTTPS: the 422 Status of an invalid object, on create and update."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
ROLEBINDINGS = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"


async def test_an_invalid_pod_gets_every_cause(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "main"}, {"name": "main", "image": "x"}], "restartPolicy": "Sometimes"}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 422
    assert response.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Pod "p" is invalid: [spec.containers[0].image: Required value, spec.containers[1].name: '
                   'Duplicate value: "main", spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
                   '"Always", "OnFailure", "Never"]',
        "reason": "Invalid",
        "details": {"name": "p", "kind": "Pod", "causes": [
            {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"},
            {"reason": "FieldValueDuplicate", "message": 'Duplicate value: "main"', "field": "spec.containers[1].name"},
            {"reason": "FieldValueNotSupported", "field": "spec.restartPolicy",
             "message": 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'},
        ]},
        "code": 422,
    }
    assert (await api.request("GET", f"{PODS}/p", identity=admin)).status == 404


async def test_name_and_spec_problems_come_together(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"}, "spec": {}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 422
    assert [c["field"] for c in response.body["details"]["causes"]] == ["metadata.name", "spec.containers"]


def deployment(app: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": app}}, "template": {
            "metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}}},
    }  # fmt: skip


async def test_a_deployment_selector_may_not_change(api: InProcessServer, admin: Identity) -> None:
    assert (await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("web"))).status == 201
    response = await api.request("PUT", f"{DEPLOYMENTS}/web", identity=admin, json=deployment("other"))
    assert response.status == 422
    assert response.body["message"] == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    )
    assert response.body["details"]["group"] == "apps"


async def test_a_role_binding_keeps_its_role(api: InProcessServer, admin: Identity) -> None:
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "User", "name": "bob"}]}
    assert (await api.request("POST", ROLEBINDINGS, identity=admin, json=binding)).status == 201
    response = await api.request("PATCH", f"{ROLEBINDINGS}/rb", identity=admin, data=b'{"roleRef":{"name":"edit"}}',
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert response.status == 422
    assert response.body["message"] == (
        'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{'
        'APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef'
    )


async def test_dry_run_validates_too(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"bad key": "v"}}
    response = await api.request("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", identity=admin, json=body)
    assert response.status == 422
    assert response.body["details"]["causes"][0]["field"] == "data[bad key]"


async def test_a_job_gets_its_generated_selector(api: InProcessServer, admin: Identity) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"}, "spec": {"template": {
        "metadata": {"labels": {"app": "pi"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}}
    response = await api.request("POST", "/apis/batch/v1/namespaces/default/jobs", identity=admin, json=job)
    assert response.status == 201, response.text
    created = response.body
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = {"app": "pi", "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
              "controller-uid": uid, "job-name": "pi"}
    assert created["spec"]["template"]["metadata"]["labels"] == labels
    assert created["metadata"]["labels"] == labels  # the job shares its template's labels when it has none
