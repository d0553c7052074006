"""Cron schedules as the cronjob controller reads them (robfig/cron's standard parser).

A CronJob's `spec.schedule` is five fields (minute, hour, day of month, month, day of week) or
a descriptor (`@hourly`, `@daily`, ..., `@every 1h30m`), optionally prefixed `CRON_TZ=<zone>`
or `TZ=<zone>`; `spec.timeZone` names the zone otherwise (UTC when neither does). The
controller asks two things of a schedule: the next time after a moment, and the most recent
times it was due in a window (to catch up on missed runs).

One rule worth knowing: when both day fields are restricted (neither starts with `*` or `?`),
a day matches if *either* does, as in Vixie cron; otherwise both must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ScheduleError(ValueError):
    """A schedule the controller cannot parse (robfig's message)."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    _Field("day of week", 0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)

DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
#: how far ahead `next_after` looks before giving up (robfig gives up after five years)
_HORIZON_YEARS = 5


def _number(text: str, field: _Field) -> int:
    lowered = text.lower()
    if lowered in field.names:
        return field.names.index(lowered) + field.low
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing {text!r}: invalid syntax")
    return int(text)


def _parse_field(text: str, field: _Field) -> tuple[frozenset[int], bool]:
    """The values one field allows, and whether it was a bare star (for the day-matching rule)."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        step = _number(step_text, field) if step_text else 1
        if range_text in ("*", "?"):
            low, high = field.low, field.high
            star = star or step == 1
        else:
            low_text, dash, high_text = range_text.partition("-")
            low = _number(low_text, field)
            high = _number(high_text, field) if dash else (field.high if step_text else low)
        if low < field.low:
            raise ScheduleError(f"beginning of range ({low}) below minimum ({field.low}): {part}")
        if high > field.high:
            raise ScheduleError(f"end of range ({high}) above maximum ({field.high}): {part}")
        if low > high:
            raise ScheduleError(f"beginning of range ({low}) beyond end of range ({high}): {part}")
        if step == 0:
            raise ScheduleError(f"step of range should be a positive number: {part}")
        values.update(range(low, high + 1, step))
    return frozenset(values), star


def _parse_duration(text: str) -> timedelta:
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ScheduleError(f"failed to parse duration {text}: time: invalid duration {text!r}")
    return timedelta(seconds=sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; every time it yields is timezone-aware."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    any_day: bool = False  # day of month or day of week was `*`: both must match
    every: timedelta | None = None
    zone: tzinfo = UTC

    def _day_matches(self, moment: datetime) -> bool:
        day = moment.day in self.days
        weekday = (moment.isoweekday() % 7) in self.weekdays
        return (day and weekday) if self.any_day else (day or weekday)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first time strictly after `moment` the schedule is due (None within five years)."""
        if self.every is not None:
            whole = moment.replace(microsecond=0)
            return whole + max(self.every, timedelta(seconds=1))
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = local.replace(year=local.year + _HORIZON_YEARS)
        while local < limit:
            if local.month not in self.months:
                local = (local.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(local):
                local = local.replace(hour=0, minute=0) + timedelta(days=1)
            elif local.hour not in self.hours:
                local = local.replace(minute=0) + timedelta(hours=1)
            elif local.minute not in self.minutes:
                local += timedelta(minutes=1)
            else:
                return local.replace(tzinfo=self.zone).astimezone(UTC)
        return None

    def times_between(self, start: datetime, end: datetime, *, limit: int) -> list[datetime]:
        """Due times in (start, end], the latest `limit` of them, oldest first."""
        found: list[datetime] = []
        moment = self.next_after(start)
        while moment is not None and moment <= end:
            found.append(moment)
            if len(found) > limit:
                found.pop(0)
            moment = self.next_after(moment)
        return found


def zone_named(name: str) -> tzinfo:
    if name in ("", "UTC", "Etc/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"provided bad location {name}: unknown time zone {name}") from error


def parse(schedule: str, *, time_zone: str | None = None) -> Schedule:
    """Parse `schedule` as the cronjob controller does (raises ScheduleError)."""
    text = schedule.strip()
    zone = zone_named(time_zone or "")
    if text.startswith(("TZ=", "CRON_TZ=")):
        prefix, _, text = text.partition(" ")
        zone = zone_named(prefix.split("=", 1)[1])
        text = text.strip()
    if text.startswith("@every "):
        return Schedule(every=_parse_duration(text[len("@every "):].strip()), zone=zone)
    if text.startswith("@"):
        if text not in DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {text}")
        text = DESCRIPTORS[text]
    fields = text.split()
    if len(fields) != len(_FIELDS):
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_parse_field(value, field) for value, field in zip(fields, _FIELDS, strict=True)]
    weekdays = parsed[4][0]
    return Schedule(
        minutes=parsed[0][0], hours=parsed[1][0], days=parsed[2][0], months=parsed[3][0], weekdays=weekdays,
        any_day=parsed[2][1] or parsed[4][1], zone=zone,
    )
