"""WATCH: a chunked stream of newline-delimited events, resumable from a resourceVersion.

resourceVersion unset or "0" starts with the current objects as ADDED events; a number resumes
after that revision from the store's history (410 Expired as an ERROR event when too old). With
selectors, an object that starts or stops matching is reported as ADDED or DELETED, as the
real watch cache does. The stream ends at timeoutSeconds, or at a random 30-60 minutes as the
real server's default.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, bool_param, int_param, resolve_target
from kubegate.endpoints.handlers.list import list_options
from kubegate.endpoints.handlers.tabling import table_for
from kubegate.endpoints.negotiation import Output
from kubegate.registry.rest import ListOptions
from kubegate.storage.memory import ADDED, DELETED, MODIFIED, Event, Stored

MIN_REQUEST_TIMEOUT = 1800
BOOKMARK_INTERVAL = 60.0


class _Encoder:
    """Turns (type, object) into one line of the stream, as JSON objects or one-row Tables."""

    def __init__(self, request: web.Request, target: Target) -> None:
        self._request = request
        self._target = target
        self._table = target.accepted.output is Output.TABLE
        self._headers_sent = False

    def event(self, event_type: str, stored: Stored) -> bytes:
        if not self._table:
            return b'{"type":"' + event_type.encode() + b'","object":' + stored.raw + b"}\n"
        table = table_for(self._request, self._target.spec, [stored.obj], resource_version=str(stored.revision))
        if self._headers_sent:
            table["columnDefinitions"] = None
        self._headers_sent = True
        return orjson.dumps({"type": event_type, "object": table}) + b"\n"

    def bookmark(self, revision: int) -> bytes:
        spec = self._target.spec
        obj = {"kind": spec.kind, "apiVersion": spec.api_version, "metadata": {"resourceVersion": str(revision)}}
        return orjson.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"

    @staticmethod
    def error(error: errors.StatusError) -> bytes:
        return orjson.dumps({"type": "ERROR", "object": error.to_status()}) + b"\n"


def _matcher(request: web.Request, target: Target, options: ListOptions) -> Callable[[dict[str, Any]], bool] | None:
    rest = server_of(request).rest
    return rest._matcher(target.spec, options)


def _translate(event: Event, matches: Callable[[dict[str, Any]], bool] | None) -> tuple[str, Stored] | None:
    """What a watcher with selectors sees of a change."""
    if matches is None:
        return event.type, event.stored
    now_matches = event.type != DELETED and matches(event.stored.obj)
    was_matching = event.previous is not None and matches(event.previous.obj)
    if event.type == ADDED:
        return (ADDED, event.stored) if now_matches else None
    if event.type == DELETED:
        return (DELETED, event.stored) if was_matching else None
    if now_matches:
        return (MODIFIED if was_matching else ADDED), event.stored
    return (DELETED, event.stored) if was_matching else None


async def watch(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="watch")
    query = request.rel_url.query
    options = list_options(request)
    options = ListOptions(options.label_selector, options.field_selector)
    matches = _matcher(request, target, options)
    timeout = int_param(query, "timeoutSeconds", default=0) or MIN_REQUEST_TIMEOUT * (1 + random.random())
    bookmarks = bool_param(query, "allowWatchBookmarks")
    server = server_of(request)
    encoder = _Encoder(request, target)
    since_text = query.get("resourceVersion", "")

    initial: list[Stored] = []
    failure: errors.StatusError | None = None
    watcher = None
    backlog: list[Event] = []
    try:
        if since_text in ("", "0"):
            result = server.rest.list(target.spec, target.namespace, options)
            initial = result.items
            watcher, backlog = server.rest.watch(target.spec, target.namespace, since=result.revision)
        else:
            try:
                since = int(since_text)
            except ValueError:
                raise errors.bad_request(f'invalid resource version: "{since_text}"') from None
            watcher, backlog = server.rest.watch(target.spec, target.namespace, since=since)
    except errors.StatusError as error:
        if error.code != 410:
            raise
        failure = error

    response = web.StreamResponse(headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    if failure is not None or watcher is None:
        if failure is not None:
            await response.write(encoder.error(failure))
        await response.write_eof()
        return response

    deadline = time.monotonic() + timeout
    try:
        chunk = b"".join(encoder.event(ADDED, stored) for stored in initial)
        for event in backlog:
            seen = _translate(event, matches)
            if seen is not None:
                chunk += encoder.event(*seen)
        if chunk:
            await response.write(chunk)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                next_event: Event | None = await asyncio.wait_for(
                    watcher.queue.get(), min(remaining, BOOKMARK_INTERVAL)
                )
            except TimeoutError:
                if bookmarks and time.monotonic() < deadline:
                    await response.write(encoder.bookmark(server.store.revision))
                continue
            if next_event is None:
                break
            seen = _translate(next_event, matches)
            if seen is not None:
                await response.write(encoder.event(*seen))
    finally:
        watcher.stop()
    try:
        await response.write_eof()
    except ConnectionResetError:
        pass
    return response
