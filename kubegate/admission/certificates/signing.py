"""CertificateSigning: changing a CSR's certificate or conditions through status needs `sign`.

Only a write to `certificatesigningrequests/status` that changes `status.certificate` or
`status.conditions` is checked, against the signer of the stored request; a signer controller
holds this permission, ordinary users do not.
"""

from __future__ import annotations

from kubegate.admission.attributes import UPDATE, AdmissionAttributes
from kubegate.admission.certificates.signers import is_authorized_for_signer_name
from kubegate.api import errors
from kubegate.api.gofmt import go_quote
from kubegate.authz.authorizer import Authorizer
from kubegate.registry.certificates import api


class CertificateSigning:
    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != api.KEY or attributes.subresource != "status":
            return
        old, new = attributes.old, attributes.obj
        if attributes.operation != UPDATE or old is None or new is None:
            return
        if api.certificate(old) == api.certificate(new) and api.conditions(old) == api.conditions(new):
            return
        signer = api.signer_name(old)
        if not await is_authorized_for_signer_name(
            self._authorizer, attributes.user, verb="sign", signer_name=signer
        ):
            raise errors.forbidden(
                api.RESOURCE, attributes.name,
                f"user not permitted to sign requests with signerName {go_quote(signer)}", group=api.GROUP,
            )
