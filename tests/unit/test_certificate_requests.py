"""CSR rules as tables: Go's base64 and PEM reading, validation messages, the kubelet checks, the strategy."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from kubegate.api.errors import FieldError
from kubegate.api.gobytes import Base64Error, decode_base64, go_bytes
from kubegate.api.user import UserInfo
from kubegate.registry.certificates.kubelet import kubelet_client_problem, kubelet_serving_problem
from kubegate.registry.certificates.request import (
    RequestError,
    parse_csr,
    pem_decode,
    requested_names,
)
from kubegate.registry.certificates.strategy import CSR_STRATEGY
from kubegate.registry.certificates.validation import (
    signer_name_problems,
    validate_create,
    validate_update,
)
from tests.support.csrs import csr_body, request_pem

PEM = request_pem("testing-user", ["testing-group"])


@pytest.mark.parametrize(("text", "offset"), [
    ("!!!!", 0), ("aGk", 0), ("aGk=x", 4), ("a===", 1), ("aG==x", 4), ("aGVsbG8=\n!", 9), ("aG=", 3),
])  # fmt: skip
def test_bad_base64_fails_where_go_fails(text: str, offset: int) -> None:
    with pytest.raises(Base64Error) as raised:
        decode_base64(text)
    assert str(raised.value) == f"illegal base64 data at input byte {offset}"


@pytest.mark.parametrize(("text", "data"), [("", b""), ("aGk=", b"hi"), ("aG\r\nk=\n", b"hi"), ("aGVsbG8=", b"hello")])
def test_line_breaks_are_skipped_like_go(text: str, data: bytes) -> None:
    assert decode_base64(text) == data


def test_bytes_print_as_go_does() -> None:
    assert str(go_bytes(b"-\n\x00")) == "[]byte{0x2d, 0xa, 0x0}"
    assert str(go_bytes(b"")) == "[]byte{}"
    assert str(go_bytes(None)) == "[]byte(nil)"


def test_pem_reading_skips_junk_and_malformed_blocks() -> None:
    broken = b"-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n"
    block = pem_decode(b"junk first\n" + broken + PEM)
    assert block is not None and block[0] == "CERTIFICATE REQUEST"
    assert parse_csr(b"junk first\n" + broken + PEM).subject.rfc4514_string() == "O=testing-group,CN=testing-user"


@pytest.mark.parametrize("pem", [
    b"", b"no pem here", PEM.replace(b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"),
    b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
])  # fmt: skip
def test_only_a_certificate_request_block_will_do(pem: bytes) -> None:
    with pytest.raises(RequestError, match="^PEM block type must be CERTIFICATE REQUEST$"):
        parse_csr(pem)


def test_names_are_read_as_crypto_x509_fills_them() -> None:
    names = requested_names(parse_csr(request_pem("system:node:a", ["system:nodes"], dns_names=["a.example"])))
    assert (names.common_name, names.organizations, names.dns_names) == ("system:node:a", ("system:nodes",), ("a.example",))


@pytest.mark.parametrize(("signer", "details"), [
    ("example.com/signer", []),
    ("example.com/a.b-c", []),
    ("", ["spec.signerName: Required value"]),
    ("a/b/c", ["spec.signerName: Invalid value: \"a/b/c\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]),
    ("Example.com/x", [('spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label '
                       "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
                       "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]),
    ("example.com/", [('spec.signerName: Invalid value: "": validating label "": a lowercase RFC 1123 subdomain must consist of '
                      "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
                      "(e.g. 'example.com', regex used for validation is "
                      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]),
])  # fmt: skip
def test_signer_names(signer: str, details: list[str]) -> None:
    assert [str(p) for p in signer_name_problems(signer)] == details


def _texts(problems: list[FieldError]) -> list[str]:
    return [str(p) for p in problems]


def _csr(**status: Any) -> dict[str, Any]:
    body = csr_body("x", PEM)
    body["status"] = status
    return body


@pytest.mark.parametrize(("conditions", "details"), [
    ([{"type": "Approved", "status": "True"}, {"type": "Failed", "status": "True"}], []),
    ([{"type": "Approved", "status": "False"}], ['status.conditions[0].status: Unsupported value: "False": supported values: "True"']),
    ([{"type": "Custom", "status": "Maybe"}],
     ['status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"']),
    ([{"type": "", "status": ""}], ["status.conditions[0].type: Required value", "status.conditions[0].status: Required value"]),
    ([{"type": "Custom", "status": "True"}, {"type": "Custom", "status": "False"}],
     ['status.conditions[1].type: Duplicate value: "Custom"']),
    ([{"type": "Denied", "status": "True"}, {"type": "Approved", "status": "True"}],
     ['status.conditions[1].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive']),
])  # fmt: skip
def test_condition_rules(conditions: list[dict[str, str]], details: list[str]) -> None:
    assert _texts(validate_create(_csr(conditions=conditions))) == details


def test_old_mistakes_are_tolerated_on_update() -> None:
    both = _csr(conditions=[{"type": "Approved", "status": "True"}, {"type": "Denied", "status": "True"}])
    assert _texts(validate_update(both, both, setting_approval=True)) == []
    assert _texts(validate_create(both)) != []


@pytest.mark.parametrize(("old", "new", "kwargs", "details"), [
    ({"conditions": [{"type": "Failed", "status": "True"}]}, {}, {"setting_certificate": True},
     ['status.conditions: Forbidden: updates may not remove a condition of type "Failed"']),
    ({}, {"conditions": [{"type": "Approved", "status": "True"}]}, {"setting_certificate": True},
     ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']),
    ({}, {"certificate": "aGk="}, {"setting_approval": True},
     ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
      "status.certificate: Forbidden: updates may not set certificate content"]),
])  # fmt: skip
def test_update_rules(old: dict[str, Any], new: dict[str, Any], kwargs: dict[str, bool], details: list[str]) -> None:
    assert _texts(validate_update(_csr(**new), _csr(**old), **kwargs)) == details


def test_a_certificate_is_set_once() -> None:
    cert = base64.b64encode(
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(b"\x30\x00") + b"-----END CERTIFICATE-----\n"
    ).decode()
    problems = _texts(validate_update(_csr(certificate=cert + "x"), _csr(certificate=cert), setting_certificate=True))
    assert "status.certificate: Forbidden: updates may not modify existing certificate content" in problems


NODE = ("system:node:n1", ("system:nodes",))


@pytest.mark.parametrize(("subject", "sans", "usages", "problem"), [
    (NODE, {"dns_names": ["n1"]}, ["digital signature", "key encipherment", "server auth"], None),
    (NODE, {"dns_names": ["n1"]}, ["digital signature", "server auth"], None),
    (("system:node:n1", ("system:nodes", "x")), {"dns_names": ["n1"]}, ["server auth"], "subject organization is not system:nodes"),
    (NODE, {}, ["digital signature", "server auth"], "DNS or IP subjectAltName is required"),
    (NODE, {"dns_names": ["n1"], "emails": ["a@b"]}, ["server auth"], "Email subjectAltNames are not allowed"),
    (NODE, {"dns_names": ["n1"]}, ["server auth", "client auth"],
     "usages did not match [digital signature key encipherment server auth]"),
    (("n1", ("system:nodes",)), {"dns_names": ["n1"]}, ["digital signature", "server auth"],
     "subject common name does not begin with system:node:"),
])  # fmt: skip
def test_kubelet_serving_rules(
    subject: tuple[str, tuple[str, ...]], sans: dict[str, list[str]], usages: list[str], problem: str | None
) -> None:
    names = requested_names(parse_csr(request_pem(subject[0], subject[1], **sans)))
    assert kubelet_serving_problem(names, usages) == problem


@pytest.mark.parametrize(("subject", "sans", "usages", "problem"), [
    (NODE, {}, ["digital signature", "key encipherment", "client auth"], None),
    (NODE, {}, ["client auth", "digital signature"], None),
    (NODE, {"dns_names": ["n1"]}, ["digital signature", "client auth"], "DNS subjectAltNames are not allowed"),
    (("kubelet", ("system:nodes",)), {}, ["digital signature", "client auth"],
     "subject common name does not begin with system:node:"),
    (NODE, {}, ["client auth"], "usages did not match [client auth digital signature key encipherment]"),
])  # fmt: skip
def test_kubelet_client_rules(
    subject: tuple[str, tuple[str, ...]], sans: dict[str, list[str]], usages: list[str], problem: str | None
) -> None:
    names = requested_names(parse_csr(request_pem(subject[0], subject[1], **sans)))
    assert kubelet_client_problem(names, usages) == problem


def test_create_replaces_the_requester_and_the_status() -> None:
    body = csr_body("x", PEM, username="mallory", groups=["system:masters"], extra={"a": ["b"]})
    body["status"] = {"conditions": [{"type": "Approved", "status": "True"}]}
    user = UserInfo("alice", uid="u-1", groups=("dev",), extra={"scopes": ("x", "y")})
    assert CSR_STRATEGY.before_create(body, user=user) == []
    assert {k: body["spec"][k] for k in ("username", "uid", "groups", "extra")} == {
        "username": "alice", "uid": "u-1", "groups": ["dev"], "extra": {"scopes": ["x", "y"]},
    }
    assert body["status"] == {}


def test_a_status_write_keeps_the_approval_and_stamps_new_conditions() -> None:
    approved = {"type": "Approved", "status": "True", "reason": "KubectlApprove",
                "lastUpdateTime": "2024-01-01T00:00:00Z", "lastTransitionTime": "2024-01-01T00:00:00Z"}  # fmt: skip
    old = _csr(conditions=[approved])
    sent = _csr(conditions=[{**approved, "reason": "Rewritten"}, {"type": "Failed", "status": "True"}])
    obj = {**sent, "spec": {"usages": ["server auth"]}}
    assert CSR_STRATEGY.before_update(obj, old, sent=sent, subresource="status") == []
    first, failed = obj["status"]["conditions"]
    assert first == approved
    assert failed["lastUpdateTime"] == failed["lastTransitionTime"] != ""
    assert obj["spec"] == old["spec"]


def test_an_approval_keeps_the_transition_time_of_an_unchanged_condition() -> None:
    custom = {"type": "Custom", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}
    old = _csr(conditions=[custom])
    sent = _csr(conditions=[{"type": "Custom", "status": "True"}, {"type": "Approved", "status": "True"}], certificate="aGk=")
    obj = dict(sent)
    assert CSR_STRATEGY.before_update(obj, old, sent=sent, subresource="approval") == []
    assert obj["status"]["conditions"][0]["lastTransitionTime"] == "2024-01-01T00:00:00Z"
    assert "certificate" not in obj["status"]
