"""Certificates for embedded servers: one cluster PKI per process, kubeconfigs per identity.

Keys and the CA are the slow part of a start (RSA especially), and a test suite starting a
server per test would pay for them every time; so every `Server` without a `pki_dir` of its own
shares one PKI, generated on first use into a private temporary directory removed at exit.
Each server then writes kubeconfigs for its own port.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from kubegate import pki

_lock = threading.Lock()
_shared: dict[str, pki.PkiFiles] = {}

#: The URL `ensure_pki` writes into the shared PKI's own admin.kubeconfig, which no server uses.
_PLACEHOLDER_URL = "https://127.0.0.1:6443"


def shared_pki(*, key_type: str = "ecdsa", extra_sans: Sequence[str] = ()) -> pki.PkiFiles:
    """This process's PKI for `key_type` (extra serving SANs get a PKI of their own)."""
    key = f"{key_type}:{','.join(extra_sans)}"
    with _lock:
        files = _shared.get(key)
        if files is None:
            directory = Path(tempfile.mkdtemp(prefix="kubegate-pki-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            files = _shared[key] = pki.ensure_pki(
                directory, server_url=_PLACEHOLDER_URL, key_type=key_type, extra_sans=extra_sans
            )
        return files


def write_user_kubeconfig(
    directory: Path,
    *,
    files: pki.PkiFiles,
    server_url: str,
    user: str,
    groups: Sequence[str] = (),
    namespace: str | None = None,
    key_type: str = "ecdsa",
) -> Path:
    """A new client certificate from the cluster CA for `user` in `groups`, in a kubeconfig of its own."""
    ca_cert, ca_key = files.ca_cert.read_bytes(), files.ca_key.read_bytes()
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user=user, groups=groups, key_type=key_type)
    config = pki.build_kubeconfig(
        server_url=server_url, ca_pem=ca_cert, user_name=user, client_cert_pem=cert, client_key_pem=key,
        namespace=namespace,
    )
    path = _unused(directory, user)
    pki.write_kubeconfig(path, config, overwrite=False)
    return path


def write_admin_kubeconfig(directory: Path, *, files: pki.PkiFiles, server_url: str) -> Path:
    """kubernetes-admin (system:masters) at this server's URL."""
    config = pki.build_kubeconfig(
        server_url=server_url, ca_pem=files.ca_cert.read_bytes(), user_name=pki.ADMIN_USER,
        client_cert_pem=files.admin_cert.read_bytes(), client_key_pem=files.admin_key.read_bytes(),
    )
    path = directory / "admin.kubeconfig"
    pki.write_kubeconfig(path, config)
    return path


def _unused(directory: Path, user: str) -> Path:
    """`jane.kubeconfig`, or `jane-2.kubeconfig` when jane already has one (other groups, say)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", user).lstrip(".") or "_"
    path, count = directory / f"{stem}.kubeconfig", 1
    while path.exists():
        count += 1
        path = directory / f"{stem}-{count}.kubeconfig"
    return path
