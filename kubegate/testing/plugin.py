"""The pytest plugin (entry point `kubegate`): a cluster per test or per session, in-process.

    def test_rbac(kubegate):                       # a fresh server for this test
        jane = kubegate.user("jane", groups=["dev"])

    @pytest.mark.kubegate(authorization_mode="RBAC,Node", nodes=3, manifests=["deploy/"])
    def test_nodes(kubegate): ...

    def test_shared(kubegate_session): ...         # one server for the whole session

The fixtures are synchronous and serve from a thread of their own (`with kubegate.Server()`),
so they work the same under any asyncio mode of pytest-asyncio, or without it. A failing test's
report carries, in a `kubegate requests` section, one line per request its servers answered
since the test began (setup included): who asked, what came back, which injected fault fired.
The lines come from the servers themselves, not through logging, so they show however logging
is configured, and only once (pytest's own log capture has them too if the `kubegate.requests`
logger is set to INFO).

This module is imported by pytest at start-up in every project that has kubegate installed, so
it imports nothing of the server until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kubegate.testing.server import Server

MARKER = "kubegate"
SECTION = "kubegate requests"

#: Servers the fixtures hold, so that a failing test's report can wait for their last lines.
_live: list[Server] = []

#: For each test: how many request lines each live server had logged when the test started.
_MARKS = pytest.StashKey[dict[int, int]]()


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
    """Mark where each running server's request lines stand as the test starts (its setup)."""
    item.stash[_MARKS] = {id(server): server._lines.count for server in _live}
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report gets, per server it used, the requests made since it started."""
    report = yield
    if report.failed:
        marks = item.stash.get(_MARKS, {})
        for server in _live:
            server._flush()  # a request answered just now may not have logged its line yet
        logs = [(server.url, server._lines.since(marks.get(id(server), 0))) for server in _live]
        logs = [(url, lines) for url, lines in logs if lines]
        for url, lines in logs:
            title = SECTION if len(logs) == 1 else f"{SECTION} ({url})"
            report.sections.append((title, "\n".join(lines)))
    return report
