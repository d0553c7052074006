"""The token controller: Secrets of type `kubernetes.io/service-account-token` get their token.

kube-controller-manager's `serviceaccount-token` controller, in kubegate's synchronous form:

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
from typing import Any

from kubegate.api import meta
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.controllers.client import ControllerClient, guarded, namespace_active
from kubegate.storage.memory import DELETED, Event, Stored

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


class TokensController:
    def __init__(self, client: ControllerClient, *, issuer: TokenIssuer, root_ca: str, legacy_secrets: bool) -> None:
        self._client = client
        self._store = client.store
        self._accounts = client.spec("serviceaccounts")
        self._secrets = client.spec("secrets")
        self._issuer = issuer
        self._root_ca = _b64(root_ca) if root_ca else ""
        self._legacy = legacy_secrets
        client.store.add_listener(self._observe)
        for secret in list(self._store.scan(SECRETS)):
            if is_token_secret(secret.obj):
                self.sync_secret(secret.obj["metadata"]["namespace"], secret.obj["metadata"]["name"])
        for account in list(self._store.scan(SERVICE_ACCOUNTS)):
            self.sync_service_account(account.obj["metadata"]["namespace"], account.obj["metadata"]["name"])

    @guarded("serviceaccount-token controller")
    def _observe(self, event: Event) -> None:
        namespace, name = event.key
        if event.resource == SERVICE_ACCOUNTS:
            if event.type == DELETED:
                self.delete_tokens(event.stored.obj)
            else:
                self.sync_service_account(namespace, name)
        elif event.resource == SECRETS and is_token_secret(event.stored.obj):
            if event.type == DELETED:
                self.remove_reference(event.stored.obj)
            else:
                self.sync_secret(namespace, name)

    # ServiceAccounts ---------------------------------------------------------------------

    def sync_service_account(self, namespace: str, name: str) -> None:
        """With legacy token Secrets on, make sure the account references one of its tokens."""
        account = self._store.get(SERVICE_ACCOUNTS, (namespace, name))
        if not self._legacy or account is None or self._referenced_token(account.obj) is not None:
            return
        if not namespace_active(self._store, namespace):
            return
        secret_name = meta.generate_name(f"{name}-token-")
        ref = ObjectRef(name, account.obj["metadata"]["uid"])
        created = self._client.create(self._secrets, namespace, {
            "metadata": {"name": secret_name, "annotations": {NAME_KEY: ref.name, UID_KEY: ref.uid}},
            "type": SECRET_TYPE,
            "data": self._data(namespace, ref, secret_name),
        })
        if created is None:
            return
        if not self._add_reference(namespace, name, ref.uid, secret_name):
            # the account changed or went away meanwhile: the token would be nobody's
            self._client.delete(self._secrets, namespace, secret_name, uid=created.obj["metadata"]["uid"])

    def _referenced_token(self, account: dict[str, Any]) -> str | None:
        namespace = account["metadata"]["namespace"]
        for reference in account.get("secrets") or []:
            name = reference.get("name") if isinstance(reference, dict) else None
            secret = self._store.get(SECRETS, (namespace, name)) if isinstance(name, str) else None
            if secret is not None and is_token_for(secret.obj, account):
                return name
        return None

    def _add_reference(self, namespace: str, name: str, uid: str, secret_name: str) -> bool:
        current = self._store.get(SERVICE_ACCOUNTS, (namespace, name))
        if current is None or current.obj["metadata"].get("uid") != uid:
            return False
        if self._referenced_token(current.obj) is not None:
            return False  # another token got there first
        obj = copy.deepcopy(current.obj)
        obj["secrets"] = [*(obj.get("secrets") or []), {"name": secret_name}]
        return self._client.update(self._accounts, current, obj) is not None

    def delete_tokens(self, account: dict[str, Any]) -> None:
        """The account is gone: so are its token Secrets."""
        for secret in list(self._store.scan(SECRETS, namespace=account["metadata"]["namespace"])):
            if is_token_for(secret.obj, account):
                metadata = secret.obj["metadata"]
                self._client.delete(self._secrets, metadata["namespace"], metadata["name"], uid=metadata["uid"])

    # Secrets -----------------------------------------------------------------------------

    def sync_secret(self, namespace: str, name: str) -> None:
        """Delete a token Secret whose account is missing; fill in one whose data is incomplete."""
        secret = self._store.get(SECRETS, (namespace, name))
        if secret is None or not is_token_secret(secret.obj):
            return
        annotations = _annotations(secret.obj)
        account_name, account_uid = annotations.get(NAME_KEY, ""), annotations.get(UID_KEY, "")
        if not account_name:
            return  # validation would have refused it; nothing to act on
        account = self._store.get(SERVICE_ACCOUNTS, (namespace, account_name))
        if account is None or (account_uid and account.obj["metadata"].get("uid") != account_uid):
            self._client.delete(self._secrets, namespace, name, uid=secret.obj["metadata"]["uid"])
            return
        self._fill(secret, account.obj)

    def _fill(self, secret: Stored, account: dict[str, Any]) -> None:
        data = secret.obj.get("data")
        data = data if isinstance(data, dict) else {}
        missing = {
            CA_KEY: bool(self._root_ca) and data.get(CA_KEY) != self._root_ca,
            NAMESPACE_KEY: not data.get(NAMESPACE_KEY),
            TOKEN_KEY: not data.get(TOKEN_KEY),
        }
        if not any(missing.values()):
            return
        metadata = secret.obj["metadata"]
        ref = ObjectRef(account["metadata"]["name"], account["metadata"]["uid"])
        filled = self._data(metadata["namespace"], ref, metadata["name"])
        obj = copy.deepcopy(secret.obj)
        obj["data"] = {**data, **{key: filled[key] for key, needed in missing.items() if needed}}
        obj["metadata"]["annotations"] = {**_annotations(secret.obj), NAME_KEY: ref.name, UID_KEY: ref.uid}
        self._client.update(self._secrets, secret, obj)

    def _data(self, namespace: str, account: ObjectRef, secret_name: str) -> dict[str, str]:
        token = self._issuer.issue_legacy(namespace=namespace, service_account=account, secret_name=secret_name)
        data = {TOKEN_KEY: _b64(token), NAMESPACE_KEY: _b64(namespace)}
        if self._root_ca:
            data[CA_KEY] = self._root_ca
        return data

    def remove_reference(self, secret: dict[str, Any]) -> None:
        """A token Secret is gone: its account no longer lists it."""
        metadata = secret["metadata"]
        annotations = _annotations(secret)
        account = self._store.get(SERVICE_ACCOUNTS, (metadata["namespace"], annotations.get(NAME_KEY, "")))
        if account is None:
            return
        uid = annotations.get(UID_KEY, "")
        if uid and uid != account.obj["metadata"].get("uid"):
            return
        references = account.obj.get("secrets") or []
        kept = [r for r in references if not (isinstance(r, dict) and r.get("name") == metadata["name"])]
        if len(kept) == len(references):
            return
        obj = copy.deepcopy(account.obj)
        obj["secrets"] = kept
        if not kept:
            obj.pop("secrets")
        self._client.update(self._accounts, account, obj)
