"""CustomResourceDefinition validation: the 422 causes a real server gives for common mistakes.

Messages are apiextensions' (apis/apiextensions/validation, apiserver/schema/validation.go).
A one-version CRD's schema is reported under `spec.validation` and its subresources under
`spec.subresources`, because the real server validates the internal form into which identical
per-version values are hoisted.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kubegate.registry.customresources.crd_strategy import CRD_HOOKS, apply_v1_defaults
from kubegate.registry.customresources.crd_validation import hoist, validate_crd
from kubegate.registry.customresources.structural import validate_structural
from tests.support.crds import crontab_crd

Change = Callable[[dict[str, Any]], None]


def errors_of(change: Change, *, old: dict[str, Any] | None = None) -> list[str]:
    crd = crontab_crd()
    change(crd)
    apply_v1_defaults(crd)
    if old is None:
        return [str(e) for e in CRD_HOOKS.before_create(crd, user=None)]
    return [str(e) for e in CRD_HOOKS.before_update(crd, old, sent=crd, subresource="")]


def schema(crd: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return result


def spec_props(crd: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = schema(crd)["properties"]["spec"]["properties"]
    return result


def test_the_docs_crontab_is_valid() -> None:
    assert errors_of(lambda crd: None) == []


CASES: list[tuple[str, Change, list[str]]] = [
    ("name", lambda c: c["metadata"].update(name="cron.stable.example.com"),
     ['metadata.name: Invalid value: "cron.stable.example.com": must be spec.names.plural+"."+spec.group']),
    ("group without a dot", lambda c: (c["spec"].update(group="example"), c["metadata"].update(name="crontabs.example")),
     ['spec.group: Invalid value: "example": should be a domain with at least one dot']),
    ("scope", lambda c: c["spec"].update(scope="Everywhere"),
     ['spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"']),
    ("missing scope", lambda c: c["spec"].pop("scope"), ["spec.scope: Required value"]),
    ("plural", lambda c: (c["spec"]["names"].update(plural="Crontabs"), c["metadata"].update(name="Crontabs.stable.example.com")),
     [("spec.names.plural: Invalid value: \"Crontabs\": a DNS-1035 label must consist of lower case alphanumeric characters "
      "or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
      "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]),
    ("kind", lambda c: c["spec"]["names"].update(kind="Cron_Tab"),
     [('spec.names.kind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match: a DNS-1035 label must '
      "consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an "
      "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"),
      ('spec.names.listKind: Invalid value: "Cron_TabList": may have mixed case, but should otherwise match: a DNS-1035 '
      "label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with "
      "an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]),
    ("kind and listKind", lambda c: c["spec"]["names"].update(listKind="CronTab"),
     ['spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same']),
    ("no kind", lambda c: (c["spec"]["names"].pop("kind"), c["spec"]["names"].pop("singular")),
     ["spec.names.singular: Required value", "spec.names.kind: Required value", "spec.names.listKind: Required value"]),
    ("not served anywhere is fine, two storage versions are not",
     lambda c: c["spec"]["versions"].append({**copy.deepcopy(c["spec"]["versions"][0]), "name": "v2", "served": False}),
     [("spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{"
      'Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), '
      "Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), "
      "AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}, "
      'apiextensions.CustomResourceDefinitionVersion{Name:"v2", Served:false, Storage:true, Deprecated:false, '
      "DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), "
      "Subresources:(*apiextensions.CustomResourceSubresources)(nil), "
      "AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: "
      "must have exactly one version marked as storage version"),
      # only the first storage version is recorded on create, so the second is missing there
      'status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2']),
    ("schema required in v1", lambda c: c["spec"]["versions"][0].pop("schema"),
     ["spec.versions[0].schema.openAPIV3Schema: Required value"]),
    ("field without type", lambda c: spec_props(c).update(x={"description": "d"}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].type: Required value: must not be empty for specified object fields"]),
    ("array without items", lambda c: spec_props(c).update(x={"type": "array"}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].items: Required value: must be specified"]),
    ("items without type", lambda c: spec_props(c).update(x={"type": "array", "items": {}}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].items.type: Required value: must not be empty for specified array items"]),
    ("root must be an object", lambda c: schema(c).update(type="string"),
     ['spec.validation.openAPIV3Schema.type: Invalid value: "string": only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
      'spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root']),
    ("metadata beyond name", lambda c: schema(c)["properties"].update(metadata={"type": "object", "properties": {"labels": {"type": "object"}}}),
     ["spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"]),
    ("type inside anyOf", lambda c: spec_props(c).update(x={"type": "string", "anyOf": [{"type": "string"}]}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].anyOf[0].type: Forbidden: must be empty to be structural"]),
    ("root junctor names an undeclared field",
     lambda c: (c["spec"]["versions"][0].pop("subresources"), schema(c).update(anyOf=[{"properties": {"y": {}}}])),
     ["spec.validation.openAPIV3Schema.properties[y]: Required value: because it is defined in spec.validation.openAPIV3Schema.anyOf[0].properties[y]"]),
    ("status subresource restricts the root", lambda c: schema(c).update(anyOf=[{"required": ["spec"]}]),
     [("spec.validation.openAPIV3Schema: Invalid value: apiextensions.JSONSchemaProps{...}: only [Description Type Format "
      "Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems "
      "MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed "
      "at the root of the schema if the status subresource is enabled")]),
    ("int-or-string stands in for a type", lambda c: spec_props(c).update(x={"x-kubernetes-int-or-string": True}), []),
    ("uniqueItems", lambda c: spec_props(c).update(x={"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"]),
    ("$ref", lambda c: spec_props(c).update(x={"type": "object", "$ref": "#/definitions/x"}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].$ref: Forbidden: $ref is not supported"]),
    ("unknown type", lambda c: spec_props(c).update(x={"type": "text"}),
     [('spec.validation.openAPIV3Schema.properties[spec].properties[x].type: Unsupported value: "text": supported values: '
      '"array", "boolean", "integer", "number", "object", "string"')]),
    ("properties and additionalProperties", lambda c: spec_props(c).update(x={"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"]),
    ("bad default", lambda c: spec_props(c)["replicas"].update(default="one"),
     ['spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"']),
    ("default with unknown fields", lambda c: spec_props(c).update(x={"type": "object", "properties": {}, "default": {"a": 1}}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].default: Invalid value: map[string]interface {}{\"a\":1}: must not have unknown fields"]),
    ("default in top-level metadata", lambda c: schema(c)["properties"].update(metadata={"type": "object", "default": {}}),
     ["spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata"]),
    ("list-type map without keys", lambda c: spec_props(c).update(x={"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object"}}),
     ["spec.validation.openAPIV3Schema.properties[spec].properties[x].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"]),
    ("scale paths", lambda c: c["spec"]["versions"][0]["subresources"]["scale"].update(specReplicasPath="spec.replicas", statusReplicasPath=".replicas"),
     ['spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
      'spec.subresources.scale.statusReplicasPath: Invalid value: ".replicas": should be a json path under .status']),
    ("column type", lambda c: c["spec"]["versions"][0]["additionalPrinterColumns"][0].update(type="text"),
     ['spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string']),
    ("column path", lambda c: c["spec"]["versions"][0]["additionalPrinterColumns"][0].pop("jsonPath"),
     ["spec.additionalPrinterColumns[0].JSONPath: Required value"]),
    ("protected group", lambda c: (c["spec"].update(group="stable.k8s.io"), c["metadata"].update(name="crontabs.stable.k8s.io")),
     [('metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation '
      '"api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111')]),
    ("preserveUnknownFields", lambda c: c["spec"].update(preserveUnknownFields=True),
     ["spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
      "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_crd_validation(change: Change, expected: list[str]) -> None:
    assert errors_of(change) == expected


def test_per_version_values_keep_their_version_path() -> None:
    def two_versions(crd: dict[str, Any]) -> None:
        v2 = copy.deepcopy(crd["spec"]["versions"][0])
        v2.update(name="v2", storage=False)
        spec_props(crd).update(x={"type": "array"})
        crd["spec"]["versions"].append(v2)

    assert errors_of(two_versions) == [
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[x].items: Required value: must be specified"
    ]


def test_hoisting_moves_identical_per_version_values_to_the_top() -> None:
    crd = crontab_crd()
    internal = hoist(crd["spec"])
    assert set(internal.top) == {"schema", "subresources", "additionalPrinterColumns", "selectableFields"}
    assert "schema" not in internal.versions[0]


def test_updates_keep_group_plural_and_established_names() -> None:
    old = crontab_crd()
    apply_v1_defaults(old)
    CRD_HOOKS.before_create(old, user=None)
    old["status"]["conditions"] = [{"type": "Established", "status": "True"}]

    def rename(crd: dict[str, Any]) -> None:
        crd["spec"]["names"].update(plural="crons", kind="Cron", listKind="CronList")
        crd["spec"]["scope"] = "Cluster"

    assert errors_of(rename, old=old) == [
        'spec.scope: Invalid value: "Cluster": field is immutable',
        'spec.names.kind: Invalid value: "Cron": field is immutable',
        'spec.names.plural: Invalid value: "crons": field is immutable',
    ]


def test_a_new_storage_version_is_added_to_stored_versions() -> None:
    old = crontab_crd()
    apply_v1_defaults(old)
    CRD_HOOKS.before_create(old, user=None)
    assert old["status"] == {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": ["v1"]}
    new = copy.deepcopy(old)
    new["spec"]["versions"][0]["storage"] = False
    new["spec"]["versions"].append({**copy.deepcopy(new["spec"]["versions"][0]), "name": "v2", "storage": True})
    assert CRD_HOOKS.before_update(new, old, sent=new, subresource="") == []
    assert new["status"]["storedVersions"] == ["v1", "v2"]
    dropped = copy.deepcopy(new)
    dropped["spec"]["versions"] = dropped["spec"]["versions"][1:]
    assert [str(e) for e in validate_crd(dropped, new)] == [
        ('status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, '
        "and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes "
        "v1 from status.storedVersions")
    ]


def test_structural_errors_are_sorted_by_their_text() -> None:
    schema = {"type": "object", "properties": {"b": {}, "a": {}, "c": {"type": "array"}}}
    assert [str(e) for e in validate_structural("s", schema)] == [
        "s.properties[a].type: Required value: must not be empty for specified object fields",
        "s.properties[b].type: Required value: must not be empty for specified object fields",
        "s.properties[c].items: Required value: must be specified",
    ]
