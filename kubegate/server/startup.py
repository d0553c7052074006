"""Why the server could not start, as one line for the user.

A port in use, a certificate that does not parse, a directory the process may not write: each is
reported as `kubegate: error: <what>: <why>` naming the address or file, never as a traceback.
"""

from __future__ import annotations


class StartupError(Exception):
    """The server cannot start; the message names the address or file and the reason."""


def reason(error: OSError) -> str:
    """An OSError's reason as Go prints it: `address already in use`, `permission denied`."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def host_port(host: str, port: int) -> str:
    """`127.0.0.1:6443`, `[::1]:6443`."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
