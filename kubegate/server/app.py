"""Assembles a kubegate server: state, the filter chain in the real order, and the routes.

`build_state` wires the layers (store, registry, auth chains); `build_app` puts the filters
around the single dispatching route. Tests call both in-process with the options they need.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.api.errors import MAX_REQUEST_BODY_BYTES
from kubegate.audit.context import Auditor
from kubegate.audit.factory import build_auditor
from kubegate.authn.factory import build_authenticator
from kubegate.authn.request_header import authentication_headers
from kubegate.authz.factory import build_authorizer
from kubegate.config import ServerConfig
from kubegate.controllers import certificates as certificate_controllers
from kubegate.controllers import credentials
from kubegate.controllers.clusterrole_aggregation import ClusterRoleAggregationController
from kubegate.controllers.garbage_collector import GarbageCollector
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.namespace import NamespaceController
from kubegate.controllers.pod_termination import PodTerminationController
from kubegate.controllers.storage_protection import PVCProtectionController, PVProtectionController
from kubegate.endpoints import issuer_discovery, settle, virtual, warnings
from kubegate.endpoints.context import SERVER_KEY
from kubegate.endpoints.dispatch import dispatch
from kubegate.endpoints.filters import maxinflight
from kubegate.endpoints.filters.audit import (
    audit_filter,
    audit_init_filter,
    failed_authentication_audit_filter,
    write_audit_id,
)
from kubegate.endpoints.filters.authentication import authentication_filter
from kubegate.endpoints.filters.authorization import authorization_filter
from kubegate.endpoints.filters.errors import errors_filter
from kubegate.endpoints.filters.faults import faults_filter
from kubegate.endpoints.filters.impersonation import impersonation_filter
from kubegate.endpoints.filters.maxinflight import max_inflight_filter
from kubegate.endpoints.filters.metrics import metrics_filter
from kubegate.endpoints.filters.requestinfo import requestinfo_filter
from kubegate.endpoints.metrics import endpoint as metrics_endpoint
from kubegate.endpoints.state import APIServer
from kubegate.endpoints.version import VersionInfo
from kubegate.pki import PkiFiles
from kubegate.registry import conversion
from kubegate.registry.builtin import preferred_versions, served_resources
from kubegate.registry.catalog import Catalog
from kubegate.registry.discovery import Discovery
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.rest import GenericStore
from kubegate.server import (
    admission_plugins,
    apiserver_endpoints,
    bootstrap,
    cluster,
    customresources,
    leader_election,
    quota,
    rbac_bootstrap,
    system_workloads,
)
from kubegate.server.serving import drop_server_header
from kubegate.storage.cacher import Cacher
from kubegate.storage.factory import open_backend
from kubegate.storage.interface import Interface

#: The pipeline, outermost first, as the real apiserver's handler chain orders it.
FILTERS = (
    audit_init_filter, errors_filter, requestinfo_filter, failed_authentication_audit_filter, authentication_filter,
    audit_filter, impersonation_filter,
    faults_filter,  # injected faults, where priority-and-fairness answers its 429s
    max_inflight_filter,  # --max-requests-inflight, --max-mutating-requests-inflight
    authorization_filter, metrics_filter,
)



async def build_state(
    config: ServerConfig, *, pki: PkiFiles | None = None, port: int | None = None, backend: Interface | None = None,
) -> APIServer:
    """Everything a server holds, wired from its configuration, with its cache filled and controllers running.

    `pki` supplies defaults for files the configuration leaves unset (the ServiceAccount keys,
    the client CA); `port` is the port actually bound, when `--secure-port 0` picked one;
    `backend` is an already opened store (else the configuration's is opened).
    """
    version = VersionInfo.parse(config.kubernetes_version)
    admission = admission_plugins.enabled_names(  # bad plugin names stop the start here
        config.enable_admission_plugins, config.disable_admission_plugins,
    )
    auditor = build_auditor(config)  # a bad --audit-policy-file stops the start here
    if backend is None:
        backend = await open_backend(config)
    served = served_resources(version.minor_int)  # what a stock server of that minor serves
    catalog = Catalog.build(served, preferred=preferred_versions(served))
    store = Cacher(
        backend, builtin={conversion.storage_key(spec) for spec in catalog}, history=config.watch_cache_size,
    )
    await store.start()
    try:
        return await _assemble(
            config, pki=pki, port=port, version=version, admission=admission, auditor=auditor, catalog=catalog,
            store=store,
        )
    except BaseException:
        await store.stop()  # the cache lets go of the backend before the caller closes it
        raise


async def _assemble(
    config: ServerConfig, *, pki: PkiFiles | None, port: int | None, version: VersionInfo, admission: list[str],
    auditor: Auditor | None, catalog: Catalog, store: Cacher,
) -> APIServer:
    """The rest of `build_state`, over a started cache."""
    rest = GenericStore(store)
    address = f"{config.client_host}:{port if port is not None else config.secure_port}"
    state = APIServer(
        config=config,
        pki=pki,
        store=store,
        catalog=catalog,
        rest=rest,
        discovery=Discovery(catalog, server_address=lambda: address),
        openapi=OpenAPIV3(resources=catalog, kubernetes_minor=version.minor_int, git_version=version.git_version),
        authenticator=build_authenticator(config, pki=pki, rest=rest),
        authentication_headers=authentication_headers(config),
        authorizer=build_authorizer(config, rest=rest),
        version=version,
        address=address,
        audit=auditor,
    )
    metrics_endpoint.install(state)  # /metrics
    if auditor is not None:
        auditor.observer = state.metrics  # apiserver_audit_*
    informers = Informers(store)
    manager = state.controllers = ControllerManager(
        informers, fresh=store.wait_fresh, selection=config.controllers,
    )
    virtual.install(state)
    issuer_discovery.install(state)
    settle.install(state)  # /debug/kubegate/settle
    # CustomResourceDefinitions: naming, serving, finalizing (every apiserver runs these)
    manager.add(customresources.install(state, informers))
    secure_port = port if port is not None else config.secure_port
    await bootstrap.seed(
        rest, catalog, service_cluster_ip_range=config.service_cluster_ip_range, secure_port=secure_port,
    )
    await apiserver_endpoints.reconcile(rest, catalog, host=config.client_host, port=secure_port)
    await rbac_bootstrap.ensure_default_policy(rest, catalog)
    # kube-apiserver's plugins in its order, as --enable/--disable-admission-plugins choose them
    admission_plugins.build(state, admission)
    # kube-controller-manager's controllers, in one process at a time when several share etcd
    manager.add(ClusterRoleAggregationController(informers, rest, catalog))
    # default ServiceAccounts, kube-root-ca.crt and token Secrets
    credentials.start(manager, informers, rest, catalog, config=config, pki=pki, field_managers=state.field_managers)
    # CSR approval and signing, as kube-controller-manager's csrapproving and csrsigning
    certificate_controllers.start(
        manager, informers, rest, catalog, config=config, pki_files=pki, authorizer=state.authorizer,
        field_managers=state.field_managers,
    )
    manager.add(NamespaceController(informers, rest, catalog))
    manager.add(GarbageCollector(informers, rest, catalog))
    manager.add(PodTerminationController(informers, rest, catalog))  # the kubelet's final delete of a pod
    quota.install_controller(state, manager, informers)
    # StorageObjectInUseProtection's finalizers come off claims and volumes nothing uses any more
    manager.add(PVCProtectionController(informers, cluster.controller_client(state)))
    manager.add(PVProtectionController(informers, cluster.controller_client(state)))
    cluster.install(state, manager, informers)  # nodes, kubelets, scheduler, workloads, services
    await system_workloads.ensure(state)  # CoreDNS, kube-proxy and their objects in kube-system
    manager.start()
    state.leader_election = leader_election.start(state, manager)
    return state


def build_app(state: APIServer) -> web.Application:
    # aiohttp's own limit sits just above the real one so that our check answers with a Status.
    app = web.Application(middlewares=FILTERS, client_max_size=MAX_REQUEST_BODY_BYTES + 1)
    app[SERVER_KEY] = state
    maxinflight.install(app, state.config)
    app.router.add_route("*", "/{path:.*}", dispatch)

    async def stop_watches(app: web.Application) -> None:
        state.store.close_watchers()

    async def stop_storage(app: web.Application) -> None:
        await close_state(state)

    app.on_response_prepare.append(drop_server_header)  # the real server names no software
    app.on_response_prepare.append(warnings.write_warnings)  # Warning headers the handlers recorded
    app.on_response_prepare.append(write_audit_id)  # Audit-Id, and a long-running request's ResponseStarted
    app.on_shutdown.append(stop_watches)
    app.on_cleanup.append(stop_storage)
    return app


async def close_state(state: APIServer) -> None:
    """Stop leading, stop the controllers, then the cache and the backend (once)."""
    if state.leader_election is not None:
        await state.leader_election.stop()
        state.leader_election = None
    if state.controllers is not None:
        await state.controllers.stop()
        state.controllers.informers.close()
    await state.store.stop()
    await state.store.backend.close()
    if state.audit is not None:
        await state.audit.close()
