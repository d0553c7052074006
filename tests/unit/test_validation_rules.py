"""Built-in kinds' validation rules: the 422 texts a real 1.32 server gives, case by case."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubegate.registry import validation
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.spec import ResourceSpec
from kubegate.registry.strategy import strategy_for
from kubegate.registry.validation import quantity
from tests.support.minimal_objects import BODIES, minimal_object

SPECS = {(spec.group, spec.kind): spec for spec in BUILTIN_RESOURCES}
RBAC = "rbac.authorization.k8s.io"
LABEL_NAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
DNS_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def problems(group: str, kind: str, obj: dict[str, Any]) -> list[str]:
    return [str(error) for error in validation.validate_create(SPECS[(group, kind)], obj)]


def update_problems(group: str, kind: str, obj: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [str(error) for error in validation.validate_update(SPECS[(group, kind)], obj, old)]


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": {"containers": list(containers), **spec}}


MAIN = {"name": "main", "image": "nginx"}


@pytest.mark.parametrize("spec", [s for s in BUILTIN_RESOURCES if (s.group, s.plural) in BODIES],
                         ids=lambda s: f"{s.plural}.{s.group}")
def test_minimal_objects_are_valid(spec: ResourceSpec) -> None:
    obj = minimal_object(spec, "valid")
    on_write = strategy_for(spec).on_write
    if on_write is not None:  # the store defaults what it decodes before validating it
        on_write(obj)
    if spec.kind == "Job":  # the store generates a Job's selector before validating it
        obj["metadata"]["uid"] = "u"
        obj["spec"]["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}}
        obj["spec"]["template"]["metadata"] = {"labels": {"batch.kubernetes.io/controller-uid": "u"}}
    on_write = strategy_for(spec).on_write
    if on_write is not None:  # the store defaults what it decodes before validating it
        on_write(obj)
    assert validation.validate_create(spec, obj) == []


@pytest.mark.parametrize(("obj", "expected"), [
    (pod(), ["spec.containers: Required value"]),
    (pod({"image": "x"}), ["spec.containers[0].name: Required value"]),
    (pod({"name": "main"}), ["spec.containers[0].image: Required value"]),
    (pod({"name": "Main_1", "image": "x"}), [f'spec.containers[0].name: Invalid value: "Main_1": {DNS_LABEL_MSG}']),
    (pod(MAIN, MAIN), ['spec.containers[1].name: Duplicate value: "main"']),
    (pod(MAIN, initContainers=[MAIN]), ['spec.initContainers[0].name: Duplicate value: "main"']),
    (pod(MAIN, restartPolicy="Sometimes"),
     ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']),
    (pod(MAIN, dnsPolicy="Google"), [('spec.dnsPolicy: Unsupported value: "Google": supported values: '
                                     '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"')]),
    (pod({**MAIN, "ports": [{"containerPort": 0}, {"containerPort": 70000, "hostPort": -1, "protocol": "HTTP"}]}), [
        "spec.containers[0].ports[0].containerPort: Required value",
        "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.containers[0].ports[1].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
        'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]),
    (pod({**MAIN, "ports": [{"name": "web--port-too-long", "containerPort": 80}]}), [
        'spec.containers[0].ports[0].name: Invalid value: "web--port-too-long": must be no more than 15 characters',
        'spec.containers[0].ports[0].name: Invalid value: "web--port-too-long": must not contain consecutive hyphens',
    ]),
    (pod({**MAIN, "imagePullPolicy": "Sometimes"}), [
        ('spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"IfNotPresent", "Never"')]),
    (pod({**MAIN, "env": [{"value": "x"}, {"name": "A=B"}]}), [
        "spec.containers[0].env[0].name: Required value",
        'spec.containers[0].env[0].name: Invalid value: "": environment variable name must be non-empty',
        ('spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only '
        "of printable ASCII characters other than '='"),
    ]),
    (pod({**MAIN, "volumeMounts": [{"name": "data", "mountPath": "/d"}, {"name": "cache"}]},
         volumes=[{"name": "cache"}, {"name": "cache"}]), [
        'spec.volumes[1].name: Duplicate value: "cache"',
        'spec.containers[0].volumeMounts[0].name: Not found: "data"',
        "spec.containers[0].volumeMounts[1].mountPath: Required value",
    ]),
    (pod({**MAIN, "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "2", "cpus": "1"}}}), [
        'spec.containers[0].resources.requests[cpus]: Invalid value: "cpus": must be a standard resource for containers',
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]),
    (pod({**MAIN, "resources": {"limits": {"memory": "1.5Gi"}, "requests": {"memory": "2Gi"}}}), [
        ('spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of '
        "1536Mi"),
    ]),
    (pod(MAIN, nodeSelector={"disk type": "ssd"}, serviceAccountName="Bot"), [
        f'spec.nodeSelector: Invalid value: "disk type": {LABEL_NAME_MSG}',
        ('spec.serviceAccountName: Invalid value: "Bot": a lowercase RFC 1123 subdomain must consist of lower case '
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
        "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ]),
    (pod(MAIN, ephemeralContainers=[{"name": "debug", "image": "busybox"}]),
     ["spec.ephemeralContainers: Forbidden: cannot be set on create"]),
])  # fmt: skip
def test_pods(obj: dict[str, Any], expected: list[str]) -> None:
    assert problems("", "Pod", obj) == expected


@pytest.mark.parametrize(("labels", "annotations", "expected"), [
    ({"app": "web", "example.com/tier": "front"}, {"Any.Case/Key": "v"}, []),
    ({"bad key": "x"}, None, [f'metadata.labels: Invalid value: "bad key": {LABEL_NAME_MSG}']),
    ({"/x": "y", "a/b/c": "z"}, None, [
        'metadata.labels: Invalid value: "/x": prefix part must be non-empty',
        ('metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
        "subdomain prefix and '/' (e.g. 'example.com/MyName')"),
    ]),
    ({"app": "-web"}, None, [
        ('metadata.labels: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ]),
    (None, {"x": "y" * (256 * 1024)}, ["metadata.annotations: Too long: may not be more than 262144 bytes"]),
])  # fmt: skip
def test_labels_and_annotations_of_every_kind(labels: Any, annotations: Any, expected: list[str]) -> None:
    metadata: dict[str, Any] = {"name": "cm"}
    if labels is not None:
        metadata["labels"] = labels
    if annotations is not None:
        metadata["annotations"] = annotations
    assert problems("", "ConfigMap", {"metadata": metadata}) == expected


def deployment(**spec: Any) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [MAIN]}}
    return {"metadata": {"name": "d"}, "spec": {"template": template, **spec}}


@pytest.mark.parametrize(("obj", "expected"), [
    (deployment(), [
        "spec.selector: Required value",
        ('spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match '
        "template `labels`"),
    ]),
    (deployment(selector={"matchLabels": {"app": "y"}}, replicas=-1), [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        ('spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match '
        "template `labels`"),
    ]),
    (deployment(selector={}), [
        ("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"),
    ]),
    (deployment(selector={"matchExpressions": [{"key": "app", "operator": "In"}]}), [
        ("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or "
        "'NotIn'"),
        ('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), '
        'MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", '
        "Values:[]string(nil)}}}: invalid label selector"),
    ]),
    (deployment(selector={"matchLabels": {"app": "x"}}, strategy={"type": "Canary"}), [
        ('spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Canary", '
        'RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'),
    ]),
])  # fmt: skip
def test_deployments(obj: dict[str, Any], expected: list[str]) -> None:
    assert problems("apps", "Deployment", obj) == expected


def test_workload_restart_policies() -> None:
    never = deployment(selector={"matchLabels": {"app": "x"}})
    never["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert problems("apps", "Deployment", never) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    ]
    job = {"metadata": {"name": "j", "uid": "u"}, "spec": {
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
        "template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": "u"}}, "spec": {"containers": [MAIN]}},
    }}  # fmt: skip
    assert problems("batch", "Job", job) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'
    ]


def test_a_hand_picked_job_selector_needs_manual_selector() -> None:
    job = {"metadata": {"name": "j", "uid": "u"}, "spec": {
        "selector": {"matchLabels": {"app": "x", "batch.kubernetes.io/controller-uid": "u"}},
        "template": {"metadata": {"labels": {"app": "x", "batch.kubernetes.io/controller-uid": "u"}},
                     "spec": {"containers": [MAIN], "restartPolicy": "Never"}},
    }}  # fmt: skip
    assert problems("batch", "Job", job)[0].endswith("`selector` not auto-generated")
    job["spec"]["manualSelector"] = True
    assert problems("batch", "Job", job) == []


def test_cron_jobs() -> None:
    cron = {"metadata": {"name": "c" * 53}, "spec": {"schedule": "every minute", "concurrencyPolicy": "Sometimes",
                                                     "jobTemplate": {"spec": {"template": {"spec": {
                                                         "containers": [MAIN], "restartPolicy": "Never"}}}}}}
    assert problems("batch", "CronJob", cron) == [
        f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters',
        'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]',
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, ["spec.ports: Required value"]),
    ({"clusterIP": "None"}, []),
    ({"ports": [{"name": "web"}, {"port": 443, "protocol": "HTTP"}]}, [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[1].name: Required value",
        'spec.ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]),
    ({"ports": [{"port": 80, "targetPort": "http_port"}], "type": "Public"}, [
        ('spec.ports[0].targetPort: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, '
        "0-9), and hyphens (-)"),
        ('spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
        '"NodePort"'),
    ]),
    ({"ports": [{"port": 80, "nodePort": 30080}]}, [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]),
    ({"ports": [{"port": 80, "nodePort": 80}], "type": "NodePort"}, [
        ("spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid "
        "ports is 30000-32767"),
    ]),
    ({"type": "ExternalName"}, ["spec.externalName: Required value"]),
])  # fmt: skip
def test_services(spec: dict[str, Any], expected: list[str]) -> None:
    assert problems("", "Service", {"metadata": {"name": "s"}, "spec": spec}) == expected


def test_service_cluster_ips_are_kept() -> None:
    old = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}], "clusterIP": "10.96.0.10",
                                               "clusterIPs": ["10.96.0.10"]}}
    moved = copy.deepcopy(old)
    moved["spec"].update(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"])
    assert update_problems("", "Service", moved, old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    ]
    omitted = copy.deepcopy(old)
    del omitted["spec"]["clusterIP"], omitted["spec"]["clusterIPs"]
    assert update_problems("", "Service", omitted, old) == []


def test_config_map_and_secret_keys() -> None:
    assert problems("", "ConfigMap", {"metadata": {"name": "c"}, "data": {"bad key": "v", "..x": "v"}}) == [
        ('data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '
        "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')"),
        "data[..x]: Invalid value: \"..x\": must not start with '..'",
    ]
    tls = {"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}}
    assert problems("", "Secret", tls) == ["data[tls.key]: Required value"]
    token = {"metadata": {"name": "s"}, "type": "kubernetes.io/service-account-token"}
    assert problems("", "Secret", token) == ["metadata.annotations[kubernetes.io/service-account.name]: Required value"]
    docker = {"metadata": {"name": "s"}, "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "e30K"}}
    assert problems("", "Secret", docker) == []


def test_immutable_config_and_secret_types() -> None:
    old = {"metadata": {"name": "c"}, "data": {"a": "1"}, "immutable": True}
    changed = {**old, "data": {"a": "2"}, "immutable": False}
    assert update_problems("", "ConfigMap", changed, old) == [
        "immutable: Forbidden: field is immutable when `immutable` is set",
        "data: Forbidden: field is immutable when `immutable` is set",
    ]
    secret = {"metadata": {"name": "s"}, "type": "Opaque", "data": {"tls.crt": "eA==", "tls.key": "eA=="}}
    assert update_problems("", "Secret", {**secret, "type": "kubernetes.io/tls"}, secret) == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable'
    ]


def test_rbac() -> None:
    role = {"metadata": {"name": "r"}, "rules": [{"apiGroups": [""]}, {"verbs": ["get"], "nonResourceURLs": ["/x"]}]}
    assert problems(RBAC, "Role", role) == [
        "rules[0].verbs: Required value: verbs must contain at least one value",
        "rules[0].resources: Required value: resource rules must supply at least one resource",
        'rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
    ]
    assert problems(RBAC, "ClusterRole", {**role, "rules": role["rules"][1:]}) == []
    binding = {"metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"},
               "subjects": [{"kind": "Robot", "name": "x"}, {"kind": "ServiceAccount", "name": "bot"}]}
    assert problems(RBAC, "RoleBinding", binding) == [
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'
    ]
    assert problems(RBAC, "ClusterRoleBinding", binding) == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        "subjects[1].namespace: Required value",
    ]
    changed = {**binding, "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"}}
    assert update_problems(RBAC, "RoleBinding", changed, binding)[-1] == (
        'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", '
        'Name:"view"}: cannot change roleRef'
    )


def test_pod_updates_may_only_change_a_few_fields() -> None:
    old = pod({**MAIN, "image": "nginx:1.27"})
    assert update_problems("", "Pod", pod({**MAIN, "image": "nginx:1.28"}), old) == []
    ports = pod({**MAIN, "image": "nginx:1.27", "ports": [{"containerPort": 81}]})
    found = update_problems("", "Pod", ports, old)
    assert len(found) == 1
    assert found[0].startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)\n  core.PodSpec{\n"
    )
    assert '+ \tspec.containers[0].ports: [{"protocol":"TCP","containerPort":81}]' in found[0]
    assert update_problems("", "Pod", pod(MAIN, MAIN | {"name": "side"}), pod(MAIN)) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"
    ]
    # defaulting fills what the new spec leaves out, so a full object and a sparse one compare equal
    assert update_problems("", "Pod", pod(MAIN), pod(MAIN, restartPolicy="Always", dnsPolicy="ClusterFirst")) == []
    limited = pod({**MAIN, "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})
    assert update_problems("", "Pod", limited, pod(MAIN))[0] == 'metadata: Invalid value: "BestEffort": Pod QoS is immutable'


def test_job_selector_and_template_are_immutable() -> None:
    labels = {"batch.kubernetes.io/controller-uid": "u"}
    old = {"metadata": {"name": "j", "uid": "u"}, "spec": {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [MAIN], "restartPolicy": "Never"}},
    }}  # fmt: skip
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "other"
    assert update_problems("batch", "Job", new, old) == [
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"
    ]


@pytest.mark.parametrize(("text", "canonical"), [
    ("500m", "500m"), ("0.5", "500m"), ("2000", "2k"), ("1500", "1500"), ("1.5Gi", "1536Mi"), ("1024Mi", "1Gi"),
    ("100Ki", "100Ki"), ("512", "512"), ("1e3", "1e3"), (2, "2"), ("0", "0"), ("100n", "100n"),
])  # fmt: skip
def test_quantity_canonical_forms(text: Any, canonical: str) -> None:
    assert quantity.canonical(text) == canonical


def test_stateful_sets_only_change_some_fields() -> None:
    template = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [MAIN]}}
    old = {"metadata": {"name": "db"}, "spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
                                                 "template": template, "replicas": 1}}
    scaled = copy.deepcopy(old)
    scaled["spec"]["replicas"] = 3
    assert update_problems("apps", "StatefulSet", scaled, old) == []
    renamed = copy.deepcopy(old)
    renamed["spec"]["serviceName"] = "other"
    assert update_problems("apps", "StatefulSet", renamed, old) == [
        ("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
    ]
