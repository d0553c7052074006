"""POSTing a review object to a webhook and reading the answer, with kube-apiserver's retries.

Like k8s.io/apiserver's `GenericWebhook`: a request gets a 30 s timeout; a connection reset, or
an answer of 429, 500 or 504 (or any error carrying Retry-After) is retried with exponential
backoff (0.5 s, x1.5, 20 % jitter, 5 attempts); anything else that is not 2xx fails at once.
A refused connection is not retried either: the service is down, and the caller should know now.

Each call opens its own HTTP session: review calls are rare (their answers are cached) and a
session that lives no longer than the call can never leak when the server stops.
"""

from __future__ import annotations

import asyncio
import errno
import random
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from kubegate.webhook.kubeconfig import WebhookClientConfig

DEFAULT_TIMEOUT = 30.0
_RETRY_STATUSES = frozenset({429, 500, 504})
_MAX_ANSWER_BYTES = 4 * 1024 * 1024


class WebhookError(Exception):
    """The webhook could not be asked or gave no usable answer; the message is for the log."""


@dataclass(frozen=True, slots=True)
class Backoff:
    initial: float = 0.5
    factor: float = 1.5
    jitter: float = 0.2
    steps: int = 5

    def delays(self) -> list[float]:
        """The pauses between attempts (one fewer than `steps`)."""
        out, delay = [], self.initial
        for _ in range(self.steps - 1):
            out.append(delay + random.random() * self.jitter * delay)
            delay *= self.factor
        return out


DEFAULT_BACKOFF = Backoff()


class _Retryable(WebhookError):
    pass


class GenericWebhook:
    def __init__(
        self,
        config: WebhookClientConfig,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        self.config = config
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._backoff = backoff

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """The JSON object the webhook answered to `body`, or `WebhookError`."""
        payload = orjson.dumps(body)
        delays = self._backoff.delays()
        while True:
            try:
                return await self._post_once(payload)
            except _Retryable:
                if not delays:
                    raise
                await asyncio.sleep(delays.pop(0))

    async def _post_once(self, payload: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self.config.headers}
        connector = aiohttp.TCPConnector(ssl=self.config.ssl_context or True)
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=self._timeout) as session,
                session.post(
                    self.config.server, data=payload, headers=headers, server_hostname=self.config.server_name
                ) as response,
            ):
                raw = await read_bounded(response, _MAX_ANSWER_BYTES)
                return _answer(response.status, response.headers, raw)
        except (aiohttp.ServerDisconnectedError, ConnectionResetError) as exc:
            raise _Retryable(f"connection reset: {exc}") from None
        except TimeoutError:
            raise WebhookError(f"no answer within {self._timeout.total:g}s") from None
        except aiohttp.ClientError as exc:
            if isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET:
                raise _Retryable(f"connection reset: {exc}") from None
            raise WebhookError(str(exc) or type(exc).__name__) from None


async def read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, or `WebhookError` once it grows past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise WebhookError(f"answer larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, headers: Any, raw: bytes) -> dict[str, Any]:
    if not 200 <= status < 300:
        detail = _status_message(raw) or f"the server responded with the status code {status} but did not return more information"
        error_class = _Retryable if status in _RETRY_STATUSES or "Retry-After" in headers else WebhookError
        raise error_class(f"{status}: {detail}")
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise WebhookError(f"answer is not JSON: {exc}") from None
    if not isinstance(decoded, dict):
        raise WebhookError("answer is not a JSON object")
    return decoded


def _status_message(raw: bytes) -> str:
    """The message of a `Status` error body, if the webhook sent one."""
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return ""
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        return str(decoded["message"])
    return ""
