"""ResourceQuota, wired: the admission plugin that charges usage and the controller that recounts it.

Admission writes the charged usage into the quota's status through the registry (as the real
plugin writes through its client), so both halves are built here, where the store is at hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubegate.admission.resourcequota import ResourceQuotaAdmission
from kubegate.api import errors
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.resourcequota import ResourceQuotaController
from kubegate.endpoints.state import APIServer
from kubegate.server.cluster import controller_client


def admission(state: APIServer) -> ResourceQuotaAdmission:
    spec = state.catalog.lookup("", "v1", "resourcequotas")
    assert spec is not None

    async def charge(namespace: str, name: str, charged: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        async def update(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(spec.plural, name)
            return charged(live)

        await state.rest.update(spec, namespace, name, update, subresource="status")

    return ResourceQuotaAdmission(state.store, charge)


def install_controller(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    manager.add(ResourceQuotaController(informers, controller_client(state)))
