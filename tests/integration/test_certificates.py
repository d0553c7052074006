"""CertificateSigningRequests over HTTPS: requester, 422s, approval, signing and its admission."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.csrs import CSRS, csr_body, issued_certificate, request_pem, with_condition
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import watch_events

RBAC = "/apis/rbac.authorization.k8s.io/v1"
INVALID = 'CertificateSigningRequest.certificates.k8s.io "{name}" is invalid: {detail}'
CLIENT_PEM = request_pem("testing-user", ["testing-group"])


@pytest.fixture
async def api(start_server: StartServer, admin: Identity) -> InProcessServer:
    server = await start_server()  # RBAC
    # alice's groups may create and read CSRs and write approvals and status, but hold no signer rights
    await grant(server, admin, "csr-writer", {"kind": "Group", "name": "dev"}, [{
        "apiGroups": ["certificates.k8s.io"], "verbs": ["create", "get", "list", "watch", "update"],
        "resources": ["certificatesigningrequests", "certificatesigningrequests/approval",
                      "certificatesigningrequests/status"],
    }])  # fmt: skip
    return server


async def grant(
    api: InProcessServer, admin: Identity, name: str, subject: dict[str, str], rules: list[dict[str, Any]]
) -> None:
    subject = {"apiGroup": "rbac.authorization.k8s.io", **subject}
    for path, body in (
        (f"{RBAC}/clusterroles", {"metadata": {"name": name}, "rules": rules}),
        (f"{RBAC}/clusterrolebindings", {
            "metadata": {"name": name}, "subjects": [subject],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        }),
    ):  # fmt: skip
        response = await api.request("POST", path, identity=admin, json=body)
        assert response.status == 201, response.text


async def create(api: InProcessServer, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", CSRS, identity=identity, json=body)
    assert response.status == 201, response.text
    created: dict[str, Any] = response.body
    return created


async def approve(api: InProcessServer, identity: Identity, csr: dict[str, Any], kind: str = "Approved") -> Any:
    name = csr["metadata"]["name"]
    body = with_condition(csr, kind, reason="KubectlApprove", message="This CSR was approved by kubectl certificate approve.")
    return await api.request("PUT", f"{CSRS}/{name}/approval", identity=identity, json=body)


async def read(api: InProcessServer, name: str, admin: Identity) -> dict[str, Any]:
    """The request once the controllers have acted on it (they run after the write is answered)."""
    await api.state.settle()
    response = await api.request("GET", f"{CSRS}/{name}", identity=admin)
    assert response.status == 200, response.text
    found: dict[str, Any] = response.body
    return found


def forbidden(name: str, err: str) -> dict[str, Any]:
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'certificatesigningrequests.certificates.k8s.io "{name}" is forbidden: {err}',
        "reason": "Forbidden", "details": {"name": name, "group": "certificates.k8s.io", "kind": "certificatesigningrequests"},
        "code": 403,
    }  # fmt: skip


# --- create --------------------------------------------------------------------------------------


async def test_the_server_records_the_requester_and_starts_with_an_empty_status(
    api: InProcessServer, alice: Identity
) -> None:
    body = csr_body("mine", CLIENT_PEM, username="mallory", groups=["system:masters"], uid="u-1")
    body["status"] = {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "aGk="}
    created = await create(api, alice, body)
    assert created["spec"]["username"] == "alice"
    assert created["spec"]["groups"] == ["dev", "ops", "system:authenticated"]
    assert "uid" not in created["spec"]
    assert created["status"] == {}


def _tampered(pem: bytes) -> bytes:
    der = bytearray(x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside the signature
    return b"-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(bytes(der)) + b"-----END CERTIFICATE REQUEST-----\n"


@pytest.mark.parametrize(("change", "detail"), [
    ({"request": base64.b64encode(b"hi").decode()},
     "spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST"),
    ({"request": base64.b64encode(_tampered(CLIENT_PEM)).decode()}, "x509: ECDSA verification failure"),
    ({"signerName": ""}, "spec.signerName: Required value"),
    ({"signerName": "example.com"},
     "spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of the form 'example.com/signer-name'"),
    ({"signerName": "example/signer"},
     'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots'),
    ({"signerName": "kubernetes.io/legacy-unknown"},
     'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version'),
    ({"expirationSeconds": 599},
     "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)"),
    ({"usages": []}, "spec.usages: Required value"),
    ({"usages": ["client auth", "client auth"]}, 'spec.usages[1]: Duplicate value: "client auth"'),
])  # fmt: skip
async def test_invalid_requests_get_the_real_422(
    api: InProcessServer, admin: Identity, change: dict[str, Any], detail: str
) -> None:
    body = csr_body("bad", CLIENT_PEM)
    body["spec"].update(change)
    response = await api.request("POST", CSRS, identity=admin, json=body)
    assert response.status == 422, response.text
    assert response.body["reason"] == "Invalid"
    if detail.startswith("spec."):
        assert response.body["message"] == INVALID.format(name="bad", detail=detail)
    else:
        assert response.body["message"].endswith(f": {detail}")
        assert response.body["details"]["causes"][0]["field"] == "spec.request"


async def test_an_unknown_usage_lists_the_supported_ones(api: InProcessServer, admin: Identity) -> None:
    body = csr_body("bad", CLIENT_PEM, usages=["client auth", "teleport"])
    response = await api.request("POST", CSRS, identity=admin, json=body)
    assert response.status == 422
    cause = response.body["details"]["causes"][0]
    assert cause["field"] == "spec.usages[1]"
    assert cause["message"].startswith('Unsupported value: "teleport": supported values: "any", "cert sign", "client auth",')


@pytest.mark.parametrize(("request_value", "error"), [
    ("!!!!", "illegal base64 data at input byte 0"),
    ("aGk", "illegal base64 data at input byte 0"),
    (5, "json: cannot unmarshal number into Go struct field CertificateSigningRequestSpec.spec.request of type []uint8"),
])  # fmt: skip
async def test_a_body_go_cannot_decode_is_a_400(
    api: InProcessServer, admin: Identity, request_value: Any, error: str
) -> None:
    body = csr_body("bad", CLIENT_PEM)
    body["spec"]["request"] = request_value
    response = await api.request("POST", CSRS, identity=admin, json=body)
    assert response.status == 400
    assert response.body["message"] == (
        f'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: {error}'
    )


async def test_no_client_certificates_for_system_masters(api: InProcessServer, alice: Identity) -> None:
    body = csr_body("root", request_pem("root", ["system:masters"]))
    response = await api.request("POST", CSRS, identity=alice, json=body)
    assert response.status == 403
    assert response.body == forbidden(
        "root", "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
    )


# --- approval and signing ------------------------------------------------------------------------


async def test_approval_issues_a_client_certificate_from_the_cluster_ca(
    api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles
) -> None:
    csr = await create(api, admin, csr_body("testing-user", CLIENT_PEM, expiration_seconds=86400))
    response = await approve(api, admin, csr)
    assert response.status == 200, response.text
    condition = response.body["status"]["conditions"][0]
    assert condition["lastUpdateTime"] and condition["lastTransitionTime"]
    issued = await read(api, "testing-user", admin)
    cert = issued_certificate(issued)
    ca = x509.load_pem_x509_certificate(pki_files.ca_cert.read_bytes())
    cert.verify_directly_issued_by(ca)
    assert cert.subject.rfc4514_string() == "CN=testing-user,O=testing-group"  # O first, as Go writes it
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(hours=24)
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


async def test_a_short_certificate_keeps_its_full_length_and_the_cluster_duration_caps(
    start_server: StartServer, admin: Identity
) -> None:
    api = await start_server(cluster_signing_duration=7200.0)
    spans = {}
    for name, seconds in (("short", 3600), ("capped", 86400), ("default", None)):
        csr = await create(api, admin, csr_body(name, CLIENT_PEM, expiration_seconds=seconds))
        assert (await approve(api, admin, csr)).status == 200
        cert = issued_certificate(await read(api, name, admin))
        spans[name] = cert.not_valid_after_utc - cert.not_valid_before_utc
    # backdated five minutes: short ones end an hour from now, not five minutes earlier
    assert spans == {"short": timedelta(minutes=65), "capped": timedelta(minutes=125), "default": timedelta(minutes=125)}


async def test_approval_changes_only_the_conditions(api: InProcessServer, admin: Identity) -> None:
    csr = await create(api, admin, csr_body("custom", CLIENT_PEM, signer="example.com/custom"))
    changed = with_condition(csr, "Approved", reason="Fine")
    changed["spec"] = {**changed["spec"], "usages": ["server auth"], "signerName": "example.com/other"}
    changed["status"]["certificate"] = base64.b64encode(b"forged").decode()
    response = await api.request("PUT", f"{CSRS}/custom/approval", identity=admin, json=changed)
    assert response.status == 200, response.text
    stored = await read(api, "custom", admin)
    assert stored["spec"] == csr["spec"]
    assert [c["type"] for c in stored["status"]["conditions"]] == ["Approved"]
    assert "certificate" not in stored["status"]  # and nobody signs for an unknown signer


async def test_approved_and_denied_are_mutually_exclusive(api: InProcessServer, admin: Identity) -> None:
    csr = await create(api, admin, csr_body("both", CLIENT_PEM, signer="example.com/custom"))
    body = with_condition(with_condition(csr, "Approved"), "Denied")
    response = await api.request("PUT", f"{CSRS}/both/approval", identity=admin, json=body)
    assert response.status == 422
    assert response.body["message"] == INVALID.format(
        name="both",
        detail='status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    )


async def test_an_approval_cannot_be_taken_back(api: InProcessServer, admin: Identity) -> None:
    csr = await create(api, admin, csr_body("final", CLIENT_PEM, signer="example.com/custom"))
    approved = (await approve(api, admin, csr)).body
    approved["status"]["conditions"] = []
    response = await api.request("PUT", f"{CSRS}/final/approval", identity=admin, json=approved)
    assert response.status == 422
    assert response.body["message"] == INVALID.format(
        name="final", detail='status.conditions: Forbidden: updates may not remove a condition of type "Approved"'
    )


async def test_approving_needs_approve_on_the_signer(api: InProcessServer, admin: Identity, alice: Identity) -> None:
    csr = await create(api, alice, csr_body("alices", CLIENT_PEM))
    response = await approve(api, alice, csr)
    assert response.status == 403
    assert response.body == forbidden(
        "alices", 'user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"'
    )
    # a grant for the whole domain is enough (the second question the plugin asks)
    await grant(api, admin, "approver", {"kind": "User", "name": "alice"}, [{
        "apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"],
        "resourceNames": ["kubernetes.io/*"],
    }])  # fmt: skip
    assert (await approve(api, alice, csr)).status == 200
    assert (await read(api, "alices", admin))["status"]["certificate"]


async def test_setting_a_certificate_needs_sign_on_the_signer(
    api: InProcessServer, admin: Identity, alice: Identity, pki_files: pki.PkiFiles
) -> None:
    csr = await create(api, alice, csr_body("custom", CLIENT_PEM, signer="example.com/custom"))
    # a well-formed certificate passes the strategy's validation; CertificateSigning (validating) refuses it
    some_certificate = Path(pki_files.ca_cert).read_bytes()
    claimed = {**csr, "status": {"certificate": base64.b64encode(some_certificate).decode()}}
    response = await api.request("PUT", f"{CSRS}/custom/status", identity=alice, json=claimed)
    assert response.status == 403
    assert response.body == forbidden("custom", 'user not permitted to sign requests with signerName "example.com/custom"')
    # a signer may, but only with real certificates
    forged = {**csr, "status": {"certificate": base64.b64encode(b"forged").decode()}}
    response = await api.request("PUT", f"{CSRS}/custom/status", identity=admin, json=forged)
    assert response.status == 422
    assert response.body["message"] == INVALID.format(
        name="custom",
        detail='status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
    )


async def test_the_resource_itself_changes_only_metadata(api: InProcessServer, admin: Identity) -> None:
    csr = await create(api, admin, csr_body("meta", CLIENT_PEM))
    changed = with_condition(csr, "Approved")
    changed["metadata"]["labels"] = {"team": "a"}
    changed["spec"] = {**changed["spec"], "usages": ["server auth"]}
    response = await api.request("PUT", f"{CSRS}/meta", identity=admin, json=changed)
    assert response.status == 200, response.text
    assert response.body["metadata"]["labels"] == {"team": "a"}
    assert response.body["spec"] == csr["spec"]
    assert response.body["status"] == {}


@pytest.mark.parametrize(("signer", "pem", "usages", "message"), [
    ("kubernetes.io/kubelet-serving", request_pem("not-a-node", ["system:nodes"], dns_names=["n1.example"]),
     ["digital signature", "key encipherment", "server auth"], "subject common name does not begin with system:node:"),
    ("kubernetes.io/kubelet-serving", request_pem("system:node:n1", ["system:nodes"]),
     ["digital signature", "server auth"], "DNS or IP subjectAltName is required"),
    ("kubernetes.io/kubelet-serving", request_pem("system:node:n1", ["system:nodes"], dns_names=["n1.example"]),
     ["server auth"], "usages did not match [digital signature key encipherment server auth]"),
    ("kubernetes.io/kube-apiserver-client-kubelet", request_pem("system:node:n1", ["nodes"]),
     ["digital signature", "client auth"], "subject organization is not system:nodes"),
    ("kubernetes.io/kube-apiserver-client-kubelet", request_pem("system:node:n1", ["system:nodes"], emails=["a@b.c"]),
     ["digital signature", "client auth"], "Email subjectAltNames are not allowed"),
    ("kubernetes.io/kube-apiserver-client", CLIENT_PEM, ["client auth", "server auth"],
     "invalid usage for client certificate: server auth"),
    ("kubernetes.io/kube-apiserver-client", CLIENT_PEM, ["digital signature"],
     "missing required usage for client certificate: client auth"),
])  # fmt: skip
async def test_requests_a_signer_refuses_get_a_failed_condition(
    api: InProcessServer, admin: Identity, signer: str, pem: bytes, usages: list[str], message: str
) -> None:
    csr = await create(api, admin, csr_body("refused", pem, signer=signer, usages=usages))
    assert (await approve(api, admin, csr)).status == 200
    stored = await read(api, "refused", admin)
    failed = stored["status"]["conditions"][1]
    assert (failed["type"], failed["status"], failed["reason"], failed["message"]) == (
        "Failed", "True", "SignerValidationFailure", message,
    )
    assert "certificate" not in stored["status"]


async def test_a_kubelet_serving_certificate_names_the_node(api: InProcessServer, admin: Identity) -> None:
    pem = request_pem("system:node:n1", ["system:nodes"], dns_names=["n1.example"])
    csr = await create(api, admin, csr_body("serving", pem, signer="kubernetes.io/kubelet-serving",
                                            usages=["digital signature", "server auth"]))  # fmt: skip
    assert (await approve(api, admin, csr)).status == 200
    cert = issued_certificate(await read(api, "serving", admin))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:n1"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["n1.example"]


async def test_denied_requests_are_never_signed(api: InProcessServer, admin: Identity) -> None:
    csr = await create(api, admin, csr_body("no", CLIENT_PEM))
    assert (await approve(api, admin, csr, kind="Denied")).status == 200
    stored = await read(api, "no", admin)
    assert [c["type"] for c in stored["status"]["conditions"]] == ["Denied"]
    assert "certificate" not in stored["status"]


# --- the approver --------------------------------------------------------------------------------


def _node(tmp_path: Path, pki_files: pki.PkiFiles, name: str) -> Identity:
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user=name, groups=("system:nodes",))
    (tmp_path / "node.crt").write_bytes(cert)
    (tmp_path / "node.key").write_bytes(key)
    return Identity(tmp_path / "node.crt", tmp_path / "node.key")


async def test_a_kubelet_renewing_its_own_client_certificate_is_approved_automatically(
    api: InProcessServer, admin: Identity, pki_files: pki.PkiFiles, tmp_path: Path
) -> None:
    nodes = {"kind": "Group", "name": "system:nodes"}
    await grant(api, admin, "node-csrs", nodes, [
        {"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"], "verbs": ["create", "get"]},
        {"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests/selfnodeclient"],
         "verbs": ["create"]},
    ])  # fmt: skip
    node = _node(tmp_path, pki_files, "system:node:n1")
    usages = ["digital signature", "client auth"]
    signer = "kubernetes.io/kube-apiserver-client-kubelet"
    # asking for another node's certificate needs `nodeclient`, which the node lacks: it waits
    await create(api, node, csr_body("other", request_pem("system:node:n2", ["system:nodes"]), signer=signer, usages=usages))
    await create(api, node, csr_body("own", request_pem("system:node:n1", ["system:nodes"]), signer=signer, usages=usages))
    events = await watch_events(
        api, admin, f"{CSRS}?watch=true&fieldSelector=metadata.name%3Down",
        until=lambda events: bool(events[-1]["object"].get("status", {}).get("certificate")),
    )
    approved = events[-1]["object"]["status"]["conditions"][0]
    assert (approved["type"], approved["reason"], approved["message"]) == (
        "Approved", "AutoApproved", "Auto approving self kubelet client certificate after SubjectAccessReview."
    )
    assert (await read(api, "other", admin))["status"] == {}
