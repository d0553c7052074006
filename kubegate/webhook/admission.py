"""POSTing an AdmissionReview to an admission webhook, failing with the real client's words.

kube-apiserver calls admission webhooks through a client-go REST client: one POST of JSON to
the webhook's URL with `?timeout=Ns` appended (its deadline, in whole seconds), TLS verified
against the configuration's caBundle (the system's roots without one) for the URL's host or,
for a service, `NAME.NAMESPACE.svc`; no retries. Its errors are Go's, and users read them in
the Status they get back, so they are reproduced: `Post "URL": dial tcp 127.0.0.1:9443:
connect: connection refused`, `Post "URL": context deadline exceeded`, `Post "URL": tls:
failed to verify certificate: x509: certificate signed by unknown authority`, and for answers
that are not 2xx the REST client's texts (`an error on the server ("boom") has prevented the
request from succeeding`, or the message of a Status the webhook sent).

Each call opens its own session: admission calls are few, and nothing can leak past the call.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from cryptography import x509

from kubegate.webhook.client import WebhookError, read_bounded

MAX_ANSWER_BYTES = 32 * 1024 * 1024
_UNSTRUCTURED_TEXT_BYTES = 2048
_CONTEXTS: dict[bytes, ssl.SSLContext] = {}
_HOSTNAME_MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
_TIME_INVALID = {9, 10}  # X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL")


class BadBundle(Exception):
    """The caBundle does not load (the REST client cannot be built); message as client-go's."""


class CallFailed(Exception):
    """No usable answer: the message is what follows `failed to call webhook: `."""


@dataclass(frozen=True, slots=True)
class Destination:
    #: the URL as the real server shows it, `?timeout=Ns` included
    url: str
    #: where to connect: the URL's host, or the address a service resolved to
    host: str
    port: int
    #: the name the serving certificate must hold
    server_name: str
    #: PEM certificates to trust; empty for the system's roots
    ca_bundle: bytes = b""
    #: "https" (an `http` URL is called in clear, as client-go would; the API forbids them)
    scheme: str = "https"


def context_for(bundle: bytes) -> ssl.SSLContext:
    """A client context trusting `bundle` (cached per bundle), or `BadBundle`."""
    context = _CONTEXTS.get(bundle)
    if context is None:
        try:
            context = ssl.create_default_context(cadata=bundle.decode("ascii")) if bundle else ssl.create_default_context()
        except (ssl.SSLError, ValueError, UnicodeDecodeError):
            raise BadBundle("unable to load root certificates: unable to parse bytes as PEM block") from None
        if len(_CONTEXTS) > 64:
            _CONTEXTS.clear()
        _CONTEXTS[bundle] = context
    return context


def _host_text(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _TransportError(Exception):
    """The request did not get an answer; the message is Go's (what follows `Post "URL": `)."""


class _Unreachable(_TransportError):
    """The connection was refused or could not be made: Go's dialer tries the next address."""


class _Answered(CallFailed):
    """The webhook answered, but not with what the REST client accepts (the text stands alone)."""


async def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _TransportError(f"dial tcp: lookup {host}: no such host") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def post(destination: Destination, body: dict[str, Any], *, timeout: float) -> Any:
    """The decoded JSON the webhook answered, or `CallFailed` / `BadBundle`."""
    context = context_for(destination.ca_bundle)
    payload = orjson.dumps(body)
    try:
        async with asyncio.timeout(timeout):
            first: _Unreachable | None = None
            for address in await _addresses(destination.host, destination.port):
                try:
                    return await _post_once(destination, address, payload, context)
                except _Unreachable as unreachable:
                    first = first or unreachable
            raise first or _TransportError("dial tcp: no suitable address found")
    except TimeoutError:
        raise CallFailed(f'Post "{destination.url}": context deadline exceeded') from None
    except _TransportError as error:
        raise CallFailed(f'Post "{destination.url}": {error}') from None


async def _post_once(destination: Destination, address: str, payload: bytes, context: ssl.SSLContext) -> Any:
    target = _host_text(address, destination.port)
    shown = urlsplit(destination.url)  # sent as the Host header and request target; dialled at `address`
    path_and_query = f"{shown.path or '/'}?{shown.query}" if shown.query else shown.path or "/"
    headers = {"Content-Type": "application/json", "Accept": "application/json, */*", "Host": shown.netloc}
    secure = destination.scheme == "https"
    connector = aiohttp.TCPConnector(ssl=context if secure else False, force_close=True)
    try:
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(
                f"{destination.scheme}://{target}{path_and_query}", data=payload, headers=headers,
                server_hostname=destination.server_name if secure else None,
            ) as response,
        ):
            try:
                raw = await read_bounded(response, MAX_ANSWER_BYTES)
            except WebhookError as too_large:
                raise _TransportError(str(too_large)) from None
            return _decode(response.status, response.headers.get("Content-Type", ""), raw)
    except aiohttp.ClientConnectorCertificateError as error:
        raise _TransportError(
            "tls: failed to verify certificate: "
            + await _x509_text(error.certificate_error, address, destination.port, destination.server_name)
        ) from None
    except aiohttp.ClientConnectorSSLError as error:
        raise _TransportError(_tls_text(error.os_error)) from None
    except aiohttp.ClientConnectorError as error:
        if isinstance(error.os_error, ConnectionRefusedError):
            raise _Unreachable(f"dial tcp {target}: connect: connection refused") from None
        reason = error.os_error.strerror or str(error.os_error)
        raise _Unreachable(f"dial tcp {target}: connect: {reason.lower()}") from None
    except aiohttp.ServerDisconnectedError:
        raise _TransportError("EOF") from None
    except aiohttp.ClientOSError as error:
        if error.errno == errno.ECONNRESET:
            raise _TransportError("read: connection reset by peer") from None
        raise _TransportError(str(error) or type(error).__name__) from None
    except aiohttp.ClientError as error:
        raise _TransportError(str(error) or type(error).__name__) from None


def _tls_text(error: OSError) -> str:
    reason = getattr(error, "reason", None) or ""
    if reason in _NOT_TLS:
        return "http: server gave HTTP response to HTTPS client"
    return f"remote error: tls: {str(reason).lower().replace('_', ' ') or 'handshake failure'}"


async def _x509_text(error: Exception, address: str, port: int, server_name: str) -> str:
    """crypto/x509's text for a certificate that does not verify."""
    code = getattr(error, "verify_code", 0)
    if code not in _HOSTNAME_MISMATCH | _TIME_INVALID:
        return "x509: certificate signed by unknown authority"
    certificate = await _peer_certificate(address, port, server_name)
    if certificate is None:
        return "x509: certificate signed by unknown authority"
    if code in _TIME_INVALID:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if code == 10:
            bound = certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
            return f"x509: certificate has expired or is not yet valid: current time {now} is after {bound}"
        bound = certificate.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"x509: certificate has expired or is not yet valid: current time {now} is before {bound}"
    return _hostname_error(certificate, server_name)


def _hostname_error(certificate: x509.Certificate, host: str) -> str:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = names.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    try:
        ipaddress.ip_address(host)
    except ValueError:
        valid = ", ".join(dns)
    else:
        if not ips:
            return f"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        valid = ", ".join(ips)
    if not valid:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {valid}, not {host}"


async def _peer_certificate(address: str, port: int, server_name: str) -> x509.Certificate | None:
    """The serving certificate, read without verifying it, to explain why it did not verify."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(2):
            _, writer = await asyncio.open_connection(address, port, ssl=context, server_hostname=server_name)
            try:
                der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
            finally:
                writer.close()
        return x509.load_der_x509_certificate(der) if der else None
    except (OSError, TimeoutError, ValueError):
        return None


def _decode(status: int, content_type: str, raw: bytes) -> Any:
    """What client-go's Result.Into makes of an answer: the object, or its error text. The
    admission client decodes any content type as JSON (its one serializer has no media type)."""
    if not 200 <= status <= 206:
        try:
            decoded = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict) and decoded.get("kind") == "Status" and decoded.get("status") == "Failure":
            raise _Answered(str(decoded.get("message") or ""))
        media = content_type.split(";", 1)[0].strip().lower()
        text = "unknown"
        if not media or media.startswith("text/"):  # isTextResponse
            text = raw[:_UNSTRUCTURED_TEXT_BYTES].decode("utf-8", "replace").strip()
        raise _Answered(_generic_server_response(status, text))
    if not raw:
        raise _Answered(f"0-length response with status code: {status} and content type: {content_type}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _Answered(f"couldn't get version/kind; json parse error: {error}") from None


#: apimachinery's NewGenericServerResponse texts, by status code
_GENERIC_TEXTS = {
    409: "the server reported a conflict",
    404: "the server could not find the requested resource",
    400: "the server rejected our request for an unknown reason",
    401: "the server has asked for the client to provide credentials",
    405: "the server does not allow this method on the requested resource",
    422: "the server rejected our request due to an error in our request",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted, but may still be processing the request",
    429: "the server has received too many requests and has asked us to try again later",
}


def _generic_server_response(status: int, text: str) -> str:
    if status in (403, 415) or (status == 406 and text not in ("", "unknown")):
        return text
    if status == 406:
        return "the server was unable to respond with a content type that the client supports"
    if status in _GENERIC_TEXTS:
        return _GENERIC_TEXTS[status]
    if status >= 500:
        quoted = orjson.dumps(text).decode()
        return f"an error on the server ({quoted}) has prevented the request from succeeding"
    return f"the server responded with the status code {status} but did not return more information"
