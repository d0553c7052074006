"""The baseline: a bare aiohttp + uvloop TLS handler returning fixed bytes.

It uses the same TLS context as kubegate (mutual TLS against the same CA) and serves the exact
bytes kubegate answers for the benchmarked object, so the difference between the two runs is
kubegate's own pipeline: requestinfo, authentication, authorization, lookup and response.
`--body` answers every path; `--route PATH=FILE` (repeatable) answers one path with a file's bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import uvloop
from aiohttp import web

from kubegate.server.tls import server_context


async def main(pki_dir: Path, port: int, body_file: Path | None, routes: list[str]) -> None:
    body = body_file.read_bytes() if body_file is not None else b"{}"
    bodies = {path: Path(file).read_bytes() for path, _, file in (route.partition("=") for route in routes)}

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bodies.get(request.path, body), headers={"Content-Type": "application/json"})

    app = web.Application()
    app.router.add_get("/{path:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = server_context(
        cert_file=pki_dir / "apiserver.crt", key_file=pki_dir / "apiserver.key", client_ca_files=[pki_dir / "ca.crt"]
    )
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    print(f"bare: serving on https://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pki-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path)
    parser.add_argument("--route", action="append", default=[])
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        sys.exit(runner.run(main(args.pki_dir, args.port, args.body, args.route)))
