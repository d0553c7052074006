"""The strict walker against the built-in schemas: what Go's typed decoder would say and keep."""

from __future__ import annotations

import pytest

from kubegate.api.strict import duplicates, scalars, walker
from kubegate.api.strict.schema import Compiler, Node
from kubegate.endpoints import yamlbody
from kubegate.registry.openapi import builtin_definitions, bundle_minor

DEFINITIONS = builtin_definitions(bundle_minor(32))
TYPED = Compiler(DEFINITIONS)
POD = TYPED.definition("io.k8s.api.core.v1.Pod")
DEPLOYMENT = TYPED.definition("io.k8s.api.apps.v1.Deployment")
SECRET = TYPED.definition("io.k8s.api.core.v1.Secret")


def decode(node: Node, text: str, *, strict: bool = True) -> walker.Decoded:
    value, repeated = duplicates.loads(text)
    return walker.decode(node, value, strict=strict, repeats=repeated)


@pytest.mark.parametrize(("body", "problems"), [
    ('{"spec":{"containers":[{"name":"a","image":"b","imagee":"c"}]}}', ['unknown field "spec.containers[0].imagee"']),
    ('{"spec":{"foo":1,"bar":{"baz":1}},"x":2}', ['unknown field "spec.foo"', 'unknown field "spec.bar"',
                                                  'unknown field "x"']),
    ('{"metadata":{"labels":{"a":"1","a":"2"}}}', ['duplicate field "metadata.labels.a"']),
    ('{"metadata":{"name":"a","name":"b"},"metadata":{}}', ['duplicate field "metadata.name"',
                                                            'duplicate field "metadata"']),
    ('{"spec":{"containers":[{"name":"a","foo":1},{"name":"b","foo":1}]}}',
     ['unknown field "spec.containers[0].foo"', 'unknown field "spec.containers[1].foo"']),
    ('{"metadata":{"annotations":{"x.y/z":"1"}}}', []),  # map keys are data, not fields
])  # fmt: skip
def test_strict_problems_and_their_paths(body: str, problems: list[str]) -> None:
    assert decode(POD, body).strict == problems


def test_unknown_fields_are_dropped_and_known_ones_kept() -> None:
    decoded = decode(POD, '{"metadata":{"name":"p","x":1},"spec":{"containers":[{"name":"a","y":2}],"z":3}}')
    assert decoded.value == {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}}


def test_repeated_keys_merge_into_structs_as_go_decodes_them() -> None:
    decoded = decode(POD, '{"metadata":{"name":"p"},"metadata":{"labels":{"a":"b"}},'
                          '"spec":{"containers":[{"name":"a","image":"x"}],"containers":[{"name":"b"}]}}')
    assert decoded.value["metadata"] == {"name": "p", "labels": {"a": "b"}}
    assert decoded.value["spec"]["containers"] == [{"name": "b", "image": "x"}]


def test_ignore_collects_nothing_but_still_prunes() -> None:
    decoded = decode(POD, '{"spec":{"foo":1}}', strict=False)
    assert decoded.strict == [] and decoded.value == {"spec": {}}


@pytest.mark.parametrize(("node", "body", "error"), [
    (DEPLOYMENT, '{"spec":{"replicas":"three"}}',
     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (DEPLOYMENT, '{"spec":{"replicas":3000000000}}',
     "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (DEPLOYMENT, '{"spec":{"paused":"yes"}}',
     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"),
    (POD, '{"spec":{"containers":{"name":"a"}}}',
     "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"),
    (POD, '{"spec":{"containers":["a"]}}',
     "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container"),
    (POD, '{"spec":{"containers":[{"args":[1]}]}}',
     "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string"),
    (POD, '{"spec":{"containers":[{"ports":[{"containerPort":80.5}]}]}}',
     ("json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort "
     "of type int32")),
    (POD, '{"spec":{"containers":[{"livenessProbe":{"httpGet":{"port":true}}}]}}',
     ("json: cannot unmarshal bool into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port "
     "of type int32")),
    (POD, '{"spec":{"containers":[{"resources":{"requests":{"memory":"1ki"}}}]}}', "unable to parse quantity's suffix"),
    (POD, '{"metadata":{"creationTimestamp":"yesterday"}}',
     'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'),
    (SECRET, '{"data":{"k":"abc"}}', "illegal base64 data at input byte 0"),
    (SECRET, '{"data":{"k":"YWJj"},"type":7}',
     "json: cannot unmarshal number into Go struct field Secret.type of type string"),
])  # fmt: skip
def test_decoding_errors(node: Node, body: str, error: str) -> None:
    assert decode(node, body).error == error


def test_the_first_saved_error_wins_unless_an_unmarshaller_fails_later() -> None:
    assert decode(DEPLOYMENT, '{"spec":{"replicas":"a","paused":"b"}}').error.endswith("spec.replicas of type int32")
    late_quantity = '{"spec":{"replicas":"a","template":{"spec":{"overhead":{"cpu":"x y"}}}}}'
    assert decode(DEPLOYMENT, late_quantity).error == scalars.QUANTITY_FORMAT_WRONG


def test_type_errors_hide_strict_problems() -> None:
    decoded = decode(DEPLOYMENT, '{"spec":{"replicas":"a","foo":1}}')
    assert decoded.error is not None and decoded.strict == []


def test_custom_resources_only_prune() -> None:
    schema = {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"}, "free": {
            "type": "object", "x-kubernetes-preserve-unknown-fields": True}}},
    }}  # fmt: skip
    node = Compiler({"w": schema}, typed=False).definition("w")
    decoded = decode(node, '{"spec":{"size":"big","free":{"any":1},"x":1},"status":{}}')
    assert decoded.error is None
    assert decoded.strict == ['unknown field "spec.x"', 'unknown field "status"']
    assert decoded.value == {"spec": {"size": "big", "free": {"any": 1}}}


@pytest.mark.parametrize(("text", "offset"), [
    ("YWJj", None), ("YWI=", None), ("YQ==", None), ("YW Jj", 2), ("YWJ", 0), ("YQ=", 3), ("Y===", 1), ("YQ==x", 4),
    ("YWJj\nZA==", None),
])  # fmt: skip
def test_base64_offsets_follow_go(text: str, offset: int | None) -> None:
    expected = None if offset is None else f"illegal base64 data at input byte {offset}"
    assert scalars.base64_error(text) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("500m", None), ("1.5Gi", None), ("1e3", None), ("-2", None), ("1E-2", None), ("12Mi", None),
    ("1 core", scalars.QUANTITY_FORMAT_WRONG), ("", scalars.QUANTITY_FORMAT_WRONG), ("1Gb", scalars.QUANTITY_FORMAT_WRONG),
    ("500mi", scalars.QUANTITY_SUFFIX),
])  # fmt: skip
def test_quantities(text: str, problem: str | None) -> None:
    assert scalars.quantity_error(text) == problem


def test_json_without_repeats_stays_plain_dicts() -> None:
    value, repeated = duplicates.loads('{"a":{"b":1}}')
    assert not repeated and type(value) is dict and type(value["a"]) is dict


def test_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="invalid character"):
        duplicates.loads('{"a": NaN}')


def test_yaml_repeated_keys_are_reported_with_lines() -> None:
    value, error = yamlbody.load(b"a: 1\nb:\n  c: 2\n  c: 3\na: 4\nb:\n  d: 5\n")
    assert value == {"a": 4, "b": {"d": 5}}
    # depth first, each named at the line of its (second) value, as go-yaml reports them
    assert error == ('error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key "c" already set in map\n'
                     '  line 5: key "a" already set in map\n  line 7: key "b" already set in map')
    assert yamlbody.warnings_of(error) == ['line 4: key "c" already set in map', 'line 5: key "a" already set in map',
                                           'line 7: key "b" already set in map']


def test_yaml_keeps_dates_as_strings_and_merge_keys_quiet() -> None:
    value, error = yamlbody.load(b"base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\nwhen: 2024-01-01\n")
    assert error is None
    assert value == {"base": {"x": 1}, "use": {"x": 2}, "when": "2024-01-01"}


def test_compiling_every_builtin_kind_terminates() -> None:
    compiler = Compiler(DEFINITIONS)
    roots = [name for name, schema in DEFINITIONS.items() if schema.get("x-kubernetes-group-version-kind")]
    for name in roots:
        compiler.definition(name)
    props = compiler.definition("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps")
    assert props.fields is not None and props.fields["properties"].element is props  # recursive, compiled once
