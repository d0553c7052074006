"""Status bodies the real server answers with, byte for byte, for tests that compare whole bodies."""

from __future__ import annotations

from typing import Any

#: Every refused credential gets this body, whichever authenticator refused it.
UNAUTHORIZED: dict[str, Any] = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}
