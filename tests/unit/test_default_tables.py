"""Every default is data that names a real field: each table of `kubegate.registry.defaults` is
anchored to the schema definition it applies to, and each row's path must lead through that
definition's properties to a field whose type takes the row's value. A typo in a path (a default
written where the real server has no field) fails here, not silently at run time.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import kubegate.registry.defaults as defaults_package
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.defaults import kinds
from kubegate.registry.defaults.engine import Default
from kubegate.registry.openapi import builtin_definitions, bundle_minor
from kubegate.registry.strategy import STRATEGIES

DEFINITIONS = builtin_definitions(bundle_minor(32))
CORE, APPS, BATCH = "io.k8s.api.core.v1.", "io.k8s.api.apps.v1.", "io.k8s.api.batch.v1."
ADMISSION = "io.k8s.api.admissionregistration.v1."

#: "module.TABLE" -> the definitions its rows are paths into
ANCHORS: Mapping[str, tuple[str, ...]] = {
    "pods.SPEC": (CORE + "PodSpec",),
    "pods.POD_ONLY": (CORE + "PodSpec",),
    "pods.CONTAINER": (CORE + "Container", CORE + "EphemeralContainer"),
    "pods.PORT": (CORE + "ContainerPort",),
    "pods.HANDLER": (CORE + "LifecycleHandler", CORE + "Probe"),
    "pods.PROBE": (CORE + "Probe",),
    "pods.ENV": (CORE + "EnvVar",),
    "volumes.SOURCES": (CORE + "Volume", CORE + "PersistentVolumeSpec"),
    "volumes.POD_SOURCES": (CORE + "Volume",),
    "volumes.PROJECTION": (CORE + "VolumeProjection",),
    "volumes.FIELD_REF": (CORE + "DownwardAPIVolumeFile", CORE + "EnvVarSource"),
    "workloads.DEPLOYMENT": (APPS + "Deployment",),
    "workloads.REPLICA_SET": (APPS + "ReplicaSet", CORE + "ReplicationController"),
    "workloads.STATEFUL_SET": (APPS + "StatefulSet",),
    "workloads.DAEMON_SET": (APPS + "DaemonSet",),
    "workloads.JOB": (BATCH + "Job",),
    "workloads.CRON_JOB": (BATCH + "CronJob",),
    "workloads.CLAIM": (CORE + "PersistentVolumeClaim",),
    "services.SERVICE": (CORE + "Service",),
    "services.PORT": (CORE + "ServicePort",),
    "services.LOAD_BALANCER_INGRESS": (CORE + "LoadBalancerIngress",),
    "storage.PERSISTENT_VOLUME": (CORE + "PersistentVolume",),
    "storage.CLAIM_SPEC": (CORE + "PersistentVolumeClaimSpec",),
    "storage.PENDING": (CORE + "PersistentVolume", CORE + "PersistentVolumeClaim"),
    "storage.STORAGE_CLASS": ("io.k8s.api.storage.v1.StorageClass",),
    "storage.CSI_DRIVER": ("io.k8s.api.storage.v1.CSIDriver",),
    "networking.NETWORK_POLICY": ("io.k8s.api.networking.v1.NetworkPolicy",),
    "networking.NETWORK_POLICY_PORT": ("io.k8s.api.networking.v1.NetworkPolicyPort",),
    "networking.INGRESS_CLASS": ("io.k8s.api.networking.v1.IngressClass",),
    "networking.ENDPOINT_PORT": (CORE + "EndpointPort",),
    "networking.SLICE_PORT": ("io.k8s.api.discovery.v1.EndpointPort",),
    "autoscaling.HORIZONTAL_POD_AUTOSCALER": ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",),
    "autoscaling.HORIZONTAL_POD_AUTOSCALER_V1": ("io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",),
    "rbac.BINDING": ("io.k8s.api.rbac.v1.RoleBinding", "io.k8s.api.rbac.v1.ClusterRoleBinding"),
    "rbac.SUBJECT": ("io.k8s.api.rbac.v1.Subject",),
    "flowcontrol.FLOW_SCHEMA": ("io.k8s.api.flowcontrol.v1.FlowSchema",),
    "flowcontrol.PRIORITY_LEVEL": ("io.k8s.api.flowcontrol.v1.PriorityLevelConfiguration",),
    "cluster.PRIORITY_CLASS": ("io.k8s.api.scheduling.v1.PriorityClass",),
    "cluster.API_SERVICE": ("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService",),
    # tables of admission work merged from other branches (checked once they are present)
    "admissionregistration.WEBHOOK": (ADMISSION + "ValidatingWebhook", ADMISSION + "MutatingWebhook"),
    "admissionregistration.MUTATING_WEBHOOK": (ADMISSION + "MutatingWebhook",),
    "admissionregistration.RULE": (ADMISSION + "RuleWithOperations",),
    "admissionregistration.SERVICE_REFERENCE": (ADMISSION + "ServiceReference",),
    "admissionpolicy.POLICY": (ADMISSION + "ValidatingAdmissionPolicy",),
    "admissionpolicy.MATCH_RESOURCES": (ADMISSION + "MatchResources",),
    "admissionpolicy.RULE": (ADMISSION + "NamedRuleWithOperations",),
}
_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "boolean": (bool,), "array": (list,), "object": (dict,),
}


def _tables() -> Iterator[tuple[str, tuple[Default, ...]]]:
    for info in pkgutil.iter_modules(defaults_package.__path__):
        module = importlib.import_module(f"{defaults_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, tuple) and value and all(isinstance(r, Default) for r in value):
                yield f"{info.name}.{name}", value


TABLES = dict(_tables())


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while True:
        ref = schema.get("$ref") or next((part.get("$ref") for part in schema.get("allOf", ()) if "$ref" in part), None)
        if ref is None:
            return schema
        schema = DEFINITIONS[ref.rsplit("/", 1)[-1]]


def field_schema(definition: str, path: str) -> Mapping[str, Any] | None:
    """The schema of the field at a dotted path below a definition, None when there is none."""
    schema = _resolve(DEFINITIONS[definition])
    for part in path.split("."):
        field = schema.get("properties", {}).get(part)
        if field is None:
            return None
        schema = _resolve(field)
    return schema


def test_every_table_is_anchored_to_a_definition() -> None:
    assert sorted(set(TABLES) - set(ANCHORS)) == []
    assert all(definition in DEFINITIONS for anchors in ANCHORS.values() for definition in anchors)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_row_names_a_field_that_takes_its_value(table: str) -> None:
    wrong = []
    for definition in ANCHORS[table]:
        for row in TABLES[table]:
            schema = field_schema(definition, row.path)
            kind = schema.get("type") if schema is not None else None
            if schema is None:
                wrong.append(f"{definition} has no field {row.path}")
            elif kind is None and set(schema) & {"oneOf", "anyOf"}:
                continue  # int-or-string, quantity
            elif not isinstance(kind, str) or kind not in _TYPES or not isinstance(row.value, _TYPES[kind]) or (
                kind == "integer" and isinstance(row.value, bool)
            ):
                wrong.append(f"{definition}.{row.path} is {kind}, the default is {row.value!r}")
    assert wrong == []


def test_every_defaulter_names_a_served_resource_and_reaches_its_strategy() -> None:
    served = {spec.resource_key for spec in BUILTIN_RESOURCES}
    assert sorted(set(kinds.DEFAULTERS) - served) == []
    for key, defaulter in kinds.DEFAULTERS.items():
        strategy = STRATEGIES[key]
        assert defaulter.on_write is None or strategy.on_write is not None, key
        assert defaulter.status is None or (strategy.on_create and strategy.on_status_write), key
