"""kubegate: a standalone Kubernetes API server double with real authentication and authorization."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Server", "__version__"]

if TYPE_CHECKING:
    from kubegate.testing.server import Server


def __getattr__(name: str) -> Any:
    # `kubegate.Server` pulls in the whole server; `import kubegate` (the CLI, pytest's plugin
    # loading) stays cheap until someone asks for it.
    if name == "Server":
        from kubegate.testing.server import Server

        return Server
    raise AttributeError(f"module 'kubegate' has no attribute {name!r}")
