"""The objects ServiceAccount tokens are checked against, read straight from the store.

kube-apiserver's validators ask a `ServiceAccountTokenGetter` (informer caches with a live
fallback) for the ServiceAccount, Secret, Pod or Node a token names; kubegate reads its own
store, so a deletion takes effect on the very next request. A missing object is the NotFound
message the real getter's fallback GET produces (`serviceaccounts "x" not found`).

The one write: a legacy token in use gets its Secret labelled
`kubernetes.io/legacy-token-last-used: <date>`, once a day, as the real legacy validator does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from kubegate.api import errors, meta
from kubegate.registry.objects import ObjectCache

SERVICE_ACCOUNTS = ("", "serviceaccounts")
SECRETS = ("", "secrets")
PODS = ("", "pods")
NODES = ("", "nodes")

LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used"


class NotFound(LookupError):
    """The named object does not exist; the message is the apiserver's NotFound message."""


#: Writes a change to one stored object (retried on races), for the last-used label.
Touch = Callable[[tuple[str, str], tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]], Coroutine[Any, Any, None]]


class StoreGetter:
    def __init__(self, store: ObjectCache, *, touch: Touch | None = None) -> None:
        self._store = store
        self._touch = touch
        self._pending: set[asyncio.Task[None]] = set()

    def _get(self, resource: tuple[str, str], namespace: str, name: str) -> dict[str, Any]:
        stored = self._store.get(resource, (namespace, name))
        if stored is None:
            raise NotFound(errors.not_found(resource[1], name).message)
        return stored.obj

    def service_account(self, namespace: str, name: str) -> dict[str, Any]:
        return self._get(SERVICE_ACCOUNTS, namespace, name)

    def secret(self, namespace: str, name: str) -> dict[str, Any]:
        return self._get(SECRETS, namespace, name)

    def pod(self, namespace: str, name: str) -> dict[str, Any]:
        return self._get(PODS, namespace, name)

    def node(self, name: str) -> dict[str, Any]:
        return self._get(NODES, "", name)

    def mark_secret_used(self, secret: dict[str, Any]) -> None:
        """Label a legacy token's Secret with today's date (UTC) unless it already says so."""
        now = meta.now()
        today = now.strftime("%Y-%m-%d")
        tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%d")
        metadata = secret["metadata"]
        labels = metadata.get("labels") or {}
        if labels.get(LAST_USED_LABEL) in (today, tomorrow):
            return
        key = (metadata.get("namespace", ""), metadata["name"])
        current = self._store.get(SECRETS, key)
        if current is None or current.obj["metadata"].get("uid") != metadata.get("uid"):
            return
        if self._touch is None:
            return

        def labelled(obj: dict[str, Any]) -> dict[str, Any]:
            labels = {**(obj["metadata"].get("labels") or {}), LAST_USED_LABEL: today}
            return {**obj, "metadata": {**obj["metadata"], "labels": labels}}

        # Written after the answer, as the real authenticator's tracking does not hold up the request.
        task = asyncio.get_running_loop().create_task(self._touch(SECRETS, key, labelled))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
