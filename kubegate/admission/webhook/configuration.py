"""Webhook configurations as records, read from the watch cache with the API's defaults.

A Mutating/ValidatingWebhookConfiguration holds a list of webhooks; each becomes a `Hook` with
every optional field defaulted as admissionregistration/v1 defaults it (failurePolicy Fail,
matchPolicy Equivalent, selectors `{}`, timeoutSeconds 10, reinvocationPolicy Never, rule scope
`*`, service port 443), so a configuration stored without them behaves as on a real cluster.
Hooks come in the order the real plugins call them: configurations sorted by name, then the
webhooks of each in their order. Each has the real uid, `CONFIGURATION/WEBHOOK/N` (N counting
repeated webhook names within one configuration).

Records are cached per configuration and resourceVersion, so a request costs one scan of the
(usually tiny) configuration list.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.api.labels import LabelSelector, selector_from_label_selector_object
from kubegate.registry.objects import ObjectCache, ResourceKey

GROUP = "admissionregistration.k8s.io"
MUTATING = (GROUP, "mutatingwebhookconfigurations")
VALIDATING = (GROUP, "validatingwebhookconfigurations")

FAIL, IGNORE = "Fail", "Ignore"
EQUIVALENT, EXACT = "Equivalent", "Exact"
NEVER, IF_NEEDED = "Never", "IfNeeded"
ALL_SCOPES, CLUSTER_SCOPE, NAMESPACED_SCOPE = "*", "Cluster", "Namespaced"
DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_SERVICE_PORT = 443


@dataclass(frozen=True, slots=True)
class Rule:
    operations: tuple[str, ...]
    api_groups: tuple[str, ...]
    api_versions: tuple[str, ...]
    resources: tuple[str, ...]
    scope: str = ALL_SCOPES


@dataclass(frozen=True, slots=True)
class ServiceReference:
    namespace: str
    name: str
    path: str
    port: int


@dataclass(frozen=True, slots=True)
class ClientConfig:
    url: str
    service: ServiceReference | None
    #: PEM bytes to trust (empty: the system's roots); None when caBundle is not base64
    ca_bundle: bytes | None


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed namespace or object selector, or the reason it does not parse."""

    selector: LabelSelector | None
    error: str = ""


@dataclass(frozen=True, slots=True)
class MatchCondition:
    name: str
    expression: str


@dataclass(frozen=True, slots=True)
class Hook:
    uid: str
    configuration: str
    name: str
    mutating: bool
    client: ClientConfig
    rules: tuple[Rule, ...]
    failure_policy: str
    match_policy: str
    namespace_selector: Selector
    object_selector: Selector
    #: None when the configuration does not say (required by the API; fails at call time)
    side_effects: str | None
    timeout_seconds: int
    admission_review_versions: tuple[str, ...]
    reinvocation_policy: str
    match_conditions: tuple[MatchCondition, ...]

    @property
    def ignores_failures(self) -> bool:
        return self.failure_policy == IGNORE


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


def _selector(value: Any) -> Selector:
    try:
        return Selector(selector_from_label_selector_object(_mapping(value) if value is None else value))
    except errors.StatusError as error:
        return Selector(None, error.message)
    except (AttributeError, TypeError):
        return Selector(None, "invalid label selector")


def _rule(value: Mapping[str, Any]) -> Rule:
    return Rule(
        operations=_strings(value.get("operations")),
        api_groups=_strings(value.get("apiGroups")),
        api_versions=_strings(value.get("apiVersions")),
        resources=_strings(value.get("resources")),
        scope=_text(value.get("scope"), ALL_SCOPES),
    )


def _client(value: Mapping[str, Any]) -> ClientConfig:
    service = value.get("service")
    reference = None
    if isinstance(service, dict):
        port = service.get("port")
        reference = ServiceReference(
            namespace=_text(service.get("namespace")),
            name=_text(service.get("name")),
            path=_text(service.get("path")),
            port=port if isinstance(port, int) and not isinstance(port, bool) and port else DEFAULT_SERVICE_PORT,
        )
    bundle: bytes | None = b""
    encoded = value.get("caBundle")
    if isinstance(encoded, str) and encoded:
        try:
            bundle = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            bundle = None
    return ClientConfig(url=_text(value.get("url")), service=reference, ca_bundle=bundle)


def _timeout(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return DEFAULT_TIMEOUT_SECONDS


def hooks_of(configuration: Mapping[str, Any], *, mutating: bool) -> tuple[Hook, ...]:
    """The webhooks of one stored configuration, defaulted, in their order."""
    config_name = _text(_mapping(configuration.get("metadata")).get("name"))
    webhooks = configuration.get("webhooks")
    seen: dict[str, int] = {}
    out = []
    for item in webhooks if isinstance(webhooks, list) else []:
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name"))
        number = seen.get(name, 0)
        seen[name] = number + 1
        side_effects = item.get("sideEffects")
        conditions = [c for c in item.get("matchConditions") or [] if isinstance(c, dict)]
        out.append(Hook(
            uid=f"{config_name}/{name}/{number}",
            configuration=config_name,
            name=name,
            mutating=mutating,
            client=_client(_mapping(item.get("clientConfig"))),
            rules=tuple(_rule(rule) for rule in item.get("rules") or [] if isinstance(rule, dict)),
            failure_policy=_text(item.get("failurePolicy"), FAIL),
            match_policy=_text(item.get("matchPolicy"), EQUIVALENT),
            namespace_selector=_selector(item.get("namespaceSelector")),
            object_selector=_selector(item.get("objectSelector")),
            side_effects=side_effects if isinstance(side_effects, str) and side_effects else None,
            timeout_seconds=_timeout(item.get("timeoutSeconds")),
            admission_review_versions=_strings(item.get("admissionReviewVersions")),
            reinvocation_policy=_text(item.get("reinvocationPolicy"), NEVER) if mutating else NEVER,
            match_conditions=tuple(
                MatchCondition(_text(c.get("name")), _text(c.get("expression"))) for c in conditions
            ),
        ))  # fmt: skip
    return tuple(out)


class WebhookSource:
    """The hooks of every configuration of one kind, as the watch cache holds them now."""

    def __init__(self, cache: ObjectCache, resource: ResourceKey, *, mutating: bool) -> None:
        self._cache = cache
        self._resource = resource
        self._mutating = mutating
        #: configuration name -> (revision parsed, its hooks)
        self._parsed: dict[str, tuple[int, tuple[Hook, ...]]] = {}

    def hooks(self) -> list[Hook]:
        current: dict[str, tuple[int, tuple[Hook, ...]]] = {}
        for stored in self._cache.scan(self._resource):
            name = str(stored.obj.get("metadata", {}).get("name", ""))
            parsed = self._parsed.get(name)
            if parsed is None or parsed[0] != stored.revision:
                parsed = (stored.revision, hooks_of(stored.obj, mutating=self._mutating))
            current[name] = parsed
        self._parsed = current
        return [hook for name in sorted(current) for hook in current[name][1]]
