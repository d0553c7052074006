"""Webhook configuration defaults (admissionregistration/v1 SetDefaults_*Webhook, _Rule,
_ServiceReference): what `kubectl get ... -o yaml` shows of a configuration written without them,
and what admission reads (failurePolicy Fail, matchPolicy Equivalent, selectors `{}`,
timeoutSeconds 10, reinvocationPolicy Never, rule scope `*`, service port 443).
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, dicts, lookup

WEBHOOK: tuple[Default, ...] = (
    Default("failurePolicy", "Fail"),
    Default("matchPolicy", "Equivalent"),
    Default("namespaceSelector", {}),
    Default("objectSelector", {}),
    Default("timeoutSeconds", 10),
)
MUTATING_WEBHOOK: tuple[Default, ...] = (*WEBHOOK, Default("reinvocationPolicy", "Never"))
RULE: tuple[Default, ...] = (Default("scope", "*"),)
SERVICE_REFERENCE: tuple[Default, ...] = (Default("port", 443),)


def _webhooks_defaults(obj: dict[str, Any], rows: tuple[Default, ...]) -> None:
    for webhook in dicts(obj.get("webhooks")):
        apply(webhook, rows)
        for rule in dicts(webhook.get("rules")):
            apply(rule, RULE)
        service = lookup(webhook, "clientConfig.service")
        if isinstance(service, dict):
            apply(service, SERVICE_REFERENCE)


def mutating_webhook_configuration_defaults(obj: dict[str, Any]) -> None:
    _webhooks_defaults(obj, MUTATING_WEBHOOK)


def validating_webhook_configuration_defaults(obj: dict[str, Any]) -> None:
    _webhooks_defaults(obj, WEBHOOK)
