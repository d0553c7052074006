"""Kubernetes protobuf request bodies: the wire reader, the decoder's JSON forms, its 400s, a fuzz.

Bodies are built here with a tiny encoder, written the way gogo-protobuf writes them (every
non-pointer scalar explicitly, zero or not), plus two captures of real bytes.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from kubegate.api.errors import StatusError
from kubegate.api.protobuf import schema, wire
from kubegate.api.protobuf.decode import MAGIC, decode_kubernetes_protobuf

# --- a tiny encoder ---------------------------------------------------------------------------


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative numbers as Go writes them: ten bytes, two's complement
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def vi(number: int, value: int) -> bytes:
    """A varint field (int32, int64, bool)."""
    return varint(number << 3) + varint(value)


def ld(number: int, *parts: bytes) -> bytes:
    """A length-delimited field: a string, bytes or a message made of `parts`."""
    payload = b"".join(parts)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def st(number: int, text: str) -> bytes:
    return ld(number, text.encode())


def entry(number: int, key: str, value: bytes) -> bytes:
    """One entry of a map<string, V> field."""
    return ld(number, st(1, key), ld(2, value))


def body(api_version: str, kind: str, *raw: bytes) -> bytes:
    return MAGIC + ld(1, st(1, api_version), st(2, kind)) + ld(2, *raw) + ld(3) + ld(4)


def meta(name: str = "", namespace: str = "", *extra: bytes) -> bytes:
    """ObjectMeta as gogo writes it: the eight non-pointer fields always, zero or not."""
    return ld(
        1, st(1, name), ld(2), st(3, namespace), ld(4), ld(5), ld(6), vi(7, 0), ld(8), *extra
    )


def decode(data: bytes, **kwargs: str) -> dict[str, Any]:
    return decode_kubernetes_protobuf(data, **kwargs)


# --- kubectl's bodies -------------------------------------------------------------------------


def test_create_namespace_is_the_documented_body() -> None:
    data = body("v1", "Namespace", meta("demo"), ld(2), ld(3, ld(1)))
    # KUBECTL_WIRE.md §15: the envelope, a 28-byte Namespace, empty contentEncoding/contentType.
    assert data.startswith(bytes.fromhex("6b387300 0a0f 0a02") + b"v1" + b"\x12\x09Namespace")
    assert data[21:23] == b"\x12\x1c" and data.endswith(b"\x1a\x00\x22\x00")
    assert decode(data) == {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"},
        "spec": {}, "status": {},
    }  # fmt: skip


def test_create_token_is_the_documented_body() -> None:
    status = ld(3, ld(1), ld(2))  # token "", expirationTimestamp zero
    data = body("authentication.k8s.io/v1", "TokenRequest", meta(), ld(2), status)
    assert decode(data) == {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {},
    }  # fmt: skip


def test_create_token_with_audiences_duration_and_bound_object() -> None:
    bound = ld(3, st(1, "Pod"), st(2, "v1"), st(3, "web-1"), st(4, "1234"))
    spec = ld(2, st(1, "api"), st(1, "vault"), bound, vi(4, 600))
    data = body("authentication.k8s.io/v1", "TokenRequest", meta(), spec, ld(3, ld(1), ld(2)))
    assert decode(data)["spec"] == {
        "audiences": ["api", "vault"], "expirationSeconds": 600,
        "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web-1", "uid": "1234"},
    }  # fmt: skip


def test_role_rules_keep_the_empty_core_group() -> None:
    rule = ld(2, st(1, "get"), st(1, "list"), st(2, ""), st(3, "pods"))
    data = body("rbac.authorization.k8s.io/v1", "Role", meta("pod-reader", "x"), rule)
    assert decode(data) == {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pod-reader", "namespace": "x"},
        "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}],
    }  # fmt: skip


def test_rolebinding_subjects_and_role_ref() -> None:
    service_account = ld(2, st(1, "ServiceAccount"), st(2, ""), st(3, "bot"), st(4, "x"))
    user = ld(2, st(1, "User"), st(2, "rbac.authorization.k8s.io"), st(3, "alice"), st(4, ""))
    role_ref = ld(3, st(1, "rbac.authorization.k8s.io"), st(2, "Role"), st(3, "pod-reader"))
    data = body(
        "rbac.authorization.k8s.io/v1", "RoleBinding", meta("rb1", "x"),
        service_account, user, role_ref,
    )  # fmt: skip
    obj = decode(data)
    assert obj["subjects"] == [
        {"kind": "ServiceAccount", "name": "bot", "namespace": "x"},
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
    ]
    assert obj["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader",
    }  # fmt: skip


def test_configmap_data_and_binary_data() -> None:
    data = body(
        "v1", "ConfigMap", meta("cfg", "x"),
        entry(2, "a", b"b"), entry(2, "empty", b""), entry(3, "blob", b"\x00\xff"),
    )  # fmt: skip
    obj = decode(data)
    assert obj["data"] == {"a": "b", "empty": ""}
    assert obj["binaryData"] == {"blob": "AP8="}


def test_secret_bytes_become_base64_and_type_is_kept() -> None:
    data = body(
        "v1", "Secret", meta("reg", "x"),
        entry(2, "p", b"q"), entry(2, ".dockerconfigjson", b"{}"),
        st(3, "kubernetes.io/dockerconfigjson"),
    )  # fmt: skip
    obj = decode(data)
    assert obj["data"] == {"p": "cQ==", ".dockerconfigjson": "e30="}
    assert obj["type"] == "kubernetes.io/dockerconfigjson"


def _container(name: str, image: str) -> bytes:
    return ld(
        2, st(1, name), st(2, image), ld(5), ld(8), st(13, ""), st(14, ""),
        vi(16, 0), vi(17, 0), vi(18, 0), st(20, ""),
    )  # fmt: skip


def test_deployment_keeps_an_explicit_zero_replicas() -> None:
    labels = entry(11, "app", b"web")
    template = ld(3, ld(1, labels), ld(2, _container("nginx", "nginx"), st(3, ""), st(6, "")))
    selector = ld(2, entry(1, "app", b"web"))
    spec = ld(2, vi(1, 0), selector, template, ld(4, st(1, "")), vi(5, 0), vi(7, 0))
    status = ld(3, vi(1, 0), vi(2, 0), vi(3, 0), vi(4, 0), vi(5, 0), vi(7, 0))
    obj = decode(body("apps/v1", "Deployment", meta("web", "x", labels), spec, status))
    assert obj == {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "x", "labels": {"app": "web"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }  # fmt: skip


def test_self_subject_access_review_with_resource_attributes() -> None:
    attributes = ld(1, st(1, "x"), st(2, "list"), st(3, ""), st(4, ""), st(5, "pods"), st(6, ""))
    status = ld(3, vi(1, 0), st(2, ""), st(3, ""), vi(4, 0))
    data = body("authorization.k8s.io/v1", "SelfSubjectAccessReview", meta(), ld(2, attributes), status)
    assert decode(data) == {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": "x", "verb": "list", "resource": "pods"}},
        "status": {"allowed": False},  # no omitempty on `allowed`
    }  # fmt: skip


def test_self_subject_access_review_with_non_resource_attributes() -> None:
    spec = ld(2, ld(2, st(1, "/healthz"), st(2, "get")))
    data = body("authorization.k8s.io/v1", "SelfSubjectAccessReview", meta(), spec)
    assert decode(data)["spec"] == {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}


def test_self_subject_access_review_with_selector_attributes() -> None:
    requirement = ld(2, st(1, "app"), st(2, "In"), st(3, "web"))
    attributes = ld(1, st(2, "list"), st(5, "pods"), ld(9, st(1, "app=web"), requirement))
    data = body("authorization.k8s.io/v1", "SelfSubjectAccessReview", ld(2, attributes))
    assert decode(data)["spec"]["resourceAttributes"]["labelSelector"] == {
        "rawSelector": "app=web",
        "requirements": [{"key": "app", "operator": "In", "values": ["web"]}],
    }


def test_subject_access_review_extra_is_a_map_of_lists() -> None:
    extra = entry(5, "scopes", st(1, "a") + st(1, "b")) + entry(5, "none", b"")
    data = body("authorization.k8s.io/v1", "SubjectAccessReview", ld(2, st(3, "alice"), extra))
    assert decode(data)["spec"] == {"user": "alice", "extra": {"scopes": ["a", "b"], "none": []}}


def test_self_subject_rules_review_and_self_subject_review() -> None:
    rules = body("authorization.k8s.io/v1", "SelfSubjectRulesReview", meta(), ld(2, st(1, "x")))
    assert decode(rules)["spec"] == {"namespace": "x"}
    user_info = ld(1, st(1, ""), st(2, ""))
    whoami = decode(body("authentication.k8s.io/v1", "SelfSubjectReview", meta(), ld(2, user_info)))
    assert whoami == {
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
        "status": {"userInfo": {}},
    }  # fmt: skip


def test_certificate_approval_puts_the_whole_csr() -> None:
    condition = ld(
        1, st(1, "Approved"), st(2, "KubectlApprove"),
        st(3, "This CSR was approved by kubectl certificate approve."),
        ld(4, vi(1, 1704164645), vi(2, 999)), ld(5), st(6, "True"),
    )  # fmt: skip
    spec = ld(
        2, ld(1, b"-----BEGIN CERTIFICATE REQUEST-----\n"), st(2, "alice"), st(3, ""),
        st(4, "system:authenticated"), st(5, "client auth"),
        st(7, "kubernetes.io/kube-apiserver-client"),
    )  # fmt: skip
    csr = decode(
        body("certificates.k8s.io/v1", "CertificateSigningRequest", meta("csr-1", "", ld(6, b"5")),
             spec, ld(3, condition))
    )  # fmt: skip
    assert csr["metadata"] == {"name": "csr-1", "resourceVersion": "5"}
    assert csr["spec"] == {
        "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
        "username": "alice", "groups": ["system:authenticated"], "usages": ["client auth"],
        "signerName": "kubernetes.io/kube-apiserver-client",
    }  # fmt: skip
    assert csr["status"] == {
        "conditions": [{
            "type": "Approved", "reason": "KubectlApprove",
            "message": "This CSR was approved by kubectl certificate approve.",
            "lastUpdateTime": "2024-01-02T03:04:05Z", "status": "True",
        }],
    }  # fmt: skip


def test_pod_from_a_protobuf_client() -> None:
    env = ld(7, st(1, "NODE"), ld(3, ld(1, st(1, "v1"), st(2, "spec.nodeName"))))
    probe = ld(11, ld(1, ld(2, st(1, "/ready"), ld(2, vi(1, 1), st(3, "http")))), vi(4, 0))
    resources = ld(8, entry(1, "cpu", st(1, "500m")), entry(2, "memory", b""))
    port = ld(6, st(1, "http"), vi(3, 8080), st(4, "TCP"))
    container = ld(2, st(1, "app"), st(2, "nginx"), port, env, resources, probe)
    volume = ld(1, st(1, "cfg"), ld(2, ld(19, ld(1, st(1, "app")), vi(3, 0o644))))
    toleration = ld(22, st(1, "k"), st(2, "Exists"), st(3, ""), st(4, "NoSchedule"))
    requirement = ld(1, st(1, "zone"), st(2, "In"), st(3, "a"))
    affinity = ld(18, ld(1, ld(1, ld(1, requirement))))
    security = ld(14, ld(4, varint(1000) + varint(2000)), vi(4, 3000))  # packed, then not
    spec = ld(2, volume, container, toleration, affinity, security, vi(4, 30))
    pod = decode(body("v1", "Pod", meta("web-1", "x"), spec))["spec"]
    assert pod["volumes"] == [{"name": "cfg", "configMap": {"name": "app", "defaultMode": 420}}]
    assert pod["containers"] == [{
        "name": "app", "image": "nginx",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
        "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "0"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
    }]  # fmt: skip
    assert pod["tolerations"] == [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["affinity"] == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}],
    }}}  # fmt: skip
    assert pod["securityContext"] == {"supplementalGroups": [1000, 2000, 3000]}
    assert pod["terminationGracePeriodSeconds"] == 30


def test_service_ports_int_or_string_and_pdb_percentages() -> None:
    ports = ld(1, st(1, "http"), st(2, "TCP"), vi(3, 80), ld(4, vi(1, 0), vi(2, 8080)), vi(5, 0))
    named = ld(1, st(1, "x"), vi(3, 81), ld(4, vi(1, 1), st(3, "web")))
    service = decode(body("v1", "Service", meta("svc", "x"), ld(2, ports, named, st(4, "ClusterIP"))))
    assert service["spec"] == {
        "ports": [
            {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
            {"name": "x", "port": 81, "targetPort": "web"},
        ],
        "type": "ClusterIP",
    }
    pdb = decode(body("policy/v1", "PodDisruptionBudget", ld(2, ld(1, vi(1, 1), st(3, "50%")))))
    assert pdb["spec"] == {"minAvailable": "50%"}


def test_lease_micro_time_and_event_times() -> None:
    renew = ld(4, vi(1, 1704164645), vi(2, 123456789))
    lease = decode(body("coordination.k8s.io/v1", "Lease", ld(2, st(1, "node-1"), renew)))
    assert lease["spec"] == {"holderIdentity": "node-1", "renewTime": "2024-01-02T03:04:05.123456Z"}
    event = decode(body("v1", "Event", meta("e", "x"), ld(6, vi(1, 0)), ld(7), st(14, "")))
    assert event == {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "x"},
        "firstTimestamp": "1970-01-01T00:00:00Z", "reportingComponent": "",
    }  # fmt: skip


def test_unknown_fields_are_skipped() -> None:
    extra = vi(99, 7) + ld(98, b"\xff\xfe") + varint(97 << 3 | 1) + bytes(8) + varint(96 << 3 | 5) + bytes(4)
    data = body("v1", "Namespace", meta("demo"), extra, ld(2))
    assert decode(data) == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}, "spec": {}}


def test_the_endpoint_kind_fills_a_missing_envelope_kind() -> None:
    data = MAGIC + ld(2, meta("demo"))
    assert decode(data, api_version="v1", kind="Namespace") == {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"},
    }  # fmt: skip


def test_delete_options_under_any_group_version() -> None:
    data = body("v1", "DeleteOptions", vi(1, 0), st(4, "Background"))
    assert decode(data) == {
        "apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
        "propagationPolicy": "Background",
    }  # fmt: skip


# --- real bytes -------------------------------------------------------------------------------

# `kubectl auth can-i impersonate groups -v9`, as posted in kubernetes/kubernetes#140962.
KUBECTL_CAN_I = bytes.fromhex(
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f76311217"
    "53656c665375626a6563744163636573735265766965771260"
    "0a100a0012001a0022002a0032003800420012420a400a0764656661756c74120b"
    "696d706572736f6e6174651a1a67726f75702e686172626f722e63726f7373706c"
    "616e652e696f22002a0667726f75707332003a001a08080012001a0020001a002200"
)

# A Secret made by `kubectl create secret generic password --from-literal=pass=p@ssw0rd`, as the
# apiserver stored it in etcd (a public etcd walk-through); the same gogo encoding a client uses.
STORED_SECRET = bytes.fromhex(
    "6b3873000a0c0a027631120653656372657412cc010aaf010a0870617373776f"
    "726412001a0764656661756c7422002a2438356564366564372d616635302d34"
    "3936322d393435302d32396465333336633236313332003800420808f9deed88"
    "0610007a008a015f0a0e6b75626563746c2d6372656174651206557064617465"
    "1a027631220808f9deed8806100032084669656c647356313a2d0a2b7b22663a"
    "64617461223a7b222e223a7b7d2c22663a70617373223a7b7d7d2c22663a7479"
    "7065223a7b7d7d12100a0470617373120870407373773072641a064f70617175"
    "651a002200"
)


def test_real_kubectl_can_i_capture() -> None:
    assert decode(KUBECTL_CAN_I) == {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {
            "namespace": "default", "verb": "impersonate",
            "group": "group.harbor.crossplane.io", "resource": "groups",
        }},
        "status": {"allowed": False},
    }  # fmt: skip


def test_real_stored_secret_with_managed_fields() -> None:
    secret = decode(STORED_SECRET)
    assert secret["data"] == {"pass": "cEBzc3cwcmQ="} and secret["type"] == "Opaque"
    assert secret["metadata"] == {
        "name": "password", "namespace": "default", "uid": "85ed6ed7-af50-4962-9450-29de336c2613",
        "creationTimestamp": "2021-08-17T08:12:41Z",
        "managedFields": [{
            "manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
            "time": "2021-08-17T08:12:41Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:pass": {}}, "f:type": {}},
        }],
    }  # fmt: skip


# --- errors -----------------------------------------------------------------------------------

NAMESPACE = body("v1", "Namespace", meta("demo"), ld(2), ld(3, ld(1)))
NO_KIND = f'no kind "Foo" is registered for version "v1" in scheme "{"pkg/api/legacyscheme/scheme.go:30"}"'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty data"),
        (b"k8s", "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"),
        (b'{"kind":"Namespace"}', "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"),
        (MAGIC, "empty body"),
        (NAMESPACE[:-3], "unexpected EOF"),
        (NAMESPACE[:30], "unexpected EOF"),
        (body("v1", "Foo"), NO_KIND),
        (body("rbac.evil.io/v1", "Role"), 'no kind "Role" is registered for version "rbac.evil.io/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'),
        (body("v1", "PodSpec"), 'no kind "PodSpec" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'),
        (body("v1", ""), """Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"v1", Kind:""}'"""),
        (body("a/b/c", "Pod"), """Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"a/b/c", Kind:"Pod"}'"""),
        (body("v1", "Namespace", vi(1, 5)), "proto: wrong wireType = 0 for field Metadata"),
        (body("v1", "Namespace", varint(1 << 3 | 3)), "proto: Namespace: groups are not supported (field 1)"),
        (body("v1", "Namespace", varint(1 << 3 | 4)), "proto: Namespace: wiretype end group for non-group"),
        (body("v1", "Namespace", varint(1 << 3 | 7)), "proto: illegal wireType 7"),
        (body("v1", "Namespace", vi(0, 1)), "proto: Namespace: illegal tag 0 (wire type 0)"),
        (body("v1", "Namespace", varint(8) + b"\xff" * 10 + b"\x01"), "proto: integer overflow"),
        (body("v1", "Namespace", varint(10) + varint(-1)), "proto: negative length found during unmarshaling"),
        (body("v1", "Namespace", varint(10) + varint(1000)), "unexpected EOF"),
        (body("v1", "Service", ld(2, ld(1, ld(4, vi(1, 2))))), "impossible IntOrString.Type"),
        (body("v1", "Secret", meta("s", "", ld(17, ld(7, st(1, "{nope"))))), "embedded object is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (body("v1", "Secret", meta("s", "", ld(17, ld(7, st(1, "NaN"))))), "embedded object is not valid JSON: NaN"),
        (body("v1", "Secret", meta("s", "", ld(17, ld(7, st(1, "[" * 100_000))))), "the object is nested too deeply"),
        (body("v1", "Namespace", meta("d", "", ld(8, vi(1, 1 << 40)))), "time out of range: 1099511627776 seconds since the epoch"),
    ],
)  # fmt: skip
def test_malformed_bodies_are_400(data: bytes, message: str) -> None:
    with pytest.raises(StatusError) as caught:
        decode(data)
    assert (caught.value.code, caught.value.reason, caught.value.message) == (400, "BadRequest", message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{}", "the object provided is unrecognized (must be of type Namespace): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({})"),
        (MAGIC, "the object provided is unrecognized (must be of type Namespace): empty body (6b387300)"),
        (body("v1", "Foo"), f'Foo in version "v1" cannot be handled as a Namespace: {NO_KIND}'),
        (body("v1", "Namespace", ld(2, vi(1, 1))), 'Namespace in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Finalizers'),
    ],
)  # fmt: skip
def test_errors_are_worded_as_the_create_handler_words_them(data: bytes, message: str) -> None:
    with pytest.raises(StatusError) as caught:
        decode(data, api_version="v1", kind="Namespace")
    assert (caught.value.code, caught.value.message) == (400, message)


# --- the wire reader and the tables -----------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "value"),
    [(b"\x00", 0), (b"\x96\x01", 150), (varint(-1), (1 << 64) - 1), (b"\xff" * 9 + b"\x7f", (1 << 64) - 1)],
)
def test_read_varint(encoded: bytes, value: int) -> None:
    assert wire.read_varint(encoded, 0) == (value, len(encoded))


def test_signed_readings_keep_the_low_bits_as_go_does() -> None:
    assert wire.as_int32((1 << 64) - 1) == -1 and wire.as_int32(1 << 32 | 5) == 5
    assert wire.as_int64((1 << 64) - 2) == -2


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    with pytest.raises(wire.WireError, match="nesting depth"):
        list(wire.iter_fields(b"", depth=wire.MAX_DEPTH + 1))


def test_every_table_reference_resolves() -> None:
    for name, fields in schema.MESSAGES.items():
        for number, field in fields.items():
            assert number > 0
            assert field.type in schema.SCALARS or field.type in schema.MESSAGES, (name, field)
    assert schema.KINDS <= schema.MESSAGES.keys()


# --- fuzz -------------------------------------------------------------------------------------

SAMPLES = [
    NAMESPACE, KUBECTL_CAN_I, STORED_SECRET,
    body("apps/v1", "Deployment", meta("web", "x"), ld(2, vi(1, 0), ld(3, ld(2, _container("a", "b"))))),
    body("v1", "Service", ld(2, ld(1, vi(3, 80), ld(4, vi(1, 1), st(3, "web"))))),
    body("coordination.k8s.io/v1", "Lease", ld(2, ld(4, vi(1, 5), vi(2, 7)))),
]  # fmt: skip


def _damage(rng: random.Random, data: bytes) -> bytes:
    """Truncate, flip a few bits, or insert a few bytes."""
    choice = rng.randrange(3)
    if choice == 0 or not data:
        return data[: rng.randrange(len(data) + 1)]
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        position = rng.randrange(len(mutable))
        if choice == 1:
            mutable[position] ^= 1 << rng.randrange(8)
        else:
            mutable[position:position] = bytes([rng.randrange(256)])
    return bytes(mutable)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        return MAGIC + noise if rng.random() < 0.5 else noise
    if choice == 1:
        return _damage(rng, data)
    # Damage only the object, inside an intact envelope, to reach the message decoding.
    envelope = {number: bytes(value) for number, _, value in wire.iter_fields(data[len(MAGIC) :])}
    return MAGIC + ld(1, envelope[1]) + ld(2, _damage(rng, envelope[2]))


def test_fuzz_every_input_is_an_object_or_a_400() -> None:
    rng = random.Random(20240102)
    outcomes = {"object": 0, "error": 0}
    for _ in range(4000):
        data = _mutate(rng, rng.choice(SAMPLES))
        kwargs = {"api_version": "v1", "kind": "Namespace"} if rng.random() < 0.3 else {}
        try:
            obj = decode(data, **kwargs)
        except StatusError as exc:
            assert exc.code in (400, 415), exc
            outcomes["error"] += 1
        else:
            assert isinstance(obj, dict) and isinstance(obj["kind"], str)
            json.dumps(obj, allow_nan=False)  # nothing but JSON values leaks out
            outcomes["object"] += 1
    assert outcomes["object"] > 100 and outcomes["error"] > 100


def test_autoscale_sends_a_v1_horizontal_pod_autoscaler() -> None:
    # `kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=70` (1.32, protobuf)
    target = ld(1, st(1, "Deployment"), st(2, "web"), st(3, "apps/v1"))
    spec = ld(2, target, vi(2, 2), vi(3, 5), vi(4, 70))
    status = ld(3, vi(3, 0), vi(4, 0))
    obj = decode(body("autoscaling/v1", "HorizontalPodAutoscaler", meta("web", "default"), spec, status))
    assert obj == {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70,
        },
        "status": {"currentReplicas": 0, "desiredReplicas": 0},
    }  # fmt: skip
