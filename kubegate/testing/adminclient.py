"""The embedding API's own client: requests as kubernetes-admin, over the server's real TLS.

`Server.apply` and `Server.token` go through the API like any client (admission, validation
and the fault rules apply to them too), with the admin certificate of the cluster PKI.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from kubegate import pki


class RequestFailed(RuntimeError):
    """The server refused a request of the embedding API; `code` and `status` are its answer."""

    def __init__(self, message: str, *, code: int, status: Any) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class AdminClient:
    """One aiohttp session as kubernetes-admin; create and use it on the server's loop."""

    def __init__(self, url: str, files: pki.PkiFiles) -> None:
        context = ssl.create_default_context(cafile=str(files.ca_cert))
        context.load_cert_chain(str(files.admin_cert), str(files.admin_key))
        self._url = url
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))

    async def close(self) -> None:
        await self._session.close()

    async def send(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        """(status code, the body as JSON, or as text when it is not JSON)."""
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        async with self._session.request(method, self._url + path, data=body, headers=headers) as response:
            raw = await response.read()
        try:
            return response.status, orjson.loads(raw)
        except orjson.JSONDecodeError:
            return response.status, raw.decode(errors="replace")

    async def token(
        self, serviceaccount: str, namespace: str, *, audiences: Sequence[str], expiration_seconds: int | None,
    ) -> str:
        """A TokenRequest for the ServiceAccount, which is created first if it does not exist."""
        accounts = f"/api/v1/namespaces/{quote(namespace, safe='')}/serviceaccounts"
        spec: dict[str, Any] = {"audiences": list(audiences)} if audiences else {}
        if expiration_seconds is not None:
            spec["expirationSeconds"] = expiration_seconds
        request = orjson.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec})
        path = f"{accounts}/{quote(serviceaccount, safe='')}/token"
        code, answer = await self.send("POST", path, request, "application/json")
        if code == 404 and _details_kind(answer) == "serviceaccounts":
            account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": serviceaccount}}
            made, status = await self.send("POST", accounts, orjson.dumps(account), "application/json")
            if made != 201:
                raise RequestFailed(f"ServiceAccount {namespace}/{serviceaccount}: {_message(status)}", code=made, status=status)
            code, answer = await self.send("POST", path, request, "application/json")
        if code != 201:
            raise RequestFailed(f"TokenRequest for {namespace}/{serviceaccount}: {_message(answer)}", code=code, status=answer)
        return str(answer["status"]["token"])


def _details_kind(answer: Any) -> str:
    details = answer.get("details") if isinstance(answer, dict) else None
    return str(details.get("kind", "")) if isinstance(details, dict) else ""


def _message(answer: Any) -> str:
    return str(answer.get("message", answer)) if isinstance(answer, dict) else str(answer)
