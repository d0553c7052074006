"""WATCH: a chunked stream of newline-delimited events, as a 1.32 kube-apiserver sends them.

Where a watch starts (the watch cache's rules, with the WatchList defaulting of 1.32):

* initial events (`sendInitialEvents=true`, which a watch from resourceVersion "" or "0"
  defaults to where the WatchList gate is on, as in 1.32): the current objects as ADDED, then,
  with `allowWatchBookmarks`, a BOOKMARK annotated `k8s.io/initial-events-end: "true"`; at
  resourceVersion N the state must be at least N (waiting for it, else an ERROR event with the
  504). A legacy watch from "" or "0" without the gate (1.31, 1.33) gets the current objects
  but no such bookmark;
* `sendInitialEvents=false`: changes only, after N (or after now for "" and "0");
* resourceVersion N alone: every change after N, or an ERROR event carrying 410 Expired
  (`too old resource version: N (M)`) once N has left the history.

With selectors, an object that starts or stops matching arrives as ADDED or DELETED (the
latter with its last matching content). With `allowWatchBookmarks`, a BOOKMARK with the
current resourceVersion comes every `BOOKMARK_FREQUENCY` seconds and once more 2 s before the
stream's deadline. The stream ends at `timeoutSeconds`, or at a random 30-60 minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.api.fields import EQUALS, FieldSelector
from kubegate.api.listoptions import ListOptions, parse_resource_version
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, resolve_target
from kubegate.endpoints.handlers.list import list_options
from kubegate.endpoints.handlers.tabling import table_for
from kubegate.endpoints.negotiation import Output
from kubegate.registry import conversion
from kubegate.registry.listing import matcher_for, too_large_resource_version
from kubegate.registry.objects import ADDED, DELETED, MODIFIED, Event, Stored, Watcher
from kubegate.storage import cacher as watch_cache

#: --min-request-timeout: a watch without timeoutSeconds ends after 1-2 times this.
MIN_REQUEST_TIMEOUT = 1800
#: How often a watch that allows bookmarks gets one (the watch cache's bookmark frequency).
BOOKMARK_FREQUENCY = 60.0
#: The last bookmark comes this long before the stream's deadline.
PRE_TIMEOUT_BOOKMARK = 2.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"

Matcher = Callable[[dict[str, Any]], bool]


class _Encoder:
    """Turns (type, object) into one line of the stream, as JSON objects or one-row Tables."""

    def __init__(self, request: web.Request, target: Target) -> None:
        self._request = request
        self._target = target
        self.spec = target.spec
        self._table = target.accepted.output is Output.TABLE
        self._headers_sent = False

    def event(self, event_type: str, stored: Stored) -> bytes:
        if not self._table:
            return _json_line(event_type, stored)
        table = table_for(self._request, self._target.spec, [stored.obj], resource_version=str(stored.revision))
        if self._headers_sent:
            table["columnDefinitions"] = None  # only the first event carries the headers
        self._headers_sent = True
        return orjson.dumps({"type": event_type, "object": table}) + b"\n"

    def bookmark(self, revision: int, *, initial_events_end: bool = False) -> bytes:
        spec = self._target.spec
        metadata: dict[str, Any] = {"resourceVersion": str(revision), "creationTimestamp": None}
        if initial_events_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": spec.kind, "apiVersion": spec.api_version, "metadata": metadata}
        return orjson.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"

    @staticmethod
    def error(error: errors.StatusError) -> bytes:
        return orjson.dumps({"type": "ERROR", "object": error.to_status()}) + b"\n"


_last_line: tuple[str, Stored, bytes] | None = None


def _json_line(event_type: str, stored: Stored) -> bytes:
    """One JSON event line; the watchers of one event, served in a row, share its bytes."""
    global _last_line
    last = _last_line
    if last is not None and last[1] is stored and last[0] == event_type:
        return last[2]
    line = b'{"type":"' + event_type.encode() + b'","object":' + stored.raw + b"}\n"
    _last_line = (event_type, stored, line)
    return line


def _with_revision(stored: Stored, revision: int) -> Stored:
    obj = {**stored.obj, "metadata": {**stored.obj["metadata"], "resourceVersion": str(revision)}}
    return Stored(obj, orjson.dumps(obj), revision)


def translate(event: Event, matches: Matcher | None) -> tuple[str, Stored] | None:
    """What a watcher with selectors sees of a change (cacheWatcher.convertToWatchEvent)."""
    if matches is None:
        return event.type, event.stored
    now_matches = event.type != DELETED and matches(event.stored.obj)
    was_matching = event.previous is not None and matches(event.previous.obj)
    if now_matches:
        return (MODIFIED if was_matching else ADDED), event.stored
    if was_matching and event.previous is not None:
        # Leaving the selection: the last content that matched, at the event's revision.
        return DELETED, _with_revision(event.previous, event.stored.revision)
    return None


@dataclass
class _Start:
    """How a watch begins: initial objects, the watcher and its backlog, or an ERROR event."""

    since: int = 0
    initial: list[Stored] = field(default_factory=list)
    watcher: Watcher | None = None
    backlog: list[Event] = field(default_factory=list)
    end_bookmark: bool = False
    failure: errors.StatusError | None = None


def _selector(target: Target, options: ListOptions) -> FieldSelector | None:
    """A name in the path (`/watch/namespaces/x/pods/web`) pins the selector to that name."""
    if len(target.info.parts) < 2 or not target.name:
        return options.field_selector
    selector = options.field_selector
    if selector is not None and not selector.is_empty:
        if selector.exact_value("metadata.name") != target.name:
            raise errors.bad_request("fieldSelector metadata.name doesn't match requested name")
        return selector
    return FieldSelector((("metadata.name", EQUALS, target.name),))


async def _start(request: web.Request, target: Target, options: ListOptions) -> _Start:
    server = server_of(request)
    rest, spec, namespace = server.rest, target.spec, target.namespace
    wanted = parse_resource_version(options.resource_version)  # a 500 before the stream starts
    initial_events = options.send_initial_events
    if initial_events is None and options.resource_version in ("", "0"):
        initial_events = True  # the legacy watch: current state first
    try:
        if initial_events:
            if options.resource_version == "":
                await rest.wait_fresh()  # a consistent start, as a consistent list
            if wanted > server.store.revision and not await server.store.wait_for_revision(
                wanted, timeout=watch_cache.BLOCK_TIMEOUT
            ):
                return _Start(failure=too_large_resource_version(wanted, server.store.revision))
            state = rest.list(spec, namespace, ListOptions(options.label_selector, options.field_selector))
            watcher, backlog = rest.watch(spec, namespace, since=state.revision)
            end = bool(options.send_initial_events) and options.allow_watch_bookmarks
            return _Start(state.revision, state.items, watcher, backlog, end_bookmark=end)
        since = server.store.revision if options.resource_version in ("", "0") else wanted
        watcher, backlog = rest.watch(spec, namespace, since=since)
        return _Start(since, [], watcher, backlog)
    except errors.StatusError as error:
        if error.code != 410:
            raise
        return _Start(failure=error)


def _next_bookmark(now: float, deadline: float) -> float | None:
    """Every BOOKMARK_FREQUENCY, and last just before the deadline; None once that is past."""
    due = min(now + BOOKMARK_FREQUENCY, deadline - PRE_TIMEOUT_BOOKMARK)
    return due if due >= now else None


async def watch(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="watch")
    options = list_options(request)
    selector = _selector(target, options)
    options = dataclasses.replace(options, field_selector=selector)
    matches = matcher_for(target.spec, options.label_selector, selector)
    timeout = float(options.timeout_seconds or MIN_REQUEST_TIMEOUT * (1 + random.random()))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    start = await _start(request, target, options)

    response = web.StreamResponse(headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    encoder = _Encoder(request, target)
    try:
        if start.failure is not None:
            await response.write(encoder.error(start.failure))
        elif start.watcher is not None and timeout > 0:
            await _stream(response, encoder, start, start.watcher, matches, options, deadline, request)
    except (ConnectionResetError, ConnectionError):
        return response  # the client went away
    finally:
        if start.watcher is not None:
            start.watcher.stop()
    try:
        await response.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    return response


async def _stream(
    response: web.StreamResponse,
    encoder: _Encoder,
    start: _Start,
    watcher: Watcher,
    matches: Matcher | None,
    options: ListOptions,
    deadline: float,
    request: web.Request,
) -> None:
    store = server_of(request).store
    loop = asyncio.get_running_loop()
    chunk = b"".join(encoder.event(ADDED, stored) for stored in start.initial)
    if start.end_bookmark:
        chunk += encoder.bookmark(store.revision, initial_events_end=True)
    for missed in start.backlog:
        seen = translate(missed, matches)
        if seen is not None:
            chunk += encoder.event(*seen)
    if chunk:
        await response.write(chunk)
    bookmark_at = _next_bookmark(loop.time(), deadline) if options.allow_watch_bookmarks else None
    while True:
        events = watcher.take()  # everything pending goes out as one write
        if events:
            chunk = b""
            for event in events:
                if event.stored.revision <= start.since:
                    continue  # a watch from a future revision skips everything up to it
                seen = translate(conversion.served_event(encoder.spec, event), matches)
                if seen is not None:
                    chunk += encoder.event(*seen)
            if chunk:
                await response.write(chunk)
        elif watcher.stopped:
            return
        now = loop.time()
        if now >= deadline:
            return
        if bookmark_at is not None and now >= bookmark_at:
            await response.write(encoder.bookmark(store.revision))
            bookmark_at = _next_bookmark(now, deadline)
        await watcher.wait(deadline if bookmark_at is None else min(deadline, bookmark_at))
