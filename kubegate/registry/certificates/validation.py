"""The 422 rules of CertificateSigningRequests (pkg/apis/certificates/validation).

A CSR must carry a signed PKCS#10 request, at least one known usage (no repeats), a qualified
signer name and, if it asks for a lifetime, one of ten minutes or more. Its conditions must be
well-formed, Approved and Denied never together, and nothing may take a condition away. Only
the approval subresource may add or change Approved/Denied, and only the status subresource
may set the certificate, once. Problems an existing object already has are tolerated on
update, so an old object can still be approved or deleted; the options below say which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from kubegate.api import meta
from kubegate.api.errors import (
    CAUSE_DUPLICATE,
    CAUSE_FORBIDDEN,
    CAUSE_INVALID,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    CAUSE_TOO_LONG,
    FieldError,
)
from kubegate.api.gobytes import Base64Error, decode_base64, go_bytes
from kubegate.api.gofmt import go_quote
from kubegate.registry.certificates import api
from kubegate.registry.certificates.request import (
    RequestError,
    check_signature,
    parse_csr,
    request_bytes,
)

_TRUE_ONLY = ("True",)
_ANY_STATUS = ("False", "True", "Unknown")
_TRUE_ONLY_TYPES = (api.APPROVED, api.DENIED, api.FAILED)
_EXCLUSIVE = "Approved and Denied conditions are mutually exclusive"
_SIGNER_FORM = "must be a fully qualified domain and path of the form 'example.com/signer-name'"
_MAX_PATH = meta.DNS1123_SUBDOMAIN_MAX + meta.DNS1123_LABEL_MAX + 1
_MAX_SIGNER = meta.DNS1123_SUBDOMAIN_MAX + _MAX_PATH + 1
_PEM_BLOCK = re.compile(rb"-----BEGIN ([^\r\n]*?)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Options:
    """certificateValidationOptions: what a write path may do, and what old data is forgiven."""

    allow_setting_approval: bool = False
    allow_setting_certificate: bool = False
    allow_both_approved_and_denied: bool = False
    allow_legacy_signer: bool = False
    allow_duplicate_condition_types: bool = False
    allow_empty_condition_type: bool = False
    allow_arbitrary_certificate: bool = False
    allow_unknown_usages: bool = False
    allow_duplicate_usages: bool = False


def options_for(new: dict[str, Any], old: dict[str, Any] | None, **paths: bool) -> Options:
    """getValidationOptions: tolerate on update what the stored object already got wrong."""
    if old is None:
        return Options(**paths)
    old_types = api.condition_types(old)
    old_usages = api.usages(old)
    return Options(
        allow_both_approved_and_denied=api.APPROVED in old_types and api.DENIED in old_types,
        allow_legacy_signer=api.signer_name(old) == api.LEGACY_UNKNOWN,
        allow_duplicate_condition_types=len(set(old_types)) != len(old_types),
        allow_empty_condition_type="" in old_types,
        allow_arbitrary_certificate=api.certificate(new) == api.certificate(old)
        or certificate_problem(api.certificate(old)) is not None,
        allow_unknown_usages=any(u not in api.KEY_USAGES for u in old_usages),
        allow_duplicate_usages=len(set(old_usages)) != len(old_usages),
        **paths,
    )


def validate(obj: dict[str, Any], options: Options) -> list[FieldError]:
    """validateCertificateSigningRequest (object metadata is checked by the generic store)."""
    problems: list[FieldError] = []
    spec = api.section(obj, "spec")
    request = request_bytes(obj)
    try:
        check_signature(parse_csr(request))
    except RequestError as exc:
        problems.append(FieldError(CAUSE_INVALID, "spec.request", str(exc), go_bytes(request)))
    listed = spec.get("usages")
    usages: list[Any] = listed if isinstance(listed, list) else []
    if not usages:
        problems.append(FieldError(CAUSE_REQUIRED, "spec.usages"))
    if not options.allow_unknown_usages:
        supported = "supported values: " + ", ".join(go_quote(u) for u in sorted(api.KEY_USAGES))
        problems += [
            FieldError(CAUSE_NOT_SUPPORTED, f"spec.usages[{i}]", supported, usage)
            for i, usage in enumerate(usages) if usage not in api.KEY_USAGES
        ]
    if not options.allow_duplicate_usages:
        problems += [
            FieldError(CAUSE_DUPLICATE, f"spec.usages[{i}]", bad_value=usage)
            for i, usage in enumerate(usages) if usage in usages[:i]
        ]
    signer = api.signer_name(obj)
    if not options.allow_legacy_signer and signer == api.LEGACY_UNKNOWN:
        detail = "the legacy signerName is not allowed via this API version"
        problems.append(FieldError(CAUSE_INVALID, "spec.signerName", detail, signer))
    else:
        problems += signer_name_problems(signer)
    seconds = spec.get("expirationSeconds")
    if isinstance(seconds, int) and seconds < 600:
        detail = "may not specify a duration less than 600 seconds (10 minutes)"
        problems.append(FieldError(CAUSE_INVALID, "spec.expirationSeconds", detail, seconds))
    problems += _condition_problems(obj, options)
    if not options.allow_arbitrary_certificate:
        problem = certificate_problem(api.certificate(obj))
        if problem is not None:
            problems.append(FieldError(CAUSE_INVALID, "status.certificate", problem, "<certificate data>"))
    return problems


def signer_name_problems(signer: str, field: str = "spec.signerName") -> list[FieldError]:
    """ValidateSignerName: `domain.example/path`, each part made of DNS names."""
    if not signer:
        return [FieldError(CAUSE_REQUIRED, field)]
    segments = signer.split("/")
    if len(segments) != 2:
        return [FieldError(CAUSE_INVALID, field, _SIGNER_FORM, signer)]
    domain, path = segments
    problems: list[FieldError] = []
    if len(domain) > meta.DNS1123_SUBDOMAIN_MAX:
        problems.append(_too_long(field, meta.DNS1123_SUBDOMAIN_MAX))
    labels = domain.split(".")
    for label in labels:
        found = meta.dns1123_label_errors(label)
        if found:
            problems += [FieldError(CAUSE_INVALID, field, f"validating label {go_quote(label)}: {p}", domain) for p in found]
            break
    if len(labels) < 2:
        detail = "should be a domain with at least two segments separated by dots"
        problems.append(FieldError(CAUSE_INVALID, field, detail, domain))
    for label in path.split("."):
        found = meta.dns1123_subdomain_errors(label)
        if found:
            problems += [FieldError(CAUSE_INVALID, field, f"validating label {go_quote(label)}: {p}", path) for p in found]
            break
    if len(signer) > _MAX_SIGNER:
        problems.append(_too_long(field, _MAX_SIGNER))
    return problems


def _too_long(field: str, limit: int) -> FieldError:
    return FieldError(CAUSE_TOO_LONG, field, f"may not be more than {limit} bytes")


def _condition_problems(obj: dict[str, Any], options: Options) -> list[FieldError]:
    problems: list[FieldError] = []
    seen: set[str] = set()
    approved = denied = False
    for i, condition in enumerate(api.conditions(obj)):
        path = f"status.conditions[{i}]"
        kind, status = str(condition.get("type") or ""), str(condition.get("status") or "")
        if not options.allow_empty_condition_type and not kind:
            problems.append(FieldError(CAUSE_REQUIRED, f"{path}.type"))
        allowed = _TRUE_ONLY if kind in _TRUE_ONLY_TYPES else _ANY_STATUS
        if not status:
            problems.append(FieldError(CAUSE_REQUIRED, f"{path}.status"))
        elif status not in allowed:
            supported = "supported values: " + ", ".join(go_quote(s) for s in allowed)
            problems.append(FieldError(CAUSE_NOT_SUPPORTED, f"{path}.status", supported, status))
        if not options.allow_both_approved_and_denied:
            if kind == api.APPROVED:
                approved = True
                if denied:
                    problems.append(FieldError(CAUSE_INVALID, f"{path}.type", _EXCLUSIVE, kind))
            elif kind == api.DENIED:
                denied = True
                if approved:
                    problems.append(FieldError(CAUSE_INVALID, f"{path}.type", _EXCLUSIVE, kind))
        if not options.allow_duplicate_condition_types:
            if kind in seen:
                problems.append(FieldError(CAUSE_DUPLICATE, f"{path}.type", bad_value=kind))
            seen.add(kind)
    return problems


def certificate_problem(encoded: str) -> str | None:
    """validateCertificate: status.certificate holds only parseable CERTIFICATE blocks."""
    if not encoded:
        return None
    try:
        data = decode_base64(encoded)
    except Base64Error as exc:
        return str(exc)
    blocks = 0
    for match in _PEM_BLOCK.finditer(data):
        block_type, body = match.group(1).decode("latin-1"), match.group(2)
        if block_type != "CERTIFICATE":
            return f"only CERTIFICATE PEM blocks are allowed, found {go_quote(block_type)}"
        if b":" in body:
            return "no PEM block headers are permitted"
        blocks += 1
        try:
            x509.load_der_x509_certificate(decode_base64(body.decode("latin-1").replace(" ", "").replace("\t", "")))
        except (Base64Error, ValueError):
            return "x509: malformed certificate"
    return None if blocks else "must contain at least one CERTIFICATE PEM block"


def validate_create(obj: dict[str, Any]) -> list[FieldError]:
    return validate(obj, options_for(obj, None))


def validate_update(
    new: dict[str, Any], old: dict[str, Any], *, setting_approval: bool = False, setting_certificate: bool = False
) -> list[FieldError]:
    """validateCertificateSigningRequestUpdate, for the resource or one of its subresources."""
    options = options_for(
        new, old, allow_setting_approval=setting_approval, allow_setting_certificate=setting_certificate
    )
    problems = validate(new, options)
    old_types, new_types = api.condition_types(old), api.condition_types(new)
    for kind in (api.APPROVED, api.DENIED, api.FAILED):
        if new_types.count(kind) < old_types.count(kind):
            detail = f"updates may not remove a condition of type {go_quote(kind)}"
            problems.append(FieldError(CAUSE_FORBIDDEN, "status.conditions", detail))
    if not options.allow_setting_approval:
        # Only additions can reach here: the strategies put back the old Approved/Denied
        # conditions whenever their number is unchanged, so a modification never arrives.
        for kind in (api.APPROVED, api.DENIED):
            if new_types.count(kind) > old_types.count(kind):
                detail = f"updates may not add a condition of type {go_quote(kind)}"
                problems.append(FieldError(CAUSE_FORBIDDEN, "status.conditions", detail))
    if api.certificate(new) != api.certificate(old):
        if not options.allow_setting_certificate:
            problems.append(FieldError(CAUSE_FORBIDDEN, "status.certificate", "updates may not set certificate content"))
        elif api.certificate(old):
            detail = "updates may not modify existing certificate content"
            problems.append(FieldError(CAUSE_FORBIDDEN, "status.certificate", detail))
    return problems
