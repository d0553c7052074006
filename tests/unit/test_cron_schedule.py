"""The cron schedule parser the cronjob controller uses: fields, descriptors, day rules, zones."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from kubegate.controllers.workloads import schedule

T0 = datetime(2025, 1, 15, 10, 7, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("* * * * *", datetime(2025, 1, 15, 10, 8, tzinfo=UTC)),
        ("*/5 * * * *", datetime(2025, 1, 15, 10, 10, tzinfo=UTC)),
        ("0 * * * *", datetime(2025, 1, 15, 11, 0, tzinfo=UTC)),
        ("@hourly", datetime(2025, 1, 15, 11, 0, tzinfo=UTC)),
        ("@daily", datetime(2025, 1, 16, 0, 0, tzinfo=UTC)),
        ("@weekly", datetime(2025, 1, 19, 0, 0, tzinfo=UTC)),
        ("@monthly", datetime(2025, 2, 1, 0, 0, tzinfo=UTC)),
        ("@yearly", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
        ("30 9 * * mon-fri", datetime(2025, 1, 16, 9, 30, tzinfo=UTC)),
        ("0 0 29 2 *", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("15,45 10 * JAN *", datetime(2025, 1, 15, 10, 15, tzinfo=UTC)),
        ("0 12 1 * 5", datetime(2025, 1, 17, 12, 0, tzinfo=UTC)),  # both days restricted: either matches
        ("0 12 1 * *", datetime(2025, 2, 1, 12, 0, tzinfo=UTC)),
        ("10-20/5 10 * * ?", datetime(2025, 1, 15, 10, 10, tzinfo=UTC)),
        ("CRON_TZ=Europe/Berlin 0 12 * * *", datetime(2025, 1, 15, 11, 0, tzinfo=UTC)),
        ("@every 90s", datetime(2025, 1, 15, 10, 9, tzinfo=UTC)),
    ],
)
def test_next_after(expr: str, expected: datetime) -> None:
    assert schedule.parse(expr).next_after(T0) == expected


def test_time_zone_field() -> None:
    parsed = schedule.parse("0 12 * * *", time_zone="America/New_York")
    assert parsed.next_after(T0) == datetime(2025, 1, 15, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("x * * * *", "failed to parse int from x"),
    ],
)
def test_bad_schedules(expr: str, message: str) -> None:
    with pytest.raises(schedule.ScheduleError, match=re.escape(message)):
        schedule.parse(expr)


def test_unknown_zone() -> None:
    with pytest.raises(schedule.ScheduleError, match="unknown time zone Mars/Base"):
        schedule.parse("* * * * *", time_zone="Mars/Base")


def test_times_between_keeps_the_latest() -> None:
    parsed = schedule.parse("*/10 * * * *")
    times = parsed.times_between(T0, datetime(2025, 1, 15, 11, 5, tzinfo=UTC), limit=3)
    assert times == [datetime(2025, 1, 15, 10, m, tzinfo=UTC) for m in (40, 50)] + [datetime(2025, 1, 15, 11, 0, tzinfo=UTC)]
