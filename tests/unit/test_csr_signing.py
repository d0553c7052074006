"""The signing policy as tables: lifetimes, backdating, how subjects and usages are written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from kubegate import pki
from kubegate.controllers.certificates.authority import (
    CertificateAuthority,
    boundaries,
    duration,
    go_subject,
    go_usages,
)
from kubegate.controllers.certificates.signer import api_server_client_problem
from kubegate.registry.certificates.request import parse_csr, requested_names
from tests.support.csrs import request_pem

YEAR = timedelta(days=365)
NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("seconds", "expected"), [
    (None, YEAR), (86400, timedelta(days=1)), (600, timedelta(minutes=10)), (60, timedelta(minutes=10)),
    (10 * 365 * 86400, YEAR),
])  # fmt: skip
def test_the_requested_lifetime_within_bounds(seconds: int | None, expected: timedelta) -> None:
    assert duration(seconds, YEAR) == expected


@pytest.mark.parametrize(("ttl", "start", "end"), [
    (timedelta(hours=1), NOW - timedelta(minutes=5), NOW + timedelta(hours=1)),
    (timedelta(hours=8), NOW - timedelta(minutes=5), NOW + timedelta(hours=8) - timedelta(minutes=5)),
])  # fmt: skip
def test_certificates_start_five_minutes_early_and_long_ones_end_early_too(
    ttl: timedelta, start: datetime, end: datetime
) -> None:
    assert boundaries(NOW, ttl) == (start, end)


def test_subjects_are_rewritten_in_go_order_with_repeated_values_in_one_rdn() -> None:
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "first"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "b"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "dropped@example.com"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "a"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.COMMON_NAME, "last"),
    ])  # fmt: skip
    rewritten = go_subject(subject)
    assert [[(a.oid, a.value) for a in rdn] for rdn in rewritten.rdns] == [
        [(NameOID.COUNTRY_NAME, "DE")],
        [(NameOID.ORGANIZATION_NAME, "b"), (NameOID.ORGANIZATION_NAME, "a")],
        [(NameOID.COMMON_NAME, "last")],
    ]


def test_extended_usages_are_sorted_as_go_sorts_them() -> None:
    assert go_usages(["client auth", "server auth", "digital signature", "client auth"]) == [
        "digital signature", "server auth", "client auth",
    ]


@pytest.mark.parametrize(("usages", "problem"), [
    (["client auth"], None),
    (["digital signature", "key encipherment", "client auth"], None),
    (["client auth", "code signing"], "invalid usage for client certificate: code signing"),
    (["key encipherment"], "missing required usage for client certificate: client auth"),
])  # fmt: skip
def test_api_server_client_usages(usages: list[str], problem: str | None) -> None:
    names = requested_names(parse_csr(request_pem("anyone")))
    assert api_server_client_problem(names, usages) == problem


def test_nothing_outlives_the_ca(pki_files: pki.PkiFiles) -> None:
    authority = CertificateAuthority.load(pki_files.ca_cert, pki_files.ca_key)
    request = parse_csr(request_pem("long-lived", ["team"]))
    now = authority.not_after - timedelta(days=1)
    pem = authority.sign(request, requested_names(request), ["client auth"], ttl=YEAR, now=now)
    assert x509.load_pem_x509_certificate(pem).not_valid_after_utc == authority.not_after
    with pytest.raises(pki.PkiError, match="refusing to sign a certificate that expired in the past"):
        authority.sign(request, requested_names(request), ["client auth"], ttl=YEAR, now=authority.not_after)
