"""The server's clock: the system time unless a test installs one it can move."""

from __future__ import annotations

from datetime import UTC, datetime

from kubegate.api import clock, meta


def test_a_fake_clock_moves_only_when_told() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    fake = clock.FakeClock(start)
    with clock.installed(fake):
        assert meta.now() == start
        fake.advance(seconds=3600)
        assert meta.format_time(meta.now()) == "2030-01-01T01:00:00Z"
    assert meta.now() > datetime(2024, 1, 1, tzinfo=UTC)  # the system clock is back


def test_set_clock_returns_the_previous_one() -> None:
    previous = clock.set_clock(clock.FakeClock())
    try:
        assert previous is clock.system_clock
    finally:
        clock.set_clock(previous)
