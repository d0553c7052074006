"""CertificateApproval: approving or denying a CSR needs `approve` on its signer.

Writes to `certificatesigningrequests/approval` are checked against the signer of the stored
request, so that nobody can approve under one signer by naming another in the same write.
Authorization already required `update` on the approval subresource; this adds the signer.
"""

from __future__ import annotations

from kubegate.admission.attributes import UPDATE, AdmissionAttributes
from kubegate.admission.certificates.signers import is_authorized_for_signer_name
from kubegate.api import errors
from kubegate.api.gofmt import go_quote
from kubegate.authz.authorizer import Authorizer
from kubegate.registry.certificates import api


class CertificateApproval:
    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != api.KEY or attributes.subresource != "approval":
            return
        if attributes.operation != UPDATE or attributes.old is None:
            return
        signer = api.signer_name(attributes.old)
        if not await is_authorized_for_signer_name(
            self._authorizer, attributes.user, verb="approve", signer_name=signer
        ):
            raise errors.forbidden(
                api.RESOURCE, attributes.name,
                f"user not permitted to approve requests with signerName {go_quote(signer)}", group=api.GROUP,
            )
