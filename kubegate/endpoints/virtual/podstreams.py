"""Entry points of the pod streaming subresources (log, exec, attach, portforward) that import
their handlers on first use.

Those handlers pull in SPDY framing, WebSocket channels and the simulated kubelet's log and
process model (~70 ms of imports); a server that nobody runs `kubectl exec` or `logs` against
never needs them, so start-up does not pay for them.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.handlers.common import Target


async def get_log(request: web.Request, target: Target) -> web.StreamResponse:
    from kubegate.endpoints.virtual import podlogs

    return await podlogs.get_log(request, target)


async def connect_exec(request: web.Request, target: Target) -> web.StreamResponse:
    """exec and attach, over SPDY (POST) or WebSocket (GET)."""
    from kubegate.endpoints.virtual import podexec

    return await podexec.connect(request, target)


async def connect_portforward(request: web.Request, target: Target) -> web.StreamResponse:
    from kubegate.endpoints.virtual import portforward

    return await portforward.connect(request, target)
