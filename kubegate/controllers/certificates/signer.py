"""The CSR signing controller: issues approved requests for the built-in signers from the CA.

kube-controller-manager runs one `csrsigning` controller per kubernetes.io signer. Each takes a
CSR that is approved (and not denied), not failed and not yet issued, checks the request
against its signer's rules and either issues the certificate into `status.certificate` or adds
a `Failed` condition (reason `SignerValidationFailure`) whose message names the broken rule.
Requests for any other signer are left alone: an external signer may be watching for them.

It reconciles after the write that woke it (the approval), as the real one does: a client that
approves and reads back at once may not see the certificate yet. Writes go through the status
subresource, so the strategy checks them like any other.
"""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm

from kubegate import pki
from kubegate.api import errors, meta
from kubegate.controllers.certificates.authority import CertificateAuthority, duration
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.certificates import api
from kubegate.registry.certificates.kubelet import kubelet_client_problem, kubelet_serving_problem
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

log = logging.getLogger("kubegate.controllers.certificates.signer")

MANAGER = "kube-controller-manager"
FAILURE_REASON = "SignerValidationFailure"

#: (what the request names, its usages) -> why the signer refuses it, or None
RequestCheck = Callable[[RequestedNames, list[str]], str | None]


def api_server_client_problem(names: RequestedNames, usages: list[str]) -> str | None:
    """validAPIServerClientUsages: any subject; client auth required, signature usages optional."""
    for usage in usages:
        if usage not in ("digital signature", "key encipherment", "client auth"):
            return f"invalid usage for client certificate: {usage}"
    if "client auth" not in usages:
        return "missing required usage for client certificate: client auth"
    return None


#: the signers kubegate runs, and the rule each applies (getCSRVerificationFuncForSignerName)
SIGNERS: Mapping[str, RequestCheck] = {
    api.KUBE_APISERVER_CLIENT: api_server_client_problem,
    api.KUBE_APISERVER_CLIENT_KUBELET: kubelet_client_problem,
    api.KUBELET_SERVING: kubelet_serving_problem,
}


class CSRSigningController(Controller):
    """Keys are CertificateSigningRequest names."""

    name = "csrsigning"

    def __init__(
        self,
        informers: Informers,
        rest: GenericStore,
        spec: ResourceSpec,
        *,
        authority: CertificateAuthority,
        cluster_ttl: timedelta,
        field_managers: FieldManagers | None = None,
    ) -> None:
        super().__init__(informers)
        self._rest = rest
        self._spec = spec
        self._authority = authority
        self._ttl = cluster_ttl
        self._fields = field_managers.for_resource(spec, "status") if field_managers is not None else None
        self.watch(api.KEY, self._changed)

    def _changed(self, event: Event) -> Iterable[str]:
        return () if event.type == DELETED or not _to_sign(event.stored.obj) else (event.key[1],)

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(api.KEY) if _to_sign(stored.obj)]

    async def reconcile(self, name: str) -> None:
        current = self.cache.get(api.KEY, ("", name))
        if current is None:
            return
        csr = current.obj
        if not _to_sign(csr):
            return
        check = SIGNERS.get(api.signer_name(csr))
        if check is None:
            return  # not one of ours: it stays approved until its own signer acts
        try:
            request = parse_csr(request_bytes(csr))
        except RequestError as exc:  # validation keeps these out; say so if one slips through
            log.warning("CertificateSigningRequest %s: unable to parse csr: %s", name, exc)
            return
        names = requested_names(request)
        problem = check(names, api.usages(csr))
        if problem is not None:
            await self._write_status(name, failed={
                "type": api.FAILED, "status": "True", "reason": FAILURE_REASON, "message": problem,
                "lastUpdateTime": meta.format_time(meta.now()),
            })  # fmt: skip
            return
        seconds = api.section(csr, "spec").get("expirationSeconds")
        try:
            certificate = self._authority.sign(
                request, names, api.usages(csr),
                ttl=duration(seconds if isinstance(seconds, int) else None, self._ttl), now=meta.now(),
            )
        except (pki.PkiError, ValueError, UnsupportedAlgorithm) as exc:
            log.warning("CertificateSigningRequest %s: error auto signing csr: %s", name, exc)
            return
        await self._write_status(name, certificate=base64.b64encode(certificate).decode())

    async def _write_status(
        self, name: str, *, certificate: str = "", failed: dict[str, Any] | None = None
    ) -> None:
        """Issue the certificate, or add the Failed condition, unless the request was decided meanwhile."""

        async def with_result(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(self._spec.plural, name, group=self._spec.group)
            if not _to_sign(live):
                return live  # issued, failed or withdrawn meanwhile: nothing to write
            status = copy.deepcopy(api.section(live, "status"))
            if failed is not None:
                status["conditions"] = [*api.conditions(live), failed]
            else:
                status["certificate"] = certificate
            return {**copy.deepcopy(live), "status": status}

        fields = self._fields
        track = (lambda live, new: fields.update(live, new, MANAGER)) if fields is not None else None
        try:
            await self._rest.update(self._spec, "", name, with_result, subresource="status", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone meanwhile: the next event decides
                log.warning("updating CertificateSigningRequest status failed: %s", error.message)


def _to_sign(csr: dict[str, Any]) -> bool:
    """Approved, and neither issued nor failed: what a signer acts on."""
    return bool(api.is_approved(csr)) and not api.certificate(csr) and not api.has_true_condition(csr, api.FAILED)
