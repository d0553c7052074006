"""The token controller: Secrets of type `kubernetes.io/service-account-token` get their token.

kube-controller-manager's `serviceaccount-token` controller. Its keys name a ServiceAccount or
a token Secret together with the uid (and, for a Secret, the account it named) seen in the event,
so a deletion is still handled once the object has left the cache:

- a token Secret annotated `kubernetes.io/service-account.name` (and optionally `.uid`) whose
  ServiceAccount exists gets `data.token` (a legacy, non-expiring token naming the Secret),
  `data.ca.crt` (the cluster CA) and `data.namespace`, and both annotations; one whose
  ServiceAccount is missing (or has another uid) is deleted;
- deleting a ServiceAccount deletes its token Secrets; deleting a token Secret removes it from
  its ServiceAccount's `.secrets`;
- with `--legacy-service-account-token-secrets` (how clusters before 1.24 behaved) every
  ServiceAccount without a referenced token Secret gets one, `NAME-token-XXXXX`, listed in its
  `.secrets`, so `kubectl get sa X -o jsonpath='{.secrets[0].name}'` finds it.

The legacy token validator accepts such a token while the Secret (still holding it) and the
ServiceAccount (same uid) exist.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubegate.api import meta
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.controllers.client import ControllerClient, namespace_active
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.objects import Event, Stored

SERVICE_ACCOUNTS = ("", "serviceaccounts")
SECRETS = ("", "secrets")

SECRET_TYPE = "kubernetes.io/service-account-token"
NAME_KEY = "kubernetes.io/service-account.name"
UID_KEY = "kubernetes.io/service-account.uid"
TOKEN_KEY = "token"
CA_KEY = "ca.crt"
NAMESPACE_KEY = "namespace"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    annotations = obj["metadata"].get("annotations")
    return annotations if isinstance(annotations, dict) else {}


def is_token_secret(secret: dict[str, Any]) -> bool:
    return secret.get("type") == SECRET_TYPE


def is_token_for(secret: dict[str, Any], account: dict[str, Any]) -> bool:
    """The Secret is a token Secret of this ServiceAccount (name, and uid when annotated)."""
    annotations = _annotations(secret)
    uid = annotations.get(UID_KEY, "")
    return (
        is_token_secret(secret)
        and annotations.get(NAME_KEY) == account["metadata"]["name"]
        and (not uid or uid == account["metadata"].get("uid"))
    )


@dataclass(frozen=True, slots=True)
class AccountKey:
    """A ServiceAccount to look at: the one with this uid, or its tokens if it is gone."""

    namespace: str
    name: str
    uid: str


@dataclass(frozen=True, slots=True)
class SecretKey:
    """A token Secret to look at, with the account it named when the event was seen."""

    namespace: str
    name: str
    uid: str
    account_name: str
    account_uid: str


class TokensController(Controller):
    """Keys are `AccountKey`s and `SecretKey`s."""

    name = "serviceaccount-token"

    def __init__(
        self, informers: Informers, client: ControllerClient, *, issuer: TokenIssuer, root_ca: str, legacy_secrets: bool
    ) -> None:
        super().__init__(informers)
        self._client = client
        self._accounts = client.spec("serviceaccounts")
        self._secrets = client.spec("secrets")
        self._issuer = issuer
        self._root_ca = _b64(root_ca) if root_ca else ""
        self._legacy = legacy_secrets
        self.watch(SERVICE_ACCOUNTS, lambda event: (_account_key(event.stored),))
        self.watch(SECRETS, self._secret_changed)

    def _secret_changed(self, event: Event) -> Iterable[SecretKey]:
        return (_secret_key(event.stored),) if is_token_secret(event.stored.obj) else ()

    def initial_keys(self) -> Iterable[AccountKey | SecretKey]:
        secrets = [_secret_key(s) for s in self.informers.list(SECRETS) if is_token_secret(s.obj)]
        return [*secrets, *(_account_key(account) for account in self.informers.list(SERVICE_ACCOUNTS))]

    async def reconcile(self, key: AccountKey | SecretKey) -> None:
        if isinstance(key, AccountKey):
            await self.sync_service_account(key)
        else:
            await self.sync_secret(key)

    # ServiceAccounts ---------------------------------------------------------------------

    async def sync_service_account(self, key: AccountKey) -> None:
        """Delete the tokens of a gone account; with legacy token Secrets on, give a live one a token."""
        account = self.cache.get(SERVICE_ACCOUNTS, (key.namespace, key.name))
        if account is None or account.obj["metadata"].get("uid") != key.uid:
            await self.delete_tokens(key)
            return
        if not self._legacy or self._referenced_token(account.obj) is not None:
            return
        if not namespace_active(self.cache, key.namespace):
            return
        secret_name = meta.generate_name(f"{key.name}-token-")
        ref = ObjectRef(key.name, key.uid)
        created = await self._client.create(self._secrets, key.namespace, {
            "metadata": {"name": secret_name, "annotations": {NAME_KEY: ref.name, UID_KEY: ref.uid}},
            "type": SECRET_TYPE,
            "data": self._data(key.namespace, ref, secret_name),
        })
        if created is None:
            return
        if not await self._add_reference(key, secret_name):
            # the account changed or went away meanwhile: the token would be nobody's
            await self._client.delete(self._secrets, key.namespace, secret_name, uid=created.obj["metadata"]["uid"])

    def _referenced_token(self, account: dict[str, Any]) -> str | None:
        namespace = account["metadata"]["namespace"]
        for reference in account.get("secrets") or []:
            name = reference.get("name") if isinstance(reference, dict) else None
            secret = self.cache.get(SECRETS, (namespace, name)) if isinstance(name, str) else None
            if secret is not None and is_token_for(secret.obj, account):
                return name
        return None

    async def _add_reference(self, key: AccountKey, secret_name: str) -> bool:
        added = False

        def referenced(live: dict[str, Any]) -> dict[str, Any]:
            nonlocal added
            added = False
            if live["metadata"].get("uid") != key.uid or self._referenced_token(live) is not None:
                return live  # another account now, or another token got there first
            obj = copy.deepcopy(live)
            obj["secrets"] = [*(obj.get("secrets") or []), {"name": secret_name}]
            added = True
            return obj

        return await self._client.change(self._accounts, key.namespace, key.name, referenced) is not None and added

    async def delete_tokens(self, key: AccountKey) -> None:
        """The account is gone: so are its token Secrets."""
        account = {"metadata": {"namespace": key.namespace, "name": key.name, "uid": key.uid}}
        for secret in list(self.cache.scan(SECRETS, namespace=key.namespace)):
            if is_token_for(secret.obj, account):
                metadata = secret.obj["metadata"]
                await self._client.delete(self._secrets, metadata["namespace"], metadata["name"], uid=metadata["uid"])

    # Secrets -----------------------------------------------------------------------------

    async def sync_secret(self, key: SecretKey) -> None:
        """Delete a token Secret whose account is missing; fill in one whose data is incomplete.

        A gone one leaves its account's `.secrets`.
        """
        secret = self.cache.get(SECRETS, (key.namespace, key.name))
        if secret is None or secret.obj["metadata"].get("uid") != key.uid:
            await self.remove_reference(key)
            return
        if not is_token_secret(secret.obj):
            return
        annotations = _annotations(secret.obj)
        account_name, account_uid = annotations.get(NAME_KEY, ""), annotations.get(UID_KEY, "")
        if not account_name:
            return  # validation would have refused it; nothing to act on
        account = self.cache.get(SERVICE_ACCOUNTS, (key.namespace, account_name))
        if account is None or (account_uid and account.obj["metadata"].get("uid") != account_uid):
            await self._client.delete(self._secrets, key.namespace, key.name, uid=key.uid)
            return
        await self._fill(secret, account.obj)

    def _missing(self, secret: dict[str, Any]) -> dict[str, bool]:
        data = secret.get("data")
        data = data if isinstance(data, dict) else {}
        return {
            CA_KEY: bool(self._root_ca) and data.get(CA_KEY) != self._root_ca,
            NAMESPACE_KEY: not data.get(NAMESPACE_KEY),
            TOKEN_KEY: not data.get(TOKEN_KEY),
        }

    async def _fill(self, secret: Stored, account: dict[str, Any]) -> None:
        if not any(self._missing(secret.obj).values()):
            return
        metadata = secret.obj["metadata"]
        ref = ObjectRef(account["metadata"]["name"], account["metadata"]["uid"])

        def filled(live: dict[str, Any]) -> dict[str, Any]:
            missing = self._missing(live)
            if live["metadata"].get("uid") != metadata["uid"] or not any(missing.values()):
                return live  # another Secret now, or filled in meanwhile
            data = live.get("data")
            data = data if isinstance(data, dict) else {}
            wanted = self._data(metadata["namespace"], ref, metadata["name"])
            obj = copy.deepcopy(live)
            obj["data"] = {**data, **{key: wanted[key] for key, needed in missing.items() if needed}}
            obj["metadata"]["annotations"] = {**_annotations(live), NAME_KEY: ref.name, UID_KEY: ref.uid}
            return obj

        await self._client.change(self._secrets, metadata["namespace"], metadata["name"], filled)

    def _data(self, namespace: str, account: ObjectRef, secret_name: str) -> dict[str, str]:
        token = self._issuer.issue_legacy(namespace=namespace, service_account=account, secret_name=secret_name)
        data = {TOKEN_KEY: _b64(token), NAMESPACE_KEY: _b64(namespace)}
        if self._root_ca:
            data[CA_KEY] = self._root_ca
        return data

    async def remove_reference(self, key: SecretKey) -> None:
        """A token Secret is gone: its account no longer lists it."""
        account = self.cache.get(SERVICE_ACCOUNTS, (key.namespace, key.account_name)) if key.account_name else None
        if account is None or not _references(account.obj, key.name):
            return
        if key.account_uid and key.account_uid != account.obj["metadata"].get("uid"):
            return

        def removed(live: dict[str, Any]) -> dict[str, Any]:
            if key.account_uid and key.account_uid != live["metadata"].get("uid"):
                return live
            references = live.get("secrets") or []
            kept = [r for r in references if not (isinstance(r, dict) and r.get("name") == key.name)]
            if len(kept) == len(references):
                return live
            obj = copy.deepcopy(live)
            obj["secrets"] = kept
            if not kept:
                obj.pop("secrets")
            return obj

        await self._client.change(self._accounts, key.namespace, key.account_name, removed)


def _account_key(account: Stored) -> AccountKey:
    metadata = account.obj["metadata"]
    return AccountKey(metadata["namespace"], metadata["name"], metadata.get("uid", ""))


def _secret_key(secret: Stored) -> SecretKey:
    metadata = secret.obj["metadata"]
    annotations = _annotations(secret.obj)
    return SecretKey(
        metadata["namespace"], metadata["name"], metadata.get("uid", ""),
        annotations.get(NAME_KEY, ""), annotations.get(UID_KEY, ""),
    )


def _references(account: dict[str, Any], secret_name: str) -> bool:
    return any(isinstance(r, dict) and r.get("name") == secret_name for r in account.get("secrets") or [])
