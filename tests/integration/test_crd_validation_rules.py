"""CRD `x-kubernetes-validations`: CEL rules on custom objects, with the real server's texts."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Identity, InProcessServer

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
GROUP = "rules.example.com"
WIDGETS = f"/apis/{GROUP}/v1/namespaces/default/widgets"


def widget_crd(spec_rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    spec_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer"}, "maxReplicas": {"type": "integer"},
            "mode": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "mode is immutable"}]},
            "tags": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self.size() <= 5", "messageExpression": "'tag ' + self + ' is too long'"}]}},
            **extra,
        },
        "x-kubernetes-validations": spec_rules,
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{GROUP}"},
        "spec": {"group": GROUP, "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                     "type": "object", "properties": {"spec": spec_schema}}}}]},
    }


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


async def serve(api: InProcessServer, admin: Identity, crd: dict[str, Any]) -> None:
    created = await api.request("POST", CRDS, identity=admin, json=crd)
    assert created.status == 201, created.text
    await api.state.settle()


REPLICAS_RULE = {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"}


async def test_a_rule_refuses_a_bad_object_with_its_message(api: InProcessServer, admin: Identity) -> None:
    await serve(api, admin, widget_crd([REPLICAS_RULE]))
    refused = await api.request("POST", WIDGETS, identity=admin, json=widget("w", replicas=9, maxReplicas=3))
    assert refused.status == 422, refused.text
    assert refused.body["message"] == (
        'Widget.rules.example.com "w" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas'
    )
    assert refused.body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec",
        "message": 'Invalid value: "object": replicas must not exceed maxReplicas',
    }]
    created = await api.request("POST", WIDGETS, identity=admin, json=widget("w", replicas=2, maxReplicas=3))
    assert created.status == 201, created.text


async def test_defaults_messages_reasons_field_paths_and_errors(api: InProcessServer, admin: Identity) -> None:
    await serve(api, admin, widget_crd([
        {"rule": "self.replicas >= 0"},
        {"rule": "self.replicas != 7", "message": "seven", "reason": "FieldValueForbidden", "fieldPath": ".replicas"},
        {"rule": "self.maxReplicas > 0", "message": "needs maxReplicas"},
    ]))
    refused = await api.request("POST", WIDGETS, identity=admin, json=widget("w", replicas=-1, tags=["toolongtag"]))
    assert refused.status == 422
    messages = [cause["message"] for cause in refused.body["details"]["causes"]]
    assert messages == [
        'Invalid value: "object": failed rule: self.replicas >= 0',
        'Invalid value: "object": no such key: maxReplicas evaluating rule: needs maxReplicas',
        'Invalid value: "string": tag toolongtag is too long',
    ]
    forbidden = await api.request("POST", WIDGETS, identity=admin, json=widget("x", replicas=7, maxReplicas=9))
    assert forbidden.status == 422 and forbidden.body["details"]["causes"] == [
        {"reason": "FieldValueForbidden", "field": "spec.replicas", "message": "Forbidden: seven"}]


async def test_transition_rules_run_only_on_update(api: InProcessServer, admin: Identity) -> None:
    await serve(api, admin, widget_crd([]))
    created = await api.request("POST", WIDGETS, identity=admin, json=widget("w", mode="a"))
    assert created.status == 201, created.text
    changed = {**created.body, "spec": {"mode": "b"}}
    refused = await api.request("PUT", f"{WIDGETS}/w", identity=admin, json=changed)
    assert refused.status == 422
    assert refused.body["message"] == 'Widget.rules.example.com "w" is invalid: spec.mode: Invalid value: "string": mode is immutable'
    same = await api.request("PUT", f"{WIDGETS}/w", identity=admin, json={**created.body, "spec": {"mode": "a", "replicas": 1}})
    assert same.status == 200, same.text


async def test_bad_rules_are_refused_with_the_crd(api: InProcessServer, admin: Identity) -> None:
    refused = await api.request("POST", CRDS, identity=admin, json=widget_crd([{"rule": "self.replicas <"}, {"rule": "1"}]))
    assert refused.status == 422, refused.text
    causes = {cause["field"]: cause["message"] for cause in refused.body["details"]["causes"]}
    path = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations"
    assert causes[f"{path}[0].rule"].startswith(
        'Invalid value: apiextensions.ValidationRule{Rule:"self.replicas <", Message:"", MessageExpression:"", '
        'Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: '
        "compilation failed: ERROR: <input>:1:"
    )
    assert causes[f"{path}[1].rule"].endswith(": cel expression must evaluate to a bool")


async def test_a_hostile_rule_is_cut_off_quickly(api: InProcessServer, admin: Identity) -> None:
    hostile = {"rule": "self.tags.all(a, self.tags.all(b, self.tags.all(c, a + b + c != '')))"}
    await serve(api, admin, widget_crd([hostile]))
    refused = await api.request("POST", WIDGETS, identity=admin, json=widget("w", tags=[str(i) for i in range(400)]))
    assert refused.status == 422
    assert refused.body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec",
        "message": "Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further "
                   f"validation rules will be run due to call cost exceeds limit for rule: {hostile['rule']}",
    }]
