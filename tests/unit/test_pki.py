"""kubegate.pki with real keys and certificates in a temporary directory."""

from __future__ import annotations

import base64
import ipaddress
import shutil
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kubegate import pki

SERVER = "https://127.0.0.1:6443"
KEY_FIELDS = ("ca_key", "serving_key", "sa_key", "admin_key")
ALL_FIELDS = (
    "ca_cert",
    "ca_key",
    "serving_cert",
    "serving_key",
    "sa_key",
    "sa_pub",
    "admin_cert",
    "admin_key",
    "admin_kubeconfig",
)


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _ext(cert: x509.Certificate, kind: type[Any]) -> x509.Extension[Any]:
    return cert.extensions.get_extension_for_class(kind)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _client_verifier(ca: x509.Certificate) -> verification.ClientVerifier:
    # Kubernetes client certificates carry no SAN (the identity is the subject), which the
    # Web PKI end-entity profile would otherwise require.
    ee_policy = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
    )
    return (
        verification.PolicyBuilder()
        .store(verification.Store([ca]))
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy
        )
        .build_client_verifier()
    )


@pytest.fixture
def files(tmp_path: Path) -> pki.PkiFiles:
    return pki.ensure_pki(tmp_path / "pki", server_url=SERVER)


@pytest.fixture
def ca_pems(files: pki.PkiFiles) -> tuple[bytes, bytes]:
    return pki.load_ca(files.ca_cert.parent)


# --- ensure_pki: files --------------------------------------------------------------------


def test_every_file_is_created_keys_and_kubeconfig_private(files: pki.PkiFiles) -> None:
    assert _mode(files.ca_cert.parent) == 0o700
    for name in ALL_FIELDS:
        assert getattr(files, name).is_file(), name
    for name in (*KEY_FIELDS, "admin_kubeconfig"):
        assert _mode(getattr(files, name)) == 0o600, name
    assert files.warnings == []
    leftovers = {p.name for p in files.ca_cert.parent.iterdir()} - {
        getattr(files, name).name for name in ALL_FIELDS
    }
    assert leftovers <= {".lock"}  # no temp files


def test_rerun_reuses_every_file_byte_for_byte(files: pki.PkiFiles) -> None:
    before = {name: getattr(files, name).read_bytes() for name in ALL_FIELDS}
    again = pki.ensure_pki(files.ca_cert.parent, server_url=SERVER, key_type="rsa")
    assert {name: getattr(again, name).read_bytes() for name in ALL_FIELDS} == before
    assert again.warnings == []


def test_a_missing_certificate_is_reissued_for_its_existing_key(files: pki.PkiFiles) -> None:
    ca_before, key_before = files.ca_cert.read_bytes(), files.admin_key.read_bytes()
    old_serial = _cert(files.admin_cert).serial_number
    files.admin_cert.unlink()
    files.admin_kubeconfig.unlink()
    again = pki.ensure_pki(files.ca_cert.parent, server_url=SERVER)
    assert again.warnings == []
    assert files.ca_cert.read_bytes() == ca_before
    assert files.admin_key.read_bytes() == key_before
    admin = _cert(files.admin_cert)
    assert admin.serial_number != old_serial
    key = serialization.load_pem_private_key(key_before, password=None)
    assert admin.public_key() == key.public_key()
    assert files.admin_kubeconfig.exists()


def test_a_certificate_without_its_key_is_an_error(files: pki.PkiFiles) -> None:
    files.serving_key.unlink()
    with pytest.raises(pki.PkiError, match="apiserver.key"):
        pki.ensure_pki(files.ca_cert.parent, server_url=SERVER)
    assert not files.serving_key.exists()


def test_unknown_key_type_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(pki.PkiError, match="dsa"):
        pki.ensure_pki(tmp_path / "pki", server_url=SERVER, key_type="dsa")
    assert not (tmp_path / "pki").exists()


def test_kept_admin_kubeconfig_for_another_server_is_reported(files: pki.PkiFiles) -> None:
    before = files.admin_kubeconfig.read_bytes()
    again = pki.ensure_pki(files.ca_cert.parent, server_url="https://localhost:7443")
    assert files.admin_kubeconfig.read_bytes() == before
    assert len(again.warnings) == 1
    assert "admin.kubeconfig" in again.warnings[0] and SERVER in again.warnings[0]


def test_leaf_from_an_older_ca_is_reported(files: pki.PkiFiles) -> None:
    files.ca_cert.unlink()
    files.ca_key.unlink()
    again = pki.ensure_pki(files.ca_cert.parent, server_url=SERVER)
    issued = [w for w in again.warnings if "not issued by the current CA" in w]
    assert len(issued) == 2  # serving and admin certificates


def test_an_expired_leaf_is_kept_and_reported(files: pki.PkiFiles) -> None:
    ca_pem, ca_key_pem = pki.load_ca(files.ca_cert.parent)
    expired = pki.sign_certificate(
        ca_cert_pem=ca_pem,
        ca_key_pem=ca_key_pem,
        public_key=_cert(files.admin_cert).public_key(),
        subject=pki.user_subject("kubernetes-admin", ["system:masters"]),
        usages=["digital signature", "client auth"],
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
    )
    files.admin_cert.write_bytes(expired)
    again = pki.ensure_pki(files.ca_cert.parent, server_url=SERVER)
    assert files.admin_cert.read_bytes() == expired
    assert len(again.warnings) == 1 and "expired on 2021-01-01" in again.warnings[0]


def test_concurrent_runs_agree_on_one_pki(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: pki.ensure_pki(tmp_path, server_url=SERVER), range(4)))
    assert all(r.warnings == [] for r in results)
    ca = _cert(tmp_path / "ca.crt")
    _cert(tmp_path / "apiserver.crt").verify_directly_issued_by(ca)
    _cert(tmp_path / "admin.crt").verify_directly_issued_by(ca)


# --- ensure_pki: certificate contents -------------------------------------------------------


def test_ca_certificate_profile(files: pki.PkiFiles) -> None:
    ca = _cert(files.ca_cert)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    assert ca.subject == ca.issuer == name
    ca.verify_directly_issued_by(ca)
    constraints = _ext(ca, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = _ext(ca, x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign and usage.value.digital_signature
    assert not usage.value.key_encipherment
    ski = _ext(ca, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(ca.public_key())
    lifetime = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert timedelta(days=3650) <= lifetime <= timedelta(days=3650, minutes=10)
    public_key = ca.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"


def test_serving_sans_are_exactly_the_defaults_plus_extra(tmp_path: Path) -> None:
    extra = ["10.1.2.3", "api.example.com", "fd00::1", "localhost"]
    files = pki.ensure_pki(tmp_path, server_url=SERVER, extra_sans=extra)
    serving = _cert(files.serving_cert)
    assert serving.subject.rfc4514_string() == "CN=kube-apiserver"
    sans = _ext(serving, x509.SubjectAlternativeName)
    assert not sans.critical
    assert list(sans.value) == [
        x509.DNSName("localhost"),
        x509.DNSName("kubernetes"),
        x509.DNSName("kubernetes.default"),
        x509.DNSName("kubernetes.default.svc"),
        x509.DNSName("kubernetes.default.svc.cluster.local"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.IPAddress(ipaddress.ip_address("10.1.2.3")),
        x509.DNSName("api.example.com"),
        x509.IPAddress(ipaddress.ip_address("fd00::1")),
    ]
    assert list(_ext(serving, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    lifetime = serving.not_valid_after_utc - serving.not_valid_before_utc
    assert timedelta(days=365) <= lifetime <= timedelta(days=365, minutes=10)


def test_serving_cert_verifies_for_its_names(files: pki.PkiFiles) -> None:
    store = verification.Store([_cert(files.ca_cert)])
    serving = _cert(files.serving_cert)
    for subject in (
        x509.DNSName("kubernetes.default.svc"),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ):
        verifier = verification.PolicyBuilder().store(store).build_server_verifier(subject)
        assert verifier.verify(serving, []) == [serving, _cert(files.ca_cert)]


def test_existing_serving_cert_lacking_an_extra_san_is_kept_with_a_warning(
    files: pki.PkiFiles,
) -> None:
    before = files.serving_cert.read_bytes()
    again = pki.ensure_pki(
        files.ca_cert.parent, server_url=SERVER, extra_sans=["kubernetes", "10.9.8.7"]
    )
    assert files.serving_cert.read_bytes() == before
    assert len(again.warnings) == 1
    assert "10.9.8.7" in again.warnings[0] and "apiserver.crt" in again.warnings[0]


def test_server_host_missing_from_serving_sans_is_reported(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url="https://192.168.7.7:6443")
    assert len(files.warnings) == 1 and "192.168.7.7" in files.warnings[0]
    files = pki.ensure_pki(tmp_path / "b", server_url="https://[::1]:6443")
    assert files.warnings == []


def test_admin_cert_is_a_system_masters_client_cert(files: pki.PkiFiles) -> None:
    admin = _cert(files.admin_cert)
    assert admin.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "kubernetes-admin"
    )
    organizations = admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in organizations] == ["system:masters"]
    assert list(_ext(admin, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    verified = _client_verifier(_cert(files.ca_cert)).verify(admin, [])
    assert verified.chain == [admin, _cert(files.ca_cert)]


def test_sa_key_pair(files: pki.PkiFiles) -> None:
    key_pem = files.sa_key.read_bytes()
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    key = serialization.load_pem_private_key(key_pem, password=None)
    public = serialization.load_pem_public_key(files.sa_pub.read_bytes())
    assert files.sa_pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public == key.public_key()


def test_rsa_on_request(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url=SERVER, key_type="rsa")
    for name in KEY_FIELDS:
        key = serialization.load_pem_private_key(getattr(files, name).read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048, name
    usage = _ext(_cert(files.serving_cert), x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment


# --- issuing --------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ecdsa", "rsa"])
def test_issued_client_cert_verifies_against_the_ca(
    ca_pems: tuple[bytes, bytes], key_type: str
) -> None:
    cert_pem, key_pem = pki.issue_client_cert(
        ca_cert_pem=ca_pems[0],
        ca_key_pem=ca_pems[1],
        user="jane",
        groups=["dev", "ops", "dev-leads"],
        key_type=key_type,
    )
    cert, ca = x509.load_pem_x509_certificate(cert_pem), x509.load_pem_x509_certificate(ca_pems[0])
    assert cert.subject.rfc4514_string() == "CN=jane,O=dev-leads,O=ops,O=dev"  # RFC 4514: reversed
    organizations = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in organizations] == ["dev", "ops", "dev-leads"]
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    usage = _ext(cert, x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment == (key_type == "rsa")
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _ext(ca, x509.SubjectKeyIdentifier).value.digest
    assert _ext(cert, x509.SubjectKeyIdentifier).value == (
        x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    )
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert key.public_key() == cert.public_key()
    assert _client_verifier(ca).verify(cert, []).chain == [cert, ca]


def test_client_cert_validity_window(ca_pems: tuple[bytes, bytes]) -> None:
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    cert_pem, _ = pki.issue_client_cert(
        ca_cert_pem=ca_pems[0], ca_key_pem=ca_pems[1], user="u", days=7, not_before=start
    )
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc == start + timedelta(days=7)


def test_user_names_longer_than_a_cn_are_refused(ca_pems: tuple[bytes, bytes]) -> None:
    user = "system:node:" + "n" * 53  # 65 bytes
    with pytest.raises(pki.PkiError, match="longer"):
        pki.issue_client_cert(ca_cert_pem=ca_pems[0], ca_key_pem=ca_pems[1], user=user)
    cert_pem, _ = pki.issue_client_cert(
        ca_cert_pem=ca_pems[0], ca_key_pem=ca_pems[1], user=user[:-1]
    )
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user[:-1]


@pytest.mark.parametrize(
    ("user", "groups"), [("", ()), ("u", ("ok", ""))], ids=["no-user", "empty-group"]
)
def test_empty_names_are_refused(
    ca_pems: tuple[bytes, bytes], user: str, groups: tuple[str, ...]
) -> None:
    with pytest.raises(pki.PkiError):
        pki.issue_client_cert(
            ca_cert_pem=ca_pems[0], ca_key_pem=ca_pems[1], user=user, groups=groups
        )


def test_sign_certificate_never_outlives_the_ca(ca_pems: tuple[bytes, bytes]) -> None:
    ca = x509.load_pem_x509_certificate(ca_pems[0])
    now = datetime.now(UTC)
    cert_pem = pki.sign_certificate(
        ca_cert_pem=ca_pems[0],
        ca_key_pem=ca_pems[1],
        public_key=pki.generate_private_key("ecdsa").public_key(),
        subject=pki.user_subject("svc"),
        usages=["digital signature", "server auth", "client auth"],
        not_before=now,
        not_after=now + timedelta(days=365 * 30),
        sans=[x509.DNSName("svc.example")],
    )
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.not_valid_after_utc == ca.not_valid_after_utc
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    assert not _ext(cert, x509.BasicConstraints).value.ca


def test_sign_certificate_with_an_empty_subject_makes_the_san_critical(
    ca_pems: tuple[bytes, bytes],
) -> None:
    now = datetime.now(UTC)
    cert_pem = pki.sign_certificate(
        ca_cert_pem=ca_pems[0],
        ca_key_pem=ca_pems[1],
        public_key=pki.generate_private_key("ecdsa").public_key(),
        subject=x509.Name([]),
        usages=["digital signature"],
        not_before=now,
        not_after=now + timedelta(days=1),
        sans=[x509.DNSName("only.example")],
    )
    assert _ext(x509.load_pem_x509_certificate(cert_pem), x509.SubjectAlternativeName).critical


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"usages": ["client auth", "teleport"]}, "teleport"),
        ({"ca_key_pem": pki.private_key_pem(pki.generate_private_key("ecdsa"))}, "CA key"),
        ({"ca_cert_pem": b"junk"}, "CA certificate"),
        ({"not_after": datetime(2000, 1, 1, tzinfo=UTC)}, "before it starts"),
    ],
    ids=["unknown-usage", "foreign-key", "bad-ca", "inverted-validity"],
)
def test_sign_certificate_refusals(
    ca_pems: tuple[bytes, bytes], change: dict[str, Any], message: str
) -> None:
    now = datetime.now(UTC)
    arguments: dict[str, Any] = {
        "ca_cert_pem": ca_pems[0],
        "ca_key_pem": ca_pems[1],
        "public_key": pki.generate_private_key("ecdsa").public_key(),
        "subject": pki.user_subject("u"),
        "usages": ["client auth"],
        "not_before": now,
        "not_after": now + timedelta(days=1),
    }
    with pytest.raises(pki.PkiError, match=message):
        pki.sign_certificate(**(arguments | change))


# --- kubeconfig -----------------------------------------------------------------------------


def test_admin_kubeconfig_embeds_the_pki(files: pki.PkiFiles) -> None:
    config = yaml.safe_load(files.admin_kubeconfig.read_text())
    assert config["apiVersion"] == "v1" and config["kind"] == "Config"
    assert config["preferences"] == {}
    assert config["current-context"] == "kubernetes-admin@kubegate"
    assert config["contexts"] == [
        {
            "name": "kubernetes-admin@kubegate",
            "context": {"cluster": "kubegate", "user": "kubernetes-admin"},
        }
    ]
    [cluster] = config["clusters"]
    assert cluster["name"] == "kubegate" and cluster["cluster"]["server"] == SERVER
    ca_data = cluster["cluster"]["certificate-authority-data"]
    assert base64.b64decode(ca_data) == files.ca_cert.read_bytes()
    [user] = config["users"]
    assert user["name"] == "kubernetes-admin"
    assert base64.b64decode(user["user"]["client-certificate-data"]) == (
        files.admin_cert.read_bytes()
    )
    assert base64.b64decode(user["user"]["client-key-data"]) == files.admin_key.read_bytes()


def test_build_kubeconfig_with_a_token_and_namespace() -> None:
    config = pki.build_kubeconfig(
        server_url=SERVER,
        ca_pem=b"ca",
        cluster_name="c",
        user_name="bot",
        context_name="ctx",
        token="abc.def",
        namespace="team-a",
    )
    assert config["users"] == [{"name": "bot", "user": {"token": "abc.def"}}]
    assert config["contexts"] == [
        {"name": "ctx", "context": {"cluster": "c", "user": "bot", "namespace": "team-a"}}
    ]
    assert config["current-context"] == "ctx"
    with pytest.raises(pki.PkiError):
        pki.build_kubeconfig(server_url=SERVER, ca_pem=b"ca", user_name="u", client_cert_pem=b"c")


def test_write_kubeconfig_is_private_and_can_refuse_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "x.kubeconfig"
    config = pki.build_kubeconfig(server_url=SERVER, ca_pem=b"ca", user_name="u", token="t")
    pki.write_kubeconfig(path, config)
    assert _mode(path) == 0o600 and yaml.safe_load(path.read_text()) == config
    pki.write_kubeconfig(path, config | {"current-context": "other"})
    assert yaml.safe_load(path.read_text())["current-context"] == "other"
    with pytest.raises(FileExistsError):
        pki.write_kubeconfig(path, config, overwrite=False)
    assert yaml.safe_load(path.read_text())["current-context"] == "other"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.kubeconfig"]


def test_write_user_kubeconfig(files: pki.PkiFiles) -> None:
    pki_dir = files.ca_cert.parent
    out = pki.write_user_kubeconfig(
        pki_dir=pki_dir, user="system:serviceaccount:ns:bot", groups=["g1"], server_url=SERVER
    )
    assert out == pki_dir / "system_serviceaccount_ns_bot.kubeconfig"
    assert _mode(out) == 0o600
    config = yaml.safe_load(out.read_text())
    assert config["current-context"] == "system:serviceaccount:ns:bot@kubegate"
    user = config["users"][0]["user"]
    cert = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
    assert cert.subject.rfc4514_string() == "CN=system:serviceaccount:ns:bot,O=g1"
    ca = _cert(files.ca_cert)
    assert _client_verifier(ca).verify(cert, []).chain == [cert, ca]
    chosen = pki_dir.parent / "mine.yaml"
    assert (
        pki.write_user_kubeconfig(
            pki_dir=pki_dir, user="x", groups=[], server_url=SERVER, out=chosen
        )
        == chosen
    )


def test_default_user_kubeconfig_never_replaces_the_admin_one(files: pki.PkiFiles) -> None:
    before = files.admin_kubeconfig.read_bytes()
    with pytest.raises(pki.PkiError, match="admin"):
        pki.write_user_kubeconfig(
            pki_dir=files.ca_cert.parent, user="admin", groups=[], server_url=SERVER
        )
    assert files.admin_kubeconfig.read_bytes() == before


@pytest.mark.parametrize(
    ("user", "file_name"),
    [
        ("jane", "jane.kubeconfig"),
        ("system:node:n1", "system_node_n1.kubeconfig"),
        ("../etc/passwd", "_etc_passwd.kubeconfig"),
        ("..", "_.kubeconfig"),
    ],
)
def test_kubeconfig_path_is_a_safe_file_name(user: str, file_name: str) -> None:
    assert pki.kubeconfig_path(Path("/p"), user) == Path("/p") / file_name


# --- loading --------------------------------------------------------------------------------


def test_load_certificates_reads_a_bundle(files: pki.PkiFiles, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(files.ca_cert.read_bytes() + files.admin_cert.read_bytes())
    assert pki.load_certificates(bundle) == [_cert(files.ca_cert), _cert(files.admin_cert)]


@pytest.mark.parametrize(
    "content", [b"", b"not a certificate", None], ids=["empty", "junk", "none"]
)
def test_load_certificates_names_the_bad_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "client-ca.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(pki.PkiError, match="client-ca.pem"):
        pki.load_certificates(path)


def test_load_ca_without_a_ca_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(pki.PkiError, match="ca.crt"):
        pki.load_ca(tmp_path)


# --- interoperability -----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.parametrize("key_type", ["ecdsa", "rsa"])
def test_openssl_verifies_the_chain(tmp_path: Path, key_type: str) -> None:
    pki.ensure_pki(tmp_path, server_url=SERVER, key_type=key_type)
    for cert, purpose in (("admin.crt", "sslclient"), ("apiserver.crt", "sslserver")):
        result = subprocess.run(
            ["openssl", "verify", "-x509_strict", "-purpose", purpose, "-CAfile", "ca.crt", cert],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == f"{cert}: OK"
