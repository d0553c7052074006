"""Starts the controllers that give every namespace its credentials, in one place.

kube-controller-manager runs them as `serviceaccount`, `root-ca-cert-publisher` and
`serviceaccount-token`. The last needs the ServiceAccount signing key (without one, as a
controller-manager without `--service-account-private-key-file`, it does not run); the
publisher needs a CA to publish.
"""

from __future__ import annotations

from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.config import ServerConfig
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.root_ca_publisher import RootCAPublisher, cluster_root_ca
from kubegate.controllers.serviceaccount_tokens import TokensController
from kubegate.controllers.serviceaccounts import ServiceAccountsController
from kubegate.pki import PkiFiles
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.rest import GenericStore


def start(
    manager: ControllerManager,
    informers: Informers,
    rest: GenericStore,
    catalog: Catalog,
    *,
    config: ServerConfig,
    pki: PkiFiles | None,
    field_managers: FieldManagers | None = None,
) -> None:
    """Add the credential controllers to `manager` (which starts them when this process leads)."""
    client = ControllerClient(rest, catalog, field_managers=field_managers)
    root_ca = cluster_root_ca(config, pki=pki)
    issuer = TokenIssuer.from_config(config, pki=pki)
    if issuer is not None:
        manager.add(TokensController(
            informers, client, issuer=issuer, root_ca=root_ca, legacy_secrets=config.legacy_service_account_token_secrets,
        ))
    manager.add(ServiceAccountsController(informers, client))
    if root_ca:
        manager.add(RootCAPublisher(informers, client, root_ca=root_ca))
