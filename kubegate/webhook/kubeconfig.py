"""Reading a webhook's kubeconfig-shaped configuration file.

kube-apiserver reads `--authentication-token-webhook-config-file` (and the authorization twin)
as a kubeconfig: the cluster is the remote service (`server`, its CA), the user is how the API
server authenticates to it (client certificate, bearer token, basic auth). Relative file paths
are relative to the file itself, as client-go resolves them. The context named by
`current-context` is used; without one, the file's only cluster and only user.

Anything unusable stops the server at start with a message naming the file and the field.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from kubegate.config import ConfigError


class WebhookConfigError(ConfigError):
    """The webhook configuration file cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class WebhookClientConfig:
    """Where to POST and how: the URL, TLS settings and any Authorization header."""

    server: str
    ssl_context: ssl.SSLContext | None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: `tls-server-name`: the name the serving certificate is checked against, if not the host
    server_name: str | None = None


def load_kubeconfig(path: Path) -> WebhookClientConfig:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise WebhookConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise WebhookConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise WebhookConfigError(f"{path}: expected a kubeconfig (a mapping with clusters and users)")
    reader = _Reader(path)
    cluster_field, cluster = reader.pick(data, "cluster")
    user_field, user = reader.pick(data, "user", required=False)
    server = reader.string(cluster, f"{cluster_field}.server", required=True)
    parts = urlsplit(server)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookConfigError(f"{path}: {cluster_field}.server: {server!r} is not an http(s) URL")
    context = None
    if parts.scheme == "https":
        context = _ssl_context(reader, cluster, cluster_field, user, user_field)
    server_name = reader.string(cluster, f"{cluster_field}.tls-server-name") or None
    return WebhookClientConfig(server, context, _auth_headers(reader, user, user_field), server_name)


def _ssl_context(
    reader: _Reader, cluster: dict[str, Any], cluster_field: str, user: dict[str, Any], user_field: str
) -> ssl.SSLContext:
    ca_pem = reader.file_or_data(cluster, cluster_field, "certificate-authority")
    try:
        context = ssl.create_default_context(cadata=ca_pem.decode() if ca_pem else None)
    except (ssl.SSLError, ValueError, UnicodeDecodeError) as exc:
        raise reader.error(f"{cluster_field}.certificate-authority", f"not a PEM certificate bundle ({exc})") from None
    if cluster.get("insecure-skip-tls-verify") is True:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert_pem = reader.file_or_data(user, user_field, "client-certificate")
    key_pem = reader.file_or_data(user, user_field, "client-key")
    if bool(cert_pem) != bool(key_pem):
        raise reader.error(user_field, "client-certificate and client-key must be given together")
    if cert_pem and key_pem:
        _load_client_pair(reader, context, cert_pem, key_pem, user_field)
    return context


def _load_client_pair(reader: _Reader, context: ssl.SSLContext, cert: bytes, key: bytes, where: str) -> None:
    # The ssl module only loads key pairs from files: a private temporary file, gone at once.
    with tempfile.TemporaryDirectory(prefix="kubegate-webhook-") as directory:
        pair = Path(directory) / "pair.pem"
        fd = os.open(pair, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(cert.rstrip(b"\n") + b"\n" + key)
        try:
            context.load_cert_chain(str(pair))
        except ssl.SSLError as exc:
            raise reader.error(where, f"client certificate and key do not load ({exc.reason or exc})") from None


def _auth_headers(reader: _Reader, user: dict[str, Any], user_field: str) -> dict[str, str]:
    for unsupported in ("exec", "auth-provider"):
        if user.get(unsupported):
            raise reader.error(f"{user_field}.{unsupported}", "not supported for webhooks (use a token or a client certificate)")
    token = reader.string(user, f"{user_field}.token")
    token_file = reader.string(user, f"{user_field}.tokenFile")
    if not token and token_file:
        token = reader.read(token_file, f"{user_field}.tokenFile").decode().strip()
    if token:
        return {"Authorization": f"Bearer {token}"}
    username = reader.string(user, f"{user_field}.username")
    if username:
        password = reader.string(user, f"{user_field}.password")
        basic = base64.b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}
    return {}


class _Reader:
    """Field access that names the file and the field in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, where: str, message: str) -> WebhookConfigError:
        return WebhookConfigError(f"{self.path}: {where}: {message}")

    def pick(self, data: dict[str, Any], kind: str, *, required: bool = True) -> tuple[str, dict[str, Any]]:
        """The cluster or user the current context names, else the file's only one."""
        plural = f"{kind}s"
        entries = data.get(plural) or []
        if not isinstance(entries, list):
            raise self.error(plural, "must be a list")
        wanted = self._context_ref(data, kind)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.error(f"{plural}[{index}]", "must be a mapping")
            if wanted is None or entry.get("name") == wanted:
                if wanted is None and len(entries) > 1:
                    raise self.error(plural, f"several {plural} and no current-context to choose one")
                body = entry.get(kind) or {}
                if not isinstance(body, dict):
                    raise self.error(f"{plural}[{index}].{kind}", "must be a mapping")
                return f"{plural}[{index}].{kind}", body
        if wanted is not None:
            raise self.error(plural, f"no {kind} named {wanted!r} (named by the current context)")
        if required:
            raise self.error(plural, f"at least one {kind} is required")
        return plural, {}

    def _context_ref(self, data: dict[str, Any], kind: str) -> str | None:
        current = data.get("current-context")
        if not current:
            return None
        for entry in data.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") == current:
                context = entry.get("context") or {}
                ref = context.get(kind) if isinstance(context, dict) else None
                return str(ref) if ref else None
        raise self.error("current-context", f"no context named {current!r}")

    def string(self, data: dict[str, Any], where: str, *, required: bool = False) -> str:
        value = data.get(where.rsplit(".", 1)[-1])
        if value is None or value == "":
            if required:
                raise self.error(where, "is required")
            return ""
        if not isinstance(value, str):
            raise self.error(where, "must be a string")
        return value

    def read(self, name: str, where: str) -> bytes:
        file = Path(name)
        if not file.is_absolute():
            file = self.path.parent / file
        try:
            return file.read_bytes()
        except OSError as exc:
            raise self.error(where, f"cannot read {file}: {exc.strerror}") from None

    def file_or_data(self, data: dict[str, Any], where: str, name: str) -> bytes:
        """`<name>-data` (base64) or the file `<name>` names; empty when neither is set."""
        encoded = self.string(data, f"{where}.{name}-data")
        if encoded:
            try:
                return base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise self.error(f"{where}.{name}-data", "is not valid base64") from None
        file_name = self.string(data, f"{where}.{name}")
        return self.read(file_name, f"{where}.{name}") if file_name else b""
