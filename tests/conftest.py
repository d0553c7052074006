"""Fixtures shared by every ring of tests: a session PKI and client identities made from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kubegate import pki
from tests.support import etcd_server
from tests.support.inprocess import Identity


@pytest.fixture(scope="session")
def pki_files(tmp_path_factory: pytest.TempPathFactory) -> pki.PkiFiles:
    return pki.ensure_pki(tmp_path_factory.mktemp("pki"), server_url="https://127.0.0.1:6443")


def _issue(directory: Path, name: str, ca_cert: bytes, ca_key: bytes, user: str, groups: tuple[str, ...]) -> Identity:
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user=user, groups=groups)
    (directory / f"{name}.crt").write_bytes(cert)
    (directory / f"{name}.key").write_bytes(key)
    return Identity(directory / f"{name}.crt", directory / f"{name}.key")


@pytest.fixture(scope="session")
def admin(pki_files: pki.PkiFiles) -> Identity:
    return Identity(pki_files.admin_cert, pki_files.admin_key)


@pytest.fixture(scope="session")
def anonymous() -> Identity:
    return Identity()


@pytest.fixture(scope="session")
def alice(pki_files: pki.PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    """A user cert from the cluster CA: CN alice, O dev and O ops."""
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    return _issue(tmp_path_factory.mktemp("alice"), "alice", ca_cert, ca_key, "alice", ("dev", "ops"))


@pytest.fixture(scope="session")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Identity:
    """A client cert for `kubernetes-admin` in system:masters, signed by another CA."""
    other = pki.ensure_pki(tmp_path_factory.mktemp("other-pki"), server_url="https://127.0.0.1:6443")
    ca_cert, ca_key = pki.load_ca(other.ca_cert.parent)
    return _issue(tmp_path_factory.mktemp("stranger"), "stranger", ca_cert, ca_key, "kubernetes-admin", ("system:masters",))


@pytest.fixture(scope="session")
def etcd() -> Iterator[etcd_server.EtcdServer]:
    """A real etcd on loopback ports for the session (skipped if not installed; fails under CI)."""
    server = etcd_server.start_etcd(etcd_server.require_binary())
    try:
        yield server
    finally:
        server.stop()
