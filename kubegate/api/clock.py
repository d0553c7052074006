"""The one clock the server reads, so that tests can move time instead of sleeping.

Everything time-dependent about credentials goes through `now()`: object timestamps
(`meta.now`), token issue and expiry (TokenRequest, the token validators), bootstrap-token
expiry. A test that wants "one hour later" installs a `FakeClock` and advances it; the real
server never changes the clock, so `now()` is the system time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_current: Clock = system_clock


def now() -> datetime:
    """The current time (timezone-aware, UTC) by the installed clock."""
    return _current()


def set_clock(clock: Clock) -> Clock:
    """Install `clock`; returns the one it replaces so the caller can put it back."""
    global _current
    previous, _current = _current, clock
    return previous


class FakeClock:
    """A clock that stands still until told to move: `advance(seconds=3600)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start if start is not None else system_clock()

    def __call__(self) -> datetime:
        return self._now

    def advance(self, *, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    """Use `clock` for the duration of a `with` block, then restore the previous one."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
