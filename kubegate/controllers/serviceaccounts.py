"""The ServiceAccounts controller: every active namespace has a `default` ServiceAccount.

As kube-controller-manager's `serviceaccount` controller does, it looks at a namespace when the
namespace is added or changes, and when a ServiceAccount in it is deleted, and creates each
ServiceAccount it ensures (only `default`) that is missing, so a deleted `default` comes back.
A namespace that is not Active (being deleted) is left alone, so its purge can finish.
Pods need the account: the ServiceAccount admission plugin refuses pods whose account is
missing.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubegate.controllers.client import ControllerClient, namespace_active
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.objects import DELETED, Event
from kubegate.registry.rest import NAMESPACES

SERVICE_ACCOUNTS = ("", "serviceaccounts")
#: the ServiceAccounts ensured in every namespace (DefaultServiceAccountsControllerOptions)
ENSURED = ("default",)


class ServiceAccountsController(Controller):
    """Keys are namespace names."""

    name = "serviceaccount"

    def __init__(self, informers: Informers, client: ControllerClient, *, names: tuple[str, ...] = ENSURED) -> None:
        super().__init__(informers)
        self._client = client
        self._spec = client.spec("serviceaccounts")
        self._names = names
        self.watch(NAMESPACES, self._namespace_changed)
        self.watch(SERVICE_ACCOUNTS, self._account_deleted)

    def _namespace_changed(self, event: Event) -> Iterable[str]:
        return () if event.type == DELETED else (event.key[1],)

    def _account_deleted(self, event: Event) -> Iterable[str]:
        return (event.key[0],) if event.type == DELETED and event.key[1] in self._names else ()

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(NAMESPACES)]

    async def reconcile(self, namespace: str) -> None:
        """Create whichever ensured ServiceAccounts `namespace` lacks."""
        if not namespace_active(self.cache, namespace):
            return
        for name in self._names:
            if self.cache.get(SERVICE_ACCOUNTS, (namespace, name)) is None:
                await self._client.create(self._spec, namespace, {"metadata": {"name": name}})
