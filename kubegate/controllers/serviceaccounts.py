"""The ServiceAccounts controller: every active namespace has a `default` ServiceAccount.

As kube-controller-manager's `serviceaccount` controller does, it looks at a namespace when the
namespace is added or changes, and when a ServiceAccount in it is deleted, and creates each
ServiceAccount it ensures (only `default`) that is missing, so a deleted `default` comes back.
A namespace that is not Active (being deleted) is left alone, so its purge can finish.
Pods need the account: the ServiceAccount admission plugin refuses pods whose account is
missing.
"""

from __future__ import annotations

from kubegate.controllers.client import ControllerClient, guarded, namespace_active
from kubegate.registry.rest import NAMESPACES
from kubegate.storage.memory import DELETED, Event

SERVICE_ACCOUNTS = ("", "serviceaccounts")
#: the ServiceAccounts ensured in every namespace (DefaultServiceAccountsControllerOptions)
ENSURED = ("default",)


class ServiceAccountsController:
    def __init__(self, client: ControllerClient, *, names: tuple[str, ...] = ENSURED) -> None:
        self._client = client
        self._spec = client.spec("serviceaccounts")
        self._names = names
        client.store.add_listener(self._observe)
        for namespace in list(client.store.scan(NAMESPACES)):
            self.sync(namespace.obj["metadata"]["name"])

    @guarded("serviceaccount controller")
    def _observe(self, event: Event) -> None:
        if event.resource == NAMESPACES and event.type != DELETED:
            self.sync(event.key[1])
        elif event.resource == SERVICE_ACCOUNTS and event.type == DELETED and event.key[1] in self._names:
            self.sync(event.key[0])

    def sync(self, namespace: str) -> None:
        """Create whichever ensured ServiceAccounts `namespace` lacks."""
        store = self._client.store
        if not namespace_active(store, namespace):
            return
        for name in self._names:
            if store.get(SERVICE_ACCOUNTS, (namespace, name)) is None:
                self._client.create(self._spec, namespace, {"metadata": {"name": name}})
