"""Admission for CertificateSigningRequests (plugin/pkg/admission/certificates).

Three plugins, as the real server enables by default: CertificateApproval (approving or denying
needs `approve` on the signer), CertificateSigning (setting a certificate needs `sign` on it)
and CertificateSubjectRestriction (no client certificates for system:masters). `signers` holds
the permission check they share; `kubegate.server.admission_plugins` puts them in the chain.
"""

from __future__ import annotations

from kubegate.admission.certificates.approval import CertificateApproval
from kubegate.admission.certificates.signing import CertificateSigning
from kubegate.admission.certificates.subjectrestriction import CertificateSubjectRestriction

__all__ = ["CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction"]

