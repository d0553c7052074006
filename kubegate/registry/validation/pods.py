"""PodSpec validation (pkg/apis/core/validation): the checks users run into most.

Covered, in the real order and words: volumes (names), containers and init containers (at
least one container; names required, DNS labels and unique; image required; ports; env names;
volume mounts; enumerations; resource names, signs and requests within limits), then the
pod-level enumerations and names (restartPolicy, dnsPolicy, nodeSelector, serviceAccountName,
nodeName, activeDeadlineSeconds, hostname, subdomain).

The real server defaults a pod before validating it; kubegate keeps what clients sent, so a
field that defaulting would fill (restartPolicy, imagePullPolicy, protocol...) is only checked
when present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubegate.registry.validation import names, quantity
from kubegate.registry.validation.field import (
    Errors,
    child,
    duplicate,
    inclusive_range,
    index,
    integer,
    invalid,
    items,
    key,
    mapping,
    not_found,
    not_supported,
    required,
    text,
)
from kubegate.registry.validation.objectmeta import validate_labels, validate_meta

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
PROTOCOLS = ("SCTP", "TCP", "UDP")
STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
MAX_INT32 = 2**31 - 1


def enum(value: Any, allowed: tuple[str, ...], path: str) -> Errors:
    """A defaulted enumeration: absent is fine (defaulting fills it), unknown is not."""
    if value is None or value in allowed:
        return []
    if value == "":
        return [required(path)]
    return [not_supported(path, value, allowed)]


def validate_pod_spec(spec: Any, path: str, *, claims: frozenset[str] = frozenset()) -> Errors:
    """`claims` are volumes a StatefulSet's claim templates add, which mounts may name."""
    spec = mapping(spec)
    volumes, problems = _volumes(spec.get("volumes"), child(path, "volumes"))
    volumes |= claims
    problems += _containers(spec.get("containers"), volumes, child(path, "containers"))
    problems += _init_containers(spec.get("initContainers"), spec.get("containers"), volumes,
                                 child(path, "initContainers"))
    problems += enum(spec.get("restartPolicy"), RESTART_POLICIES, child(path, "restartPolicy"))
    problems += enum(spec.get("dnsPolicy"), DNS_POLICIES, child(path, "dnsPolicy"))
    problems += validate_labels(spec.get("nodeSelector"), child(path, "nodeSelector"))
    for field_name in ("serviceAccountName", "nodeName"):
        value = text(spec.get(field_name))
        if value:
            problems += [invalid(child(path, field_name), value, message)
                         for message in names.dns1123_subdomain_errors(value)]
    deadline = integer(spec.get("activeDeadlineSeconds"))
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        problems.append(invalid(child(path, "activeDeadlineSeconds"), deadline, inclusive_range(1, MAX_INT32)))
    for field_name in ("hostname", "subdomain"):
        value = text(spec.get(field_name))
        if value:
            problems += [invalid(child(path, field_name), value, message)
                         for message in names.dns1123_label_errors(value)]
    return problems


def validate_pod_template(template: Any, path: str, *, claims: frozenset[str] = frozenset()) -> Errors:
    """ValidatePodTemplateSpec: the template's labels and annotations, then its pod spec."""
    template = mapping(template)
    return [*validate_meta(template.get("metadata"), child(path, "metadata")),
            *validate_pod_spec(template.get("spec"), child(path, "spec"), claims=claims)]


def _volumes(raw: Any, path: str) -> tuple[set[str], Errors]:
    known: set[str] = set()
    problems: Errors = []
    for position, volume in enumerate(items(raw)):
        name = text(mapping(volume).get("name"))
        name_path = child(index(path, position), "name")
        own = [required(name_path)] if not name else [
            invalid(name_path, name, message) for message in names.dns1123_label_errors(name)
        ]
        if name in known:
            own.append(duplicate(name_path, name))
        if own:
            problems += own
        else:
            known.add(name)
    return known, problems


def _containers(raw: Any, volumes: set[str], path: str) -> Errors:
    containers = items(raw)
    problems = [required(path)] if not containers else []
    seen: set[str] = set()
    for position, container in enumerate(containers):
        item_path = index(path, position)
        problems += _container(mapping(container), volumes, item_path)
        name = text(mapping(container).get("name"))
        if name in seen:
            problems.append(duplicate(child(item_path, "name"), name))
        else:
            seen.add(name)
    return problems


def _init_containers(raw: Any, regular: Any, volumes: set[str], path: str) -> Errors:
    seen = {text(mapping(container).get("name")) for container in items(regular)}
    problems: Errors = []
    for position, container in enumerate(items(raw)):
        item_path = index(path, position)
        problems += _container(mapping(container), volumes, item_path)
        name = text(mapping(container).get("name"))
        if name in seen:
            problems.append(duplicate(child(item_path, "name"), name))
        elif name:
            seen.add(name)
    return problems


def _container(container: Mapping[str, Any], volumes: set[str], path: str) -> Errors:
    """validateContainerCommon."""
    name = text(container.get("name"))
    name_path = child(path, "name")
    problems = [required(name_path)] if not name else [
        invalid(name_path, name, message) for message in names.dns1123_label_errors(name)
    ]
    if not text(container.get("image")):
        problems.append(required(child(path, "image")))
    problems += enum(container.get("terminationMessagePolicy"), TERMINATION_MESSAGE_POLICIES,
                     child(path, "terminationMessagePolicy"))
    problems += _ports(container.get("ports"), child(path, "ports"))
    problems += _env(container.get("env"), child(path, "env"))
    problems += _mounts(container.get("volumeMounts"), volumes, child(path, "volumeMounts"))
    problems += enum(container.get("imagePullPolicy"), PULL_POLICIES, child(path, "imagePullPolicy"))
    problems += _resources(mapping(container.get("resources")), child(path, "resources"))
    return problems


def _ports(raw: Any, path: str) -> Errors:
    problems: Errors = []
    seen: set[str] = set()
    for position, port in enumerate(items(raw)):
        port = mapping(port)
        item_path = index(path, position)
        name = text(port.get("name"))
        if name:
            messages = names.port_name_errors(name)
            if messages:
                problems += [invalid(child(item_path, "name"), name, message) for message in messages]
            elif name in seen:
                problems.append(duplicate(child(item_path, "name"), name))
            else:
                seen.add(name)
        number = integer(port.get("containerPort")) or 0
        if number == 0:
            problems.append(required(child(item_path, "containerPort")))
        else:
            problems += [invalid(child(item_path, "containerPort"), number, message)
                         for message in names.port_number_errors(number)]
        host = integer(port.get("hostPort")) or 0
        if host:
            problems += [invalid(child(item_path, "hostPort"), host, message)
                         for message in names.port_number_errors(host)]
        problems += enum(port.get("protocol"), PROTOCOLS, child(item_path, "protocol"))
    return problems


def _env(raw: Any, path: str) -> Errors:
    problems: Errors = []
    for position, variable in enumerate(items(raw)):
        name = text(mapping(variable).get("name"))
        name_path = child(index(path, position), "name")
        if not name:
            problems.append(required(name_path))
        problems += [invalid(name_path, name, message) for message in names.relaxed_env_var_name_errors(name)]
    return problems


def _mounts(raw: Any, volumes: set[str], path: str) -> Errors:
    problems: Errors = []
    mount_points: set[str] = set()
    for position, mount in enumerate(items(raw)):
        mount = mapping(mount)
        item_path = index(path, position)
        name = text(mount.get("name"))
        if not name:
            problems.append(required(child(item_path, "name")))
        if name not in volumes:
            problems.append(not_found(child(item_path, "name"), name))
        mount_path = text(mount.get("mountPath"))
        if not mount_path:
            problems.append(required(child(item_path, "mountPath")))
        if mount_path in mount_points:
            problems.append(invalid(child(item_path, "mountPath"), mount_path, "must be unique"))
        mount_points.add(mount_path)
    return problems


def _is_native(resource: str) -> bool:
    return "/" not in resource or resource.startswith("kubernetes.io/") or ".kubernetes.io/" in resource


def _resource_name(resource: str, path: str) -> Errors:
    problems = [invalid(path, resource, message) for message in names.qualified_name_errors(resource)]
    if "/" not in resource:
        if resource not in STANDARD_CONTAINER_RESOURCES and not resource.startswith("hugepages-"):
            problems.append(invalid(path, resource, "must be a standard resource for containers"))
    elif not _is_native(resource) and names.qualified_name_errors("requests." + resource):
        problems.append(invalid(path, resource, "doesn't follow extended resource name standard"))
    return problems


def _resources(resources: Mapping[str, Any], path: str) -> Errors:
    problems: Errors = []
    limits = mapping(resources.get("limits"))
    requests = mapping(resources.get("requests"))
    for section, entries in (("limits", limits), ("requests", requests)):
        for resource, amount in entries.items():
            entry_path = key(child(path, section), resource)
            problems += _resource_name(resource, entry_path)
            parsed = quantity.parse(amount)
            if parsed is not None and parsed[0] < 0:
                problems.append(invalid(entry_path, quantity.canonical(amount), "must be greater than or equal to 0"))
    requests_path = child(path, "requests")
    for resource, amount in requests.items():
        asked, limit = quantity.parse(amount), quantity.parse(limits.get(resource))
        overcommit = _is_native(resource) and not resource.startswith("hugepages-")
        if resource in limits and asked is not None and limit is not None:
            if asked[0] != limit[0] and not overcommit:
                problems.append(invalid(requests_path, quantity.canonical(amount),
                                        f"must be equal to {resource} limit of {quantity.canonical(limits[resource])}"))
            elif asked[0] > limit[0]:
                problems.append(invalid(
                    requests_path, quantity.canonical(amount),
                    f"must be less than or equal to {resource} limit of {quantity.canonical(limits[resource])}",
                ))
        elif resource not in limits and not overcommit:
            problems.append(required(child(path, "limits"), "Limit must be set for non overcommitable resources"))
    return problems
