"""The CSR approving controller: approves kubelet client certificates the requester may get.

kube-controller-manager's `csrapproving` controller recognises pending requests for
`kubernetes.io/kube-apiserver-client-kubelet` that a kubelet would send (ValidateKubeletClientCSR
passes) and asks, as a SubjectAccessReview for the requester recorded in the spec, whether they
may `create` `certificatesigningrequests/selfnodeclient` (renewing their own node's
certificate: the CN is their own name) or `.../nodeclient` (any node, the bootstrap case). If
so it adds an `Approved` condition (reason `AutoApproved`); otherwise the request waits for a
person. Like every controller here it reconciles after the write that woke it; authorization
may ask a webhook meanwhile.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kubegate.api import errors
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Authorizer, Decision
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.certificates import api
from kubegate.registry.certificates.kubelet import kubelet_client_problem
from kubegate.registry.certificates.request import (
    RequestedNames,
    RequestError,
    parse_csr,
    request_bytes,
    requested_names,
)
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import DELETED, Event
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.certificates.approver")

MANAGER = "kube-controller-manager"


@dataclass(frozen=True, slots=True)
class Recognizer:
    #: the permission asked for: create certificatesigningrequests/<subresource>
    subresource: str
    message: str
    recognize: Callable[[dict[str, Any], RequestedNames], bool]


def _node_client(csr: dict[str, Any], names: RequestedNames) -> bool:
    return api.signer_name(csr) == api.KUBE_APISERVER_CLIENT_KUBELET and kubelet_client_problem(
        names, api.usages(csr)
    ) is None


def _self_node_client(csr: dict[str, Any], names: RequestedNames) -> bool:
    return api.section(csr, "spec").get("username") == names.common_name and _node_client(csr, names)


RECOGNIZERS = (
    Recognizer("selfnodeclient", "Auto approving self kubelet client certificate after SubjectAccessReview.",
               _self_node_client),
    Recognizer("nodeclient", "Auto approving kubelet client certificate after SubjectAccessReview.", _node_client),
)  # fmt: skip


def requester(csr: dict[str, Any]) -> UserInfo:
    """The user recorded in spec.username/uid/groups/extra."""
    spec = api.section(csr, "spec")
    extra = spec.get("extra") if isinstance(spec.get("extra"), dict) else {}
    assert isinstance(extra, dict)
    return UserInfo(
        name=str(spec.get("username") or ""),
        uid=str(spec.get("uid") or ""),
        groups=tuple(str(g) for g in spec.get("groups") or ()),
        extra=MappingProxyType({str(k): tuple(str(v) for v in vs or ()) for k, vs in extra.items()}),
    )


class CSRApprovingController(Controller):
    """Keys are CertificateSigningRequest names."""

    name = "csrapproving"

    def __init__(
        self,
        informers: Informers,
        rest: GenericStore,
        spec: ResourceSpec,
        *,
        authorizer: Authorizer,
        field_managers: FieldManagers | None = None,
    ) -> None:
        super().__init__(informers)
        self._rest = rest
        self._spec = spec
        self._authorizer = authorizer
        self._fields = field_managers.for_resource(spec, "approval") if field_managers is not None else None
        self.watch(api.KEY, self._changed)

    def _changed(self, event: Event) -> Iterable[str]:
        if event.type == DELETED or not _waiting(event.stored.obj):
            return ()
        return (event.key[1],)

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(api.KEY) if _waiting(stored.obj)]

    async def reconcile(self, name: str) -> None:
        current = self.cache.get(api.KEY, ("", name))
        if current is None or not _pending(current.obj):
            return
        csr = current.obj
        try:
            names = requested_names(parse_csr(request_bytes(csr)))
        except RequestError:
            return
        for recognizer in RECOGNIZERS:
            if recognizer.recognize(csr, names) and await self._allowed(csr, recognizer.subresource):
                await self._approve(name, recognizer.message)
                return

    async def _allowed(self, csr: dict[str, Any], subresource: str) -> bool:
        verdict = await self._authorizer.authorize(Attributes(
            user=requester(csr), verb="create", is_resource_request=True,
            api_group=api.GROUP, resource=api.RESOURCE, subresource=subresource,
        ))  # fmt: skip
        return verdict.decision is Decision.ALLOW

    async def _approve(self, name: str, message: str) -> None:
        async def approved(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(self._spec.plural, name, group=self._spec.group)
            if not _pending(live):
                return live  # approved, denied or issued meanwhile: nothing to add
            body = copy.deepcopy(live)
            status = body["status"] = api.section(body, "status")
            status["conditions"] = [*api.conditions(live), {
                "type": api.APPROVED, "status": "True", "reason": "AutoApproved", "message": message,
            }]  # fmt: skip
            return body

        fields = self._fields
        track = (lambda live, new: fields.update(live, new, MANAGER)) if fields is not None else None
        try:
            await self._rest.update(self._spec, "", name, approved, subresource="approval", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                log.warning("approving CertificateSigningRequest failed: %s", error.message)


def _waiting(csr: dict[str, Any]) -> bool:
    """A pending request for the kubelet client signer: the only kind this controller approves."""
    return _pending(csr) and api.signer_name(csr) == api.KUBE_APISERVER_CLIENT_KUBELET


def _pending(csr: dict[str, Any]) -> bool:
    approved, denied = api.approval_state(csr)
    return not (approved or denied or api.certificate(csr))
