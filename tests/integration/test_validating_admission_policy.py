"""ValidatingAdmissionPolicy and its bindings, as a real kube-apiserver 1.32 enforces them."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

GROUP = "/apis/admissionregistration.k8s.io/v1"
POLICIES = f"{GROUP}/validatingadmissionpolicies"
BINDINGS = f"{GROUP}/validatingadmissionpolicybindings"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"

DEPLOYMENT_RULES = [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                     "resources": ["deployments"]}]


def policy(name: str, *validations: dict[str, Any], rules: list[dict[str, Any]] | None = None,
           **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"matchConstraints": {"resourceRules": rules or DEPLOYMENT_RULES}, **spec}
    if validations:
        body["validations"] = list(validations)
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name}, "spec": body}


def binding(name: str, policy_name: str, actions: tuple[str, ...] = ("Deny",), **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name}, "spec": {"policyName": policy_name, "validationActions": list(actions), **spec}}


def deployment(name: str, replicas: int, **labels: str) -> dict[str, Any]:
    selector = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels or selector},
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": {
            "metadata": {"labels": selector}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }


async def install(api: InProcessServer, admin: Identity, *objects: dict[str, Any]) -> None:
    for obj in objects:
        path = POLICIES if obj["kind"] == "ValidatingAdmissionPolicy" else BINDINGS
        created = await api.request("POST", path, identity=admin, json=obj)
        assert created.status == 201, created.text


async def test_a_policy_refuses_too_many_replicas_with_the_real_text(api: InProcessServer, admin: Identity) -> None:
    await install(api, admin, policy("replicas", {"expression": "object.spec.replicas <= 5"}),
                  binding("replicas-binding", "replicas"))
    refused = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("big", 9))
    assert refused.status == 422, refused.text
    message = ("ValidatingAdmissionPolicy 'replicas' with binding 'replicas-binding' denied request: "
               "failed expression: object.spec.replicas <= 5")
    assert refused.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'deployments.apps "big" is forbidden: {message}', "reason": "Invalid",
        "details": {"name": "big", "group": "apps", "kind": "deployments", "causes": [{"message": message}]},
        "code": 422,
    }
    admitted = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("small", 2))
    assert admitted.status == 201, admitted.text
    # a patch, not a PUT: the deployment controller may have written the status meanwhile
    scaled_up = await api.request("PATCH", f"{DEPLOYMENTS}/small", identity=admin, json={"spec": {"replicas": 6}},
                                  headers={"Content-Type": "application/merge-patch+json"})
    assert scaled_up.status == 422 and "denied request" in scaled_up.body["message"]


async def test_a_policy_without_a_binding_does_nothing(api: InProcessServer, admin: Identity) -> None:
    await install(api, admin, policy("unbound", {"expression": "false"}))
    assert (await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("free", 9))).status == 201


async def test_message_message_expression_and_reason(api: InProcessServer, admin: Identity) -> None:
    await install(
        api, admin,
        policy("named", {"expression": "object.metadata.name.startsWith('ok-')", "message": "names start with ok-",
                         "reason": "Forbidden"},
               {"expression": "object.spec.replicas < 3",
                "messageExpression": "'replicas ' + string(object.spec.replicas) + ' are too many'"}),
        binding("named-binding", "named"),
    )
    forbidden = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("bad", 1))
    assert forbidden.status == 403 and forbidden.body["reason"] == "Forbidden"
    assert forbidden.body["message"] == (
        "deployments.apps \"bad\" is forbidden: ValidatingAdmissionPolicy 'named' with binding 'named-binding' "
        "denied request: names start with ok-"
    )
    counted = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("ok-many", 4))
    assert counted.status == 422
    assert counted.body["message"].endswith("denied request: replicas 4 are too many")


async def test_warn_and_audit_actions_admit_with_a_warning(api: InProcessServer, admin: Identity) -> None:
    await install(api, admin, policy("soft", {"expression": "object.spec.replicas <= 5", "message": "keep it small"}),
                  binding("soft-binding", "soft", ("Warn", "Audit")))
    created = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("warned", 7))
    assert created.status == 201, created.text
    assert created.headers.getall("Warning") == [
        "299 - \"Validation failed for ValidatingAdmissionPolicy 'soft' with binding 'soft-binding': keep it small\""
    ]


async def test_params_variables_and_match_conditions(api: InProcessServer, admin: Identity) -> None:
    limits = {"metadata": {"name": "limits", "labels": {"kind": "limits"}}, "data": {"max": "3"}}
    assert (await api.request("POST", CONFIGMAPS, identity=admin, json=limits)).status == 201
    await install(
        api, admin,
        policy("limited", {"expression": "variables.replicas <= int(params.data.max)",
                           "messageExpression": "'at most ' + params.data.max"},
               paramKind={"apiVersion": "v1", "kind": "ConfigMap"},
               variables=[{"name": "replicas", "expression": "object.spec.replicas"}],
               matchConditions=[{"name": "not-exempt", "expression": "!has(object.metadata.labels.exempt)"}]),
        binding("limited-binding", "limited", paramRef={"name": "limits", "parameterNotFoundAction": "Deny"}),
    )
    refused = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("four", 4))
    assert refused.status == 422 and refused.body["message"].endswith("denied request: at most 3")
    exempt = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("exempt", 4, exempt="yes"))
    assert exempt.status == 201, exempt.text
    assert (await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("three", 3))).status == 201


async def test_missing_params_deny_per_the_binding(api: InProcessServer, admin: Identity) -> None:
    await install(
        api, admin,
        policy("needs-params", {"expression": "true"}, paramKind={"apiVersion": "v1", "kind": "ConfigMap"}),
        binding("strict", "needs-params", paramRef={"name": "absent", "parameterNotFoundAction": "Deny"}),
    )
    refused = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("x", 1))
    assert refused.status == 422
    assert refused.body["message"] == (
        "deployments.apps \"x\" is forbidden: ValidatingAdmissionPolicy 'needs-params' with binding 'strict' "
        "denied request: failed to configure binding: no params found for policy binding with `Deny` "
        "parameterNotFoundAction"
    )


async def test_runtime_errors_follow_the_failure_policy(api: InProcessServer, admin: Identity) -> None:
    await install(api, admin, policy("broken", {"expression": "object.spec.missing > 1"}),
                  binding("broken-binding", "broken"))
    refused = await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("x", 1))
    assert refused.status == 422
    assert refused.body["message"].endswith(
        "denied request: expression 'object.spec.missing > 1' resulted in error: no such key: missing"
    )
    ignoring = policy("broken", {"expression": "object.spec.missing > 1"}, failurePolicy="Ignore")
    current = (await api.request("GET", f"{POLICIES}/broken", identity=admin)).body
    ignoring["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    assert (await api.request("PUT", f"{POLICIES}/broken", identity=admin, json=ignoring)).status == 200
    assert (await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment("y", 1))).status == 201


async def test_a_hostile_expression_is_cut_off_quickly(api: InProcessServer, admin: Identity) -> None:
    big = {"metadata": {"name": "big"}, "data": {f"k{i}": "v" for i in range(300)}}
    await install(
        api, admin,
        policy("hostile", {"expression": "object.data.all(a, object.data.all(b, object.data.all(c, a + b + c != '')))"},
               rules=[{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]),
        binding("hostile-binding", "hostile"),
    )
    refused = await api.request("POST", CONFIGMAPS, identity=admin, json=big)
    assert refused.status == 422, refused.text
    assert refused.body["message"].endswith("resulted in error: operation cancelled: actual cost limit exceeded")


async def test_policies_never_apply_to_policies(api: InProcessServer, admin: Identity) -> None:
    await install(api, admin, policy("everything", {"expression": "false"},
                                     rules=[{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"],
                                             "resources": ["*"]}]),
                  binding("everything-binding", "everything"))
    assert (await api.request("DELETE", f"{BINDINGS}/everything-binding", identity=admin)).status == 200
    assert (await api.request("POST", CONFIGMAPS, identity=admin, json={"metadata": {"name": "free"}})).status == 201


async def test_bad_expressions_are_refused_when_the_policy_is_written(api: InProcessServer, admin: Identity) -> None:
    bad = policy("bad", {"expression": "object.spec.replicas <="}, {"expression": "1 + 1"},
                 {"expression": "true", "messageExpression": "undeclared.x"})
    refused = await api.request("POST", POLICIES, identity=admin, json=bad)
    assert refused.status == 422, refused.text
    causes = {cause["field"]: cause["message"] for cause in refused.body["details"]["causes"]}
    assert causes["spec.validations[0].expression"].startswith(
        'Invalid value: "object.spec.replicas <=": compilation failed: ERROR: <input>:1:24: Syntax error: '
    )
    assert causes["spec.validations[1].expression"] == 'Invalid value: "1 + 1": must evaluate to bool but got int'
    # cel-go names the identifier (`'undeclared'` at 1:1), cel-cpp the qualified name at its end
    assert causes["spec.validations[2].messageExpression"].startswith(
        "Invalid value: \"undeclared.x\": compilation failed: ERROR: <input>:1:"
    )
    assert "undeclared reference to 'undeclared" in causes["spec.validations[2].messageExpression"]
    no_params = policy("p", {"expression": "params.x == 1"})
    missing = await api.request("POST", POLICIES, identity=admin, json=no_params)
    assert missing.status == 422 and "undeclared reference to 'params" in missing.text


async def test_policies_and_bindings_are_defaulted_and_checked(api: InProcessServer, admin: Identity) -> None:
    created = await api.request("POST", POLICIES, identity=admin, json=policy("d", {"expression": "true"}))
    assert created.status == 201, created.text
    spec = created.body["spec"]
    assert spec["failurePolicy"] == "Fail"
    assert spec["matchConstraints"] == {
        "resourceRules": [{**DEPLOYMENT_RULES[0], "scope": "*"}], "matchPolicy": "Equivalent",
        "namespaceSelector": {}, "objectSelector": {},
    }
    bad = binding("b", "d", ("Deny", "Warn"), paramRef={"name": "x"})
    refused = await api.request("POST", BINDINGS, identity=admin, json=bad)
    assert refused.status == 422
    assert refused.body["message"] == (
        'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "b" is invalid: ['
        "spec.paramRef.parameterNotFoundAction: Required value, spec.validationActions: Invalid value: "
        '[]admissionregistration.ValidationAction{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure '
        "information in the API response and headers serves no purpose)]"
    )
