"""The CSR signing controller: issues approved requests for the built-in signers from the CA.

kube-controller-manager runs one `csrsigning` controller per kubernetes.io signer. Each takes a
CSR that is approved (and not denied), not failed and not yet issued, checks the request
against its signer's rules and either issues the certificate into `status.certificate` or adds
a `Failed` condition (reason `SignerValidationFailure`) whose message names the broken rule.
Requests for any other signer are left alone: an external signer may be watching for them.

kubegate runs it synchronously from store events, so by the time `kubectl certificate approve`
has its answer the certificate is there. Writes go through the status subresource, so the
strategy checks them like any other.
"""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm

from kubegate import pki
from kubegate.api import errors, meta
from kubegate.controllers.certificates.authority import CertificateAuthority, duration
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
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.memory import DELETED, Event, Stored

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


class CSRSigningController:
    def __init__(
        self,
        rest: GenericStore,
        spec: ResourceSpec,
        *,
        authority: CertificateAuthority,
        cluster_ttl: timedelta,
        field_managers: FieldManagers | None = None,
    ) -> None:
        self._rest = rest
        self._spec = spec
        self._authority = authority
        self._ttl = cluster_ttl
        self._fields = field_managers.for_resource(spec, "status") if field_managers is not None else None
        rest.store.add_listener(self._observe)

    def _observe(self, event: Event) -> None:
        if event.resource != api.KEY or event.type == DELETED:
            return
        try:
            self.sync(event.key[1])
        except Exception:  # a controller must keep going; the next change retries
            log.exception("signing CertificateSigningRequest %s failed", event.key[1])

    def sync(self, name: str) -> None:
        current = self._rest.find(self._spec, "", name)
        if current is None:
            return
        csr = current.obj
        if api.certificate(csr) or not api.is_approved(csr) or api.has_true_condition(csr, api.FAILED):
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
        status = copy.deepcopy(api.section(csr, "status"))
        if problem is not None:
            status["conditions"] = [*api.conditions(csr), {
                "type": api.FAILED, "status": "True", "reason": FAILURE_REASON, "message": problem,
                "lastUpdateTime": meta.format_time(meta.now()),
            }]  # fmt: skip
        else:
            seconds = api.section(csr, "spec").get("expirationSeconds")
            try:
                certificate = self._authority.sign(
                    request, names, api.usages(csr),
                    ttl=duration(seconds if isinstance(seconds, int) else None, self._ttl), now=meta.now(),
                )
            except (pki.PkiError, ValueError, UnsupportedAlgorithm) as exc:
                log.warning("CertificateSigningRequest %s: error auto signing csr: %s", name, exc)
                return
            status["certificate"] = base64.b64encode(certificate).decode()
        self._write_status(current, status)

    def _write_status(self, current: Stored, status: dict[str, Any]) -> None:
        body = {**copy.deepcopy(current.obj), "status": status}
        fields = self._fields
        track = (lambda live, new: fields.update(live, new, MANAGER)) if fields is not None else None
        try:
            self._rest.update(self._spec, "", current.obj["metadata"]["name"], body, subresource="status", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone or changed meanwhile: the next event decides
                log.warning("updating CertificateSigningRequest status failed: %s", error.message)
