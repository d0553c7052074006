"""Everything one running kubegate holds: store, resource catalog, documents and auth chains.

Built once at start and reached by handlers through the aiohttp application, so tests can build
a server in-process with exactly the options they need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubegate.admission.chain import AdmissionChain
from kubegate.authn.authenticator import Authenticator
from kubegate.authz.authorizer import Authorizer
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles
from kubegate.registry.catalog import Catalog
from kubegate.registry.discovery import Discovery
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.rest import GenericStore
from kubegate.server.version import VersionInfo
from kubegate.storage.memory import Store


@dataclass
class APIServer:
    config: ServerConfig
    pki: PkiFiles | None
    store: Store
    catalog: Catalog
    rest: GenericStore
    discovery: Discovery
    openapi: OpenAPIV3
    authenticator: Authenticator
    authorizer: Authorizer
    version: VersionInfo
    admission: AdmissionChain = field(default_factory=AdmissionChain)
    #: host:port clients reach the server at, for discovery's serverAddressByClientCIDRs
    address: str = "127.0.0.1:6443"
    #: create/update handlers for resources that are not stored (reviews, token requests),
    #: keyed by (group, plural, subresource)
    virtual_creates: dict[tuple[str, str, str], VirtualHandler] = field(default_factory=dict)
    virtual_updates: dict[tuple[str, str, str], VirtualHandler] = field(default_factory=dict)
    #: extra non-resource paths by first segment (issuer discovery, for one)
    nonresource_routes: dict[str, NonResourceRoute] = field(default_factory=dict)


if TYPE_CHECKING:
    from aiohttp import web

    from kubegate.endpoints.handlers.common import Target

VirtualHandler = Callable[["web.Request", "Target"], Awaitable["web.StreamResponse"]]
NonResourceRoute = Callable[["web.Request", list[str]], Awaitable["web.StreamResponse"]]
