"""The resource quota controller: each ResourceQuota's status says what it limits and what is used.

As kube-controller-manager's `resourcequota` controller: `status.hard` copies `spec.hard`, and
`status.used` is recounted from the namespace's objects whenever the quota or an object in its
namespace changes (admission charges usage as objects are written; this is what makes it exact
again when objects go away or finish). Quantities keep the units the hard limit was written in.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.objects import Event
from kubegate.registry.quota import evaluators
from kubegate.registry.quota.amounts import Amounts, add, text

RESOURCE_QUOTAS = ("", "resourcequotas")
QuotaKey = tuple[str, str]
#: quota resource names counted from objects other than their `count/` form
COUNTED_FROM = {
    "configmaps": ("", "configmaps"), "secrets": ("", "secrets"), "resourcequotas": RESOURCE_QUOTAS,
    "replicationcontrollers": ("", "replicationcontrollers"), "services": ("", "services"),
    "services.nodeports": ("", "services"), "services.loadbalancers": ("", "services"),
    "persistentvolumeclaims": ("", "persistentvolumeclaims"), "requests.storage": ("", "persistentvolumeclaims"),
}


def counted_resource(name: str) -> tuple[str, str]:
    """The (group, plural) whose objects a quota resource name counts."""
    if name.startswith("count/"):
        plural, _, group = name.removeprefix("count/").partition(".")
        return group, plural
    if name in COUNTED_FROM:
        return COUNTED_FROM[name]
    if evaluators.STORAGE_CLASS_SUFFIX in name:
        return ("", "persistentvolumeclaims")
    return ("", "pods")  # pods, cpu, memory, requests.*, limits.*


class ResourceQuotaController(Controller):
    """Keys are (namespace, quota name)."""

    name = "resourcequota"

    def __init__(self, informers: Informers, client: ControllerClient) -> None:
        super().__init__(informers)
        self._client = client
        self._spec = client.spec("resourcequotas")
        self.watch(None, self._changed)

    def _changed(self, event: Event) -> Iterable[QuotaKey]:
        if event.resource == RESOURCE_QUOTAS:
            return (event.key,)
        namespace = event.key[0]
        if not namespace:
            return ()
        return [(namespace, stored.obj["metadata"]["name"])
                for stored in self.cache.scan(RESOURCE_QUOTAS, namespace=namespace)]

    def initial_keys(self) -> Iterable[QuotaKey]:
        return [(stored.obj["metadata"]["namespace"], stored.obj["metadata"]["name"])
                for stored in self.cache.scan(RESOURCE_QUOTAS)]

    async def reconcile(self, key: QuotaKey) -> None:
        namespace, name = key
        stored = self.cache.get(RESOURCE_QUOTAS, key)
        if stored is None:
            return
        hard = dict((stored.obj.get("spec") or {}).get("hard") or {})
        used = self._used(stored.obj, namespace, set(hard))
        wanted = {"hard": hard, "used": {resource: text(used.get(resource, Decimal(0)), hard[resource])
                                         for resource in hard}}
        if stored.obj.get("status") == wanted:
            return

        def recounted(live: dict[str, Any]) -> dict[str, Any]:
            return {**live, "status": wanted}

        await self._client.change(self._spec, namespace, name, recounted, subresource="status")

    def _used(self, quota: dict[str, Any], namespace: str, tracked: set[str]) -> Amounts:
        total: Amounts = {}
        for group, plural in sorted({counted_resource(resource) for resource in tracked}):
            for stored in self.cache.scan((group, plural), namespace=namespace):
                if evaluators.scopes_select(quota, group, plural, stored.obj):
                    usage = evaluators.usage(group, plural, stored.obj)
                    total = add(total, {r: a for r, a in usage.items() if r in tracked})
        return total
