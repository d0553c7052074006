"""The CSR controllers of kube-controller-manager (pkg/controller/certificates).

`signer` issues approved requests for the kubernetes.io signers from the cluster CA, `approver`
approves kubelet client requests that their requester is authorized for, `authority` holds
the CA and the signing policy. `start` adds them to a server's controller manager, as
kube-controller-manager runs them with --cluster-signing-cert-file/--cluster-signing-key-file
pointing at the cluster CA.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from kubegate import pki
from kubegate.authz.authorizer import Authorizer
from kubegate.config import ServerConfig
from kubegate.controllers.certificates.approver import CSRApprovingController
from kubegate.controllers.certificates.authority import CertificateAuthority
from kubegate.controllers.certificates.signer import CSRSigningController
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.registry.catalog import Catalog
from kubegate.registry.certificates import api
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.rest import GenericStore

log = logging.getLogger("kubegate.controllers.certificates")


def start(
    manager: ControllerManager,
    informers: Informers,
    rest: GenericStore,
    catalog: Catalog,
    *,
    config: ServerConfig,
    pki_files: pki.PkiFiles | None,
    authorizer: Authorizer,
    field_managers: FieldManagers | None = None,
) -> None:
    """Add the approver, and the signer when there is a CA to sign with."""
    spec = catalog.lookup(api.GROUP, "v1", api.RESOURCE)
    if spec is None:
        return
    manager.add(CSRApprovingController(informers, rest, spec, authorizer=authorizer, field_managers=field_managers))
    if pki_files is None:
        return  # as a controller-manager without a signing CA: approved requests stay unissued
    try:
        authority = CertificateAuthority.load(pki_files.ca_cert, pki_files.ca_key)
    except pki.PkiError as exc:
        log.warning("CSR signing is off: %s", exc)
        return
    manager.add(CSRSigningController(
        informers, rest, spec, authority=authority, cluster_ttl=timedelta(seconds=config.cluster_signing_duration),
        field_managers=field_managers,
    ))
