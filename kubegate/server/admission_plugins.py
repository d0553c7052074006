"""kube-apiserver's admission plugins as one table: their names, their order, which are on by default.

`PLUGINS` lists every plugin a 1.32 kube-apiserver knows, in its run order (AllOrderedPlugins),
with whether it is on by default, the phases it takes part in (M mutating, V validating) and the
factory that builds kubegate's plugin from the server state. `--enable-admission-plugins` adds
to the default set and `--disable-admission-plugins` takes from it, as in kube-apiserver; the
order of the names in the flags does not matter. `build` puts the enabled plugins in the
server's chain: their mutating steps (`admit`, run by the verb handlers) in table order, and
their validating steps (`validate`, run by the registry on the object it is about to store) in
table order, so every validating step sees what all the mutating ones made of the object.

A row without a factory is a plugin kubegate does not have: a default-on one is simply absent,
and naming a default-off one in `--enable-admission-plugins` stops the server at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kubegate.admission import certificates
from kubegate.admission.always import AlwaysAdmit, AlwaysDeny
from kubegate.admission.always_pull_images import AlwaysPullImagesAdmission
from kubegate.admission.attributes import AdmissionPlugin, ValidationPlugin
from kubegate.admission.chain import ValidatingStep
from kubegate.admission.default_class import (
    DefaultIngressClassAdmission,
    DefaultStorageClassAdmission,
)
from kubegate.admission.default_toleration_seconds import DefaultTolerationSecondsAdmission
from kubegate.admission.deny_service_external_ips import DenyServiceExternalIPsAdmission
from kubegate.admission.limitranger import LimitRangerAdmission
from kubegate.admission.namespace_lifecycle import NamespaceLifecycleAdmission
from kubegate.admission.podsecurity.plugin import PodSecurityAdmission
from kubegate.admission.priority import PriorityAdmission
from kubegate.admission.pvc_resize import PersistentVolumeClaimResizeAdmission
from kubegate.admission.rbac_escalation import RBACEscalationAdmission
from kubegate.admission.runtimeclass import RuntimeClassAdmission
from kubegate.admission.serviceaccount import ServiceAccountAdmission
from kubegate.admission.storage_protection import StorageObjectInUseProtectionAdmission
from kubegate.admission.taint_nodes_by_condition import TaintNodesByConditionAdmission
from kubegate.admission.validating_policy import ValidatingAdmissionPolicyAdmission
from kubegate.admission.webhook import conditions as webhook_conditions
from kubegate.admission.webhook.configuration import MUTATING, VALIDATING, WebhookSource
from kubegate.admission.webhook.matching import Matcher
from kubegate.admission.webhook.mutating import MutatingWebhookAdmission
from kubegate.admission.webhook.validating import ValidatingWebhookAdmission
from kubegate.config import ConfigError
from kubegate.endpoints.state import APIServer
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.server import quota

log = logging.getLogger(__name__)

Plugin = AdmissionPlugin | ValidationPlugin
Factory = Callable[[APIServer], Plugin]


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    #: in kube-apiserver's default set (the rest are its DefaultOffAdmissionPlugins)
    on: bool
    #: "M", "V" or "MV": the phases the real plugin takes part in (its Admit, its Validate), as
    #: kube-apiserver's "Loaded N mutating/validating admission controller(s)" lines list them
    phases: str
    #: builds kubegate's plugin; None when kubegate has none
    factory: Factory | None = None


def _decoding_defaults(rest: GenericStore) -> Callable[[ResourceSpec, dict[str, Any]], None]:
    """The defaults decoding gives an incoming object (the strategy's on_write), for webhooks."""

    def apply(spec: ResourceSpec, obj: dict[str, Any]) -> None:
        on_write = rest.strategy_of(spec).on_write
        if on_write is not None:
            on_write(obj)

    return apply


def _mutating_webhooks(state: APIServer) -> Plugin:
    matcher = Matcher(state.store, state.catalog, conditions=webhook_conditions.evaluate)
    source = WebhookSource(state.store, MUTATING, mutating=True)
    return MutatingWebhookAdmission(source, matcher, cache=state.store, defaulter=_decoding_defaults(state.rest))


def _validating_webhooks(state: APIServer) -> Plugin:
    matcher = Matcher(state.store, state.catalog, conditions=webhook_conditions.evaluate)
    return ValidatingWebhookAdmission(WebhookSource(state.store, VALIDATING, mutating=False), matcher, cache=state.store)


PLUGINS: tuple[Row, ...] = (
    Row("AlwaysAdmit", False, "MV", lambda state: AlwaysAdmit()),
    Row("NamespaceAutoProvision", False, "M"),
    Row("NamespaceLifecycle", True, "M", lambda state: NamespaceLifecycleAdmission()),
    Row("NamespaceExists", False, "V"),
    Row("LimitPodHardAntiAffinityTopology", False, "V"),
    Row("LimitRanger", True, "MV", lambda state: LimitRangerAdmission(state.store)),
    Row("ServiceAccount", True, "MV", lambda state: ServiceAccountAdmission(state.store)),
    Row("NodeRestriction", False, "M"),
    Row("TaintNodesByCondition", True, "M", lambda state: TaintNodesByConditionAdmission()),
    Row("AlwaysPullImages", False, "MV", lambda state: AlwaysPullImagesAdmission()),
    Row("ImagePolicyWebhook", False, "V"),
    Row("PodSecurity", True, "V", lambda state: PodSecurityAdmission(state.store, server_minor=state.version.minor_int)),
    Row("PodNodeSelector", False, "MV"),
    Row("Priority", True, "MV", lambda state: PriorityAdmission(state.store)),
    Row("DefaultTolerationSeconds", True, "M", lambda state: DefaultTolerationSecondsAdmission()),
    Row("PodTolerationRestriction", False, "MV"),
    Row("EventRateLimit", False, "V"),
    Row("ExtendedResourceToleration", False, "M"),
    Row("DefaultStorageClass", True, "M", lambda state: DefaultStorageClassAdmission(state.store)),
    Row("StorageObjectInUseProtection", True, "M", lambda state: StorageObjectInUseProtectionAdmission()),
    Row("OwnerReferencesPermissionEnforcement", False, "V"),
    Row("PersistentVolumeClaimResize", True, "V", lambda state: PersistentVolumeClaimResizeAdmission(state.store)),
    Row("RuntimeClass", True, "MV", lambda state: RuntimeClassAdmission(state.store)),
    Row("CertificateApproval", True, "V", lambda state: certificates.CertificateApproval(state.authorizer)),
    Row("CertificateSigning", True, "V", lambda state: certificates.CertificateSigning(state.authorizer)),
    Row("ClusterTrustBundleAttest", True, "V"),  # ClusterTrustBundles are not served
    Row("CertificateSubjectRestriction", True, "V", lambda state: certificates.CertificateSubjectRestriction()),
    Row("DefaultIngressClass", True, "M", lambda state: DefaultIngressClassAdmission(state.store)),
    Row("DenyServiceExternalIPs", False, "V", lambda state: DenyServiceExternalIPsAdmission()),
    Row("MutatingAdmissionPolicy", True, "M"),  # inert in 1.32 unless its alpha feature gate is on
    Row("MutatingAdmissionWebhook", True, "M", _mutating_webhooks),
    Row("ValidatingAdmissionPolicy", True, "V", lambda state: ValidatingAdmissionPolicyAdmission(state.store, state.catalog)),
    Row("ValidatingAdmissionWebhook", True, "V", _validating_webhooks),
    Row("ResourceQuota", True, "V", quota.admission),
    Row("AlwaysDeny", False, "MV", lambda state: AlwaysDeny()),
)

BY_NAME = {row.name: row for row in PLUGINS}


def enabled_names(enable: Iterable[str] = (), disable: Iterable[str] = ()) -> list[str]:
    """The plugins to run, in table order: the default set plus `enable`, minus `disable`.

    Raises ConfigError, as kube-apiserver refuses to start, for unknown names, a name in both
    lists, and (kubegate's own refusal) enabling a plugin kubegate does not have.
    """
    enable, disable = list(enable), list(disable)
    problems = [
        f'{flag}-admission-plugins plugin "{name}" is unknown'
        for flag, names in (("enable", enable), ("disable", disable))
        for name in names
        if name not in BY_NAME
    ]
    if problems:
        known = ", ".join(row.name for row in PLUGINS)
        raise ConfigError(f"{'; '.join(problems)} (known plugins: {known})")
    both = sorted(set(enable) & set(disable))
    if both:
        raise ConfigError(f"[{' '.join(both)}] in enable-admission-plugins and disable-admission-plugins overlapped")
    missing = [name for name in enable if BY_NAME[name].factory is None and not BY_NAME[name].on]
    if missing:
        have = ", ".join(row.name for row in PLUGINS if row.factory is not None and not row.on)
        raise ConfigError(
            f"enable-admission-plugins: kubegate does not implement {', '.join(missing)} "
            f"(default-off plugins it has: {have})"
        )
    chosen = {row.name for row in PLUGINS if row.on} | set(enable)
    return [row.name for row in PLUGINS if row.name in chosen - set(disable)]


def build(state: APIServer, names: Sequence[str]) -> None:
    """Append the named plugins' steps to the server's chain, mutating then validating, in table order."""
    chain = state.admission
    state.rest.namespace_lifecycle = "NamespaceLifecycle" in names
    wanted = set(names)
    mutating: list[str] = []
    validating: list[str] = []
    for row in PLUGINS:
        if row.name not in wanted or row.factory is None:
            continue
        plugin = row.factory(state)
        mutates = "M" in row.phases and isinstance(plugin, AdmissionPlugin)
        if mutates:
            chain.plugins.append(plugin)  # type: ignore[arg-type]
        if "V" in row.phases:
            if isinstance(plugin, ValidationPlugin):
                chain.validators.append(plugin)
            elif not mutates:  # a validating plugin written as one `admit` step
                chain.validators.append(ValidatingStep(plugin))
        # named by the real plugin's phases (kubegate's ServiceAccount and Priority check in `admit`)
        for phase, loaded in (("M", mutating), ("V", validating)):
            if phase in row.phases:
                loaded.append(row.name)
    for kind, loaded in (("mutating", mutating), ("validating", validating)):
        log.info(
            "Loaded %d %s admission controller(s) successfully in the following order: %s.",
            len(loaded), kind, ",".join(loaded),
        )
    # not a plugin: the RBAC registry refuses escalation before its strategy validates the object,
    # so after every mutating step and before the validating phase
    chain.plugins.append(RBACEscalationAdmission.for_store(state.store, authorizer=state.authorizer))
