"""CertificateSubjectRestriction: no API client certificates for the system:masters group.

A certificate in system:masters bypasses authorization entirely and cannot be revoked, so the
real server refuses to even accept a `kubernetes.io/kube-apiserver-client` request whose
subject carries O=system:masters, whoever asks.
"""

from __future__ import annotations

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.api import errors
from kubegate.api.user import SYSTEM_PRIVILEGED_GROUP
from kubegate.registry.certificates import api
from kubegate.registry.certificates.request import (
    RequestError,
    parse_csr,
    request_bytes,
    requested_names,
)


class CertificateSubjectRestriction:
    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec, obj = attributes.spec, attributes.obj
        if (spec.group, spec.plural) != api.KEY or attributes.subresource or obj is None:
            return
        if attributes.operation != CREATE or api.signer_name(obj) != api.KUBE_APISERVER_CLIENT:
            return
        try:
            names = requested_names(parse_csr(request_bytes(obj)))
        except RequestError:
            # The real plugin runs after validation, which has already refused such a request
            # with a 422; here validation comes later and gives that same answer.
            return
        if SYSTEM_PRIVILEGED_GROUP in names.organizations:
            raise errors.forbidden(
                api.RESOURCE, attributes.name,
                f"use of {api.KUBE_APISERVER_CLIENT} signer with {SYSTEM_PRIVILEGED_GROUP} group is not allowed",
                group=api.GROUP,
            )
