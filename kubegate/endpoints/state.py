"""Everything one running kubegate holds: store, resource catalog, documents and auth chains.

Built once at start and reached by handlers through the aiohttp application, so tests can build
a server in-process with exactly the options they need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubegate.admission.chain import AdmissionChain
from kubegate.api.faults import FaultSet
from kubegate.audit.context import Auditor
from kubegate.authn.authenticator import Authenticator
from kubegate.authn.request_header import STANDARD_NAMES, AuthenticationHeaders
from kubegate.authz.authorizer import Authorizer
from kubegate.config import ServerConfig
from kubegate.controllers.manager import ControllerManager
from kubegate.endpoints.metrics.registry import ServerMetrics
from kubegate.endpoints.version import VersionInfo
from kubegate.pki import PkiFiles
from kubegate.registry.catalog import Catalog
from kubegate.registry.decoders import Decoders
from kubegate.registry.discovery import Discovery
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.rest import GenericStore
from kubegate.storage.cacher import Cacher


@dataclass
class APIServer:
    config: ServerConfig
    pki: PkiFiles | None
    #: the watch cache over the backend (`store.backend`): every read and write goes through it
    store: Cacher
    catalog: Catalog
    rest: GenericStore
    discovery: Discovery
    openapi: OpenAPIV3
    authenticator: Authenticator
    authorizer: Authorizer
    version: VersionInfo
    admission: AdmissionChain = field(default_factory=AdmissionChain)
    #: front-proxy headers the authentication filter removes once a request is authenticated
    authentication_headers: AuthenticationHeaders = field(
        default_factory=lambda: AuthenticationHeaders(STANDARD_NAMES)
    )
    #: host:port clients reach the server at, for discovery's serverAddressByClientCIDRs
    address: str = "127.0.0.1:6443"
    #: create/update handlers for resources that are not stored (reviews, token requests),
    #: keyed by (group, plural, subresource)
    virtual_creates: dict[tuple[str, str, str], VirtualHandler] = field(default_factory=dict)
    virtual_updates: dict[tuple[str, str, str], VirtualHandler] = field(default_factory=dict)
    #: extra non-resource paths by first segment (issuer discovery, for one)
    nonresource_routes: dict[str, NonResourceRoute] = field(default_factory=dict)
    #: get/update/patch of subresources computed from their parent (scale), keyed as above
    virtual_subresources: dict[tuple[str, str, str], SubresourceStorage] = field(default_factory=dict)
    #: fault-injection rules (`--faults`, `Server.faults`), carried out by the faults filter
    faults: FaultSet = field(default_factory=FaultSet)
    #: managedFields tracking, server-side apply and strategic merge schemas, per kind
    field_managers: FieldManagers = field(init=False)
    #: each kind's schema compiled for the typed (strict) decoding of request bodies
    decoders: Decoders = field(init=False)
    #: informers over the cache, and the controllers fed by them (set by `build_state`)
    controllers: ControllerManager | None = None
    #: the kube-controller-manager Lease's elector, when several processes share etcd
    leader_election: LeaderElection | None = None
    #: the audit policy and backends (`--audit-*`); None when nothing is audited
    audit: Auditor | None = None
    #: this server's own Prometheus registry, served at /metrics
    metrics: ServerMetrics = field(default_factory=ServerMetrics)

    def __post_init__(self) -> None:
        self.field_managers = FieldManagers(self.openapi)
        self.decoders = Decoders(self.openapi)
        if self.config.faults is not None:
            self.faults.load(self.config.faults)

    async def settle(self, *, timeout: float = 30.0, horizon: float | None = None) -> None:
        """Wait until the cache is current and every controller is idle (see `ControllerManager.settle`).

        `horizon`: delayed work due within this many seconds counts as pending (default 2 s, so
        pods started a moment ago are Running; 0 ignores delayed work altogether).
        """
        if self.controllers is not None:
            if horizon is None:
                await self.controllers.settle(timeout=timeout)
            else:
                await self.controllers.settle(timeout=timeout, horizon=horizon)
        else:
            await self.store.wait_fresh()


if TYPE_CHECKING:
    from aiohttp import web

    from kubegate.controllers.leaderelection import LeaderElection
    from kubegate.endpoints.handlers.common import Target
    from kubegate.endpoints.virtual.subresource import SubresourceStorage

VirtualHandler = Callable[["web.Request", "Target"], Awaitable["web.StreamResponse"]]
NonResourceRoute = Callable[["web.Request", list[str]], Awaitable["web.StreamResponse"]]
