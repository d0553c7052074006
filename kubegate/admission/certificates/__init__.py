"""Admission for CertificateSigningRequests (plugin/pkg/admission/certificates).

Three plugins, as the real server enables by default: CertificateApproval (approving or denying
needs `approve` on the signer), CertificateSigning (setting a certificate needs `sign` on it)
and CertificateSubjectRestriction (no client certificates for system:masters). `signers` holds
the permission check they share, `install` adds them to a server's chain.
"""

from __future__ import annotations

from kubegate.admission.certificates.approval import CertificateApproval
from kubegate.admission.certificates.signing import CertificateSigning
from kubegate.admission.certificates.subjectrestriction import CertificateSubjectRestriction
from kubegate.admission.chain import AdmissionChain
from kubegate.authz.authorizer import Authorizer

__all__ = ["CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction", "install"]


def install(chain: AdmissionChain, *, authorizer: Authorizer) -> None:
    """Append the three plugins in the real server's order."""
    chain.plugins += [
        CertificateApproval(authorizer), CertificateSigning(authorizer), CertificateSubjectRestriction(),
    ]
