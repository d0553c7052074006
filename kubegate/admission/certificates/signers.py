"""May this user act for a signer? (plugin/pkg/admission/certificates IsAuthorizedForSignerName)

Permissions on signers are checked against a resource that exists only for authorization:
`signers` in group certificates.k8s.io, named after the signer. A rule naming the exact signer
allows, and so does one naming the whole domain with a wildcard (`kubernetes.io/*`), which is
asked second.
"""

from __future__ import annotations

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Authorizer, Decision
from kubegate.registry.certificates.api import GROUP

SIGNERS = "signers"


async def is_authorized_for_signer_name(
    authorizer: Authorizer, user: UserInfo, *, verb: str, signer_name: str
) -> bool:
    for name in (signer_name, signer_name.split("/", 1)[0] + "/*"):
        verdict = await authorizer.authorize(Attributes(
            user=user, verb=verb, is_resource_request=True,
            api_group=GROUP, api_version="*", resource=SIGNERS, name=name,
        ))  # fmt: skip
        if verdict.decision is Decision.ALLOW:
            return True
    return False
