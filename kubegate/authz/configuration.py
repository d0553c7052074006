"""`--authorization-config`: the AuthorizationConfiguration file, read and checked at start.

The file (`apiserver.config.k8s.io` v1, v1beta1 or v1alpha1, kind AuthorizationConfiguration)
lists the authorizers in order, replacing `--authorization-mode`. It is decoded strictly (an
unknown field is an error), webhook TTLs default to 5m and 30s, and it is validated with the
real field-error messages, e.g. `authorizers[0].timeout: Required value`. Authorizers other than
Webhook appear at most once and must be named after their type in lower case (`rbac`).

Two things the real server accepts kubegate refuses with a clear message: a webhook reached
through `InClusterConfig` (kubegate does not run inside a cluster) and CEL `matchConditions`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubegate.api.gofmt import go_quote
from kubegate.api.meta import dns1123_subdomain_errors
from kubegate.authz.webhook.authorizer import FAILURE_POLICIES, WebhookSettings
from kubegate.authz.webhook.review import VERSIONS
from kubegate.config import ConfigError, parse_duration

GROUP = "apiserver.config.k8s.io"
API_VERSIONS = (f"{GROUP}/v1", f"{GROUP}/v1beta1", f"{GROUP}/v1alpha1")
KIND = "AuthorizationConfiguration"
KNOWN_TYPES = ("ABAC", "AlwaysAllow", "AlwaysDeny", "Node", "RBAC", "Webhook")
REPEATABLE_TYPES = frozenset({"Webhook"})
KUBECONFIG_FILE, IN_CLUSTER = "KubeConfigFile", "InClusterConfig"
MAX_TIMEOUT = 30.0
DEFAULT_AUTHORIZED_TTL, DEFAULT_UNAUTHORIZED_TTL = 300.0, 30.0

#: the fields each object of the file may have, for strict decoding
_KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "": frozenset({"apiVersion", "kind", "authorizers"}),
    "authorizer": frozenset({"type", "name", "webhook"}),
    "webhook": frozenset({
        "authorizedTTL", "unauthorizedTTL", "timeout", "subjectAccessReviewVersion",
        "matchConditionSubjectAccessReviewVersion", "failurePolicy", "connectionInfo", "matchConditions",
    }),
    "connectionInfo": frozenset({"type", "kubeConfigFile"}),
    "matchCondition": frozenset({"expression"}),
}


class AuthorizationConfigurationError(ConfigError):
    pass


@dataclass(frozen=True, slots=True)
class AuthorizerEntry:
    type: str
    name: str
    webhook: WebhookSettings | None = None


def load_authorization_configuration(path: Path) -> tuple[AuthorizerEntry, ...]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise AuthorizationConfigurationError(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None
    try:
        return parse_authorization_configuration(text)
    except AuthorizationConfigurationError as exc:
        raise AuthorizationConfigurationError(f"--authorization-config {path}: {exc}") from None


def parse_authorization_configuration(text: str) -> tuple[AuthorizerEntry, ...]:
    document = _decode(text)
    validator = _Validator()
    entries = [validator.authorizer(i, item) for i, item in enumerate(_list(document.get("authorizers")))]
    if not entries:
        validator.problems.insert(0, "authorizers: Required value: at least one authorization mode must be defined")
    if validator.problems:
        raise AuthorizationConfigurationError(aggregate(validator.problems))
    usable = tuple(e for e in entries if e is not None)
    misnamed = [
        f"expected name {e.type.lower()} for authorizer {e.type} instead of {e.name}"
        for e in usable
        if e.type != "Webhook" and e.name != e.type.lower()
    ]
    if misnamed:
        raise AuthorizationConfigurationError(aggregate(misnamed))
    return usable


def aggregate(messages: list[str]) -> str:
    """apimachinery's aggregate error text: one message as is, several as `[a, b]`."""
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


# decoding ----------------------------------------------------------------------------------


def _fail(message: str) -> AuthorizationConfigurationError:
    return AuthorizationConfigurationError(f"failed to load AuthorizationConfiguration from file: {message}")


def _decode(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(f"error converting YAML to JSON: {exc}") from None
    if data is None:
        return {}  # an empty file is the default configuration, which lists no authorizers
    if not isinstance(data, dict):
        raise _fail("expected an object with apiVersion, kind and authorizers")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not api_version:
        raise _fail("Object 'apiVersion' is missing")
    if not kind:
        raise _fail("Object 'Kind' is missing")
    if api_version not in API_VERSIONS or kind != KIND:
        raise _fail(f"no kind {go_quote(str(kind))} is registered for version {go_quote(str(api_version))}")
    unknown = list(_unknown_fields(data))
    if unknown:
        raise _fail("strict decoding error: " + ", ".join(f"unknown field {go_quote(f)}" for f in unknown))
    if not isinstance(data.get("authorizers") or [], list):
        raise _fail("json: cannot unmarshal authorizers: expected a list")
    return data


def _unknown_fields(data: dict[str, Any]) -> Iterable[str]:
    yield from _unknown_in(data, "", "")
    for i, authorizer in enumerate(_list(data.get("authorizers"))):
        where = f"authorizers[{i}]"
        yield from _unknown_in(authorizer, "authorizer", where)
        webhook = authorizer.get("webhook") if isinstance(authorizer, dict) else None
        yield from _unknown_in(webhook, "webhook", f"{where}.webhook")
        if isinstance(webhook, dict):
            yield from _unknown_in(webhook.get("connectionInfo"), "connectionInfo", f"{where}.webhook.connectionInfo")
            for j, condition in enumerate(_list(webhook.get("matchConditions"))):
                yield from _unknown_in(condition, "matchCondition", f"{where}.webhook.matchConditions[{j}]")


def _unknown_in(obj: Any, kind: str, where: str) -> Iterable[str]:
    if isinstance(obj, dict):
        for key in obj:
            if key not in _KNOWN_FIELDS[kind]:
                yield f"{where}.{key}" if where else str(key)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        kind = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}.get(type(value), "value")
        raise _fail(f"json: cannot unmarshal {kind} into Go struct field {where}.{key} of type string")
    return value


def _duration(obj: dict[str, Any], key: str, where: str) -> float:
    """A metav1.Duration: a Go duration string; absent is zero."""
    text = _text(obj, key, where)
    if not text:
        return 0.0
    try:
        return -parse_duration(text[1:]) if text.startswith("-") else parse_duration(text)
    except ValueError:
        raise _fail(f"time: invalid duration {go_quote(text)}") from None


def go_duration(seconds: float) -> str:
    """time.Duration.String(): `30s`, `1m0s`, `1h30m0s`, `1.5s`."""
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds) * 1e9)
    if total == 0:
        return "0s"
    if total < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if total >= size:
                return sign + f"{total / size:.9f}".rstrip("0").rstrip(".") + unit
    hours, rest = divmod(total, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    secs = f"{rest / 1e9:.9f}".rstrip("0").rstrip(".")
    return sign + (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "") + f"{secs}s"


# validation --------------------------------------------------------------------------------


class _Validator:
    """ValidateAuthorizationConfiguration: collects every field error, in the real order."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._types: set[str] = set()
        self._names: set[str] = set()

    def authorizer(self, index: int, item: Any) -> AuthorizerEntry | None:
        where = f"authorizers[{index}]"
        if not isinstance(item, dict):
            raise _fail(f"json: cannot unmarshal {where}: expected an object")
        kind, name = _text(item, "type", where), _text(item, "name", where)
        if not kind:
            self.problems.append(f"{where}.type: Required value")
            return None
        if kind not in KNOWN_TYPES:
            supported = ", ".join(go_quote(t) for t in KNOWN_TYPES)
            self.problems.append(f"{where}.type: Unsupported value: {go_quote(kind)}: supported values: {supported}")
            return None
        if kind in self._types and kind not in REPEATABLE_TYPES:
            self.problems.append(f"{where}.type: Duplicate value: {go_quote(kind)}")
            return None
        self._types.add(kind)
        if not name:
            self.problems.append(f"{where}.name: Required value")
        elif name in self._names:
            self.problems.append(f"{where}.name: Duplicate value: {go_quote(name)}")
        elif errs := dns1123_subdomain_errors(name):
            self.problems.append(
                f"{where}.name: Invalid value: {go_quote(name)}: authorizer name is invalid: {', '.join(errs)}"
            )
        self._names.add(name)
        webhook = item.get("webhook")
        if kind != "Webhook":
            if webhook is not None:
                self.problems.append(f'{where}.webhook: Invalid value: "non-null": may only be specified when type=Webhook')
            return AuthorizerEntry(kind, name)
        if not isinstance(webhook, dict):
            if webhook is not None:
                raise _fail(f"json: cannot unmarshal {where}.webhook: expected an object")
            self.problems.append(f"{where}.webhook: Required value: required when type=Webhook")
            return None
        return AuthorizerEntry(kind, name, self._webhook(where, name, webhook))

    def _webhook(self, where: str, name: str, webhook: dict[str, Any]) -> WebhookSettings | None:
        # the real validator reports webhook fields under the authorizer's path
        before = len(self.problems)
        timeout = _duration(webhook, "timeout", f"{where}.webhook")
        authorized = _duration(webhook, "authorizedTTL", f"{where}.webhook") or DEFAULT_AUTHORIZED_TTL
        unauthorized = _duration(webhook, "unauthorizedTTL", f"{where}.webhook") or DEFAULT_UNAUTHORIZED_TTL
        if timeout == 0:
            self.problems.append(f"{where}.timeout: Required value")
        elif not 0 < timeout <= MAX_TIMEOUT:
            self.problems.append(f'{where}.timeout: Invalid value: "{go_duration(timeout)}": must be > 0s and <= 30s')
        for field, ttl in (("authorizedTTL", authorized), ("unauthorizedTTL", unauthorized)):
            if ttl < 0:
                self.problems.append(f'{where}.{field}: Invalid value: "{go_duration(ttl)}": must be > 0s')
        version = self._choice(webhook, "subjectAccessReviewVersion", where, VERSIONS, required=True)
        conditions = _list(webhook.get("matchConditions"))
        self._choice(webhook, "matchConditionSubjectAccessReviewVersion", where, ("v1",), required=bool(conditions),
                     detail="required if match conditions are specified")
        policy = self._choice(webhook, "failurePolicy", where, FAILURE_POLICIES, required=True)
        kubeconfig = self._connection(where, webhook.get("connectionInfo"))
        if conditions:
            self.problems.append(
                f"{where}.matchConditions: Forbidden: CEL match conditions are not supported by kubegate; "
                "remove them (an empty list is fine)"
            )
        if len(self.problems) > before or kubeconfig is None:
            return None
        return WebhookSettings(
            kubeconfig=kubeconfig,
            name=name,
            version=version,
            authorized_ttl=authorized,
            unauthorized_ttl=unauthorized,
            timeout=timeout,
            failure_policy=policy,
        )

    def _choice(
        self, webhook: dict[str, Any], field: str, where: str, allowed: tuple[str, ...], *,
        required: bool, detail: str = "",
    ) -> str:
        value = _text(webhook, field, f"{where}.webhook")
        if not value:
            if required:
                self.problems.append(f"{where}.{field}: Required value" + (f": {detail}" if detail else ""))
        elif value not in allowed:
            supported = ", ".join(go_quote(a) for a in allowed)
            self.problems.append(f"{where}.{field}: Unsupported value: {go_quote(value)}: supported values: {supported}")
        return value

    def _connection(self, where: str, info: Any) -> Path | None:
        info = info if isinstance(info, dict) else {}
        kind = _text(info, "type", f"{where}.webhook.connectionInfo")
        file = _text(info, "kubeConfigFile", f"{where}.webhook.connectionInfo")
        field = f"{where}.connectionInfo"
        if not kind:
            self.problems.append(f"{field}.type: Required value")
        elif kind == IN_CLUSTER:
            if "kubeConfigFile" in info:
                self.problems.append(f"{field}.kubeConfigFile: Invalid value: {go_quote(file)}: can only be set when type=KubeConfigFile")
            else:
                self.problems.append(
                    f"{field}.type: Unsupported value: {go_quote(kind)}: kubegate does not run inside a cluster; "
                    f"use {go_quote(KUBECONFIG_FILE)} with a kubeconfig file"
                )
        elif kind == KUBECONFIG_FILE:
            if not file:
                self.problems.append(f"{field}.kubeConfigFile: Required value")
            elif not os.path.isabs(file):
                self.problems.append(f"{field}.kubeConfigFile: Invalid value: {go_quote(file)}: must be an absolute path")
            elif not os.path.exists(file):
                self.problems.append(
                    f"{field}.kubeConfigFile: Invalid value: {go_quote(file)}: error loading file: "
                    f"stat {file}: no such file or directory"
                )
            elif not os.path.isfile(file):
                self.problems.append(f"{field}.kubeConfigFile: Invalid value: {go_quote(file)}: must be a regular file")
            else:
                return Path(file)
        else:
            supported = ", ".join(go_quote(a) for a in (IN_CLUSTER, KUBECONFIG_FILE))
            self.problems.append(f"{field}.type: Unsupported value: {go_quote(kind)}: supported values: {supported}")
        return None
