"""The pytest plugin (entry point `kubegate`): a cluster per test or per session, in-process.

    def test_rbac(kubegate):                       # a fresh server for this test
        jane = kubegate.user("jane", groups=["dev"])

    @pytest.mark.kubegate(authorization_mode="RBAC,Node", nodes=3, manifests=["deploy/"])
    def test_nodes(kubegate): ...

    def test_shared(kubegate_session): ...         # one server for the whole session

The fixtures are synchronous and serve from a thread of their own (`with kubegate.Server()`),
so they work the same under any asyncio mode of pytest-asyncio, or without it. Each server logs
one line per request on the `kubegate.requests` logger; while a test runs those lines are
collected, and a failing test's report carries them in a `kubegate requests` section.

This module is imported by pytest at start-up in every project that has kubegate installed, so
it imports nothing of the server until a fixture is used.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from kubegate.testing import REQUESTS_LOGGER

if TYPE_CHECKING:
    from kubegate.testing.server import Server

MARKER = "kubegate"
SECTION = "kubegate requests"

#: Servers the fixtures hold, so that a failing test's report can wait for their last lines.
_live: list[Server] = []


class _RequestLines(logging.Handler):
    """The request lines of one test, as `12:00:01.234 GET /api/v1/pods 200 jane 1.0ms`."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(message)s", datefmt="%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_LINES = pytest.StashKey[_RequestLines]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options of the test's `kubegate` server: kubegate.Server keywords "
        "(authorization_mode=..., kubernetes_version=..., nodes=..., faults=..., manifests=...)",
    )


@pytest.fixture
def kubegate(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A fresh kubegate for this test, with the options of its `@pytest.mark.kubegate`."""
    yield from _serve(marker_options(request.node))


@pytest.fixture(scope="session")
def kubegate_session() -> Iterator[Server]:
    """One kubegate for the whole session (tests share its objects: use your own namespaces)."""
    yield from _serve({})


def marker_options(node: pytest.Item | pytest.Collector) -> dict[str, Any]:
    """The `kubegate` markers' keywords, the closest (function over class over module) winning."""
    options: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword options only, not {mark.args!r}")
        options.update(mark.kwargs)
    return options


def _serve(options: dict[str, Any]) -> Iterator[Server]:
    from kubegate.testing.server import Server

    with Server(**options) as server:
        _live.append(server)
        try:
            yield server
        finally:
            _live.remove(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Collect the request lines from the start of the test's setup to the end of its teardown.

    They go to the report only, not also to pytest's own log capture (the logger does not
    propagate meanwhile), so that a failure does not show them twice.
    """
    logger = logging.getLogger(REQUESTS_LOGGER)
    handler = item.stash[_LINES] = _RequestLines()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        return (yield)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    handler = item.stash.get(_LINES, None)
    if report.failed and handler is not None:
        for server in _live:
            server._flush()  # a request answered just now may not have logged its line yet
        if handler.lines:
            report.sections.append((SECTION, "\n".join(handler.lines)))
    return report
