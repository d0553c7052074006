"""Wiring custom resources into a server: the CRD controllers and the admission they need.

One place puts together what apiextensions-apiserver adds to a kube-apiserver: publishing of
established CRDs (catalog, strategies, `/scale` storages, OpenAPI), the naming, establishing
and finalizing controller, and the admission step that refuses new instances of a CRD that is
being deleted.
"""

from __future__ import annotations

from kubegate.admission.customresource_terminating import CustomResourceTerminatingAdmission
from kubegate.controllers.crd import CustomResourceDefinitionController
from kubegate.controllers.informer import Informers
from kubegate.endpoints.state import APIServer
from kubegate.endpoints.virtual.custom_scale import CustomResourceScale
from kubegate.registry.customresources.serving import Serving


def install(state: APIServer, informers: Informers) -> CustomResourceDefinitionController:
    serving = Serving(
        rest=state.rest,
        catalog=state.catalog,
        openapi=state.openapi,
        subresources=state.virtual_subresources,
        make_scale=CustomResourceScale.of,
    )
    controller = CustomResourceDefinitionController(
        informers, state.rest, state.catalog, serving, field_managers=state.field_managers
    )
    state.admission.plugins.append(CustomResourceTerminatingAdmission(state.store))
    return controller
