"""metav1.Time and metav1.MicroTime as a write's decoding turns them into stored values.

A real server parses a timestamp into Go's `time.Time` and encodes it again when it stores the
object, so what comes back is not the text that was sent: `2026-11-23T20:00:00.987+02:00`
becomes `2026-11-23T18:00:00Z` as a Time (UTC, whole seconds, the fraction cut off, not
rounded) and `2026-11-23T18:00:00.987000Z` as a MicroTime (UTC, exactly six fractional digits,
cut off likewise). Go's zero time (`0001-01-01T00:00:00Z`, whatever the offset it was written
with) encodes as null.

The parsing is Go's `time.Parse` for the two layouts the types use, with its error texts:
Time takes `time.RFC3339` (any fraction of the seconds, with `.` or `,`), MicroTime takes
`2006-01-02T15:04:05.000000Z07:00`, which wants exactly six fractional digits - so a MicroTime
without them (`...T18:00:00Z`) is refused, as it is by the real server.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"

_DIGITS = frozenset("0123456789")
#: (the layout element, the literal before it, its bounds, the range error's name) per two-digit field
_FIELDS = (
    ("01", "-", (1, 12), "month"),
    ("02", "-", (0, 99), ""),  # any two digits here; the day is checked against the month at the end
    ("15", "T", (0, 23), "hour"),
    ("04", ":", (0, 59), "minute"),
    ("05", ":", (0, 59), "second"),
)
_ZERO_SECONDS = -62135596800  # Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds
_EPOCH = datetime.datetime(1970, 1, 1)  # naive on purpose: all arithmetic here is UTC
#: The Gregorian calendar repeats every 400 years (146097 days): years datetime cannot hold (Go
#: reads -999 to 9999, and an offset moves an instant a day either way) are shifted by 2000 years.
_SHIFT_YEARS = 2000
_SHIFT_SECONDS = 5 * 146097 * 86400
_YEAR_9000 = 221845392000  # 9000-01-01T00:00:00Z in Unix seconds


class TimeError(ValueError):
    """Go's time.ParseError text for a timestamp it cannot parse."""


@functools.lru_cache(maxsize=4096)
def normalise(text: str, *, micro: bool) -> str | None:
    """The text Go stores for `text` decoded as a Time (or a MicroTime); None for the zero time.

    Raises TimeError with Go's message when `time.Parse` refuses the text.
    """
    seconds, nanos = _parse(text, RFC3339_MICRO if micro else RFC3339)
    if seconds == _ZERO_SECONDS and nanos == 0:
        return None
    return _format(seconds, nanos // 1000 if micro else None)


def _parse(text: str, layout: str) -> tuple[int, int]:
    """(Unix seconds, nanoseconds) of `text` read with `layout`, as Go's time.Parse reads it."""

    def bad(pos: int, element: str) -> TimeError:
        return TimeError(f"parsing time {_quote(text)} as \"{layout}\": cannot parse {_quote(text[pos:])} "
                         f"as \"{element}\"")

    def out_of_range(what: str) -> TimeError:
        return TimeError(f"parsing time {_quote(text)}: {what} out of range")

    year = _go_atoi(text[0:4]) if len(text) >= 4 else None
    if year is None:
        raise bad(0, "2006")
    pos = 4
    numbers: list[int] = []
    for element, literal, (low, high), name in _FIELDS:
        if text[pos:pos + 1] != literal:
            raise bad(pos, literal)
        pos += 1
        pair = text[pos:pos + 2]
        if len(pair) < 2 or not _DIGITS.issuperset(pair):
            raise bad(pos, element)
        number = int(pair)
        if not low <= number <= high:
            raise out_of_range(name)
        numbers.append(number)
        pos += 2
    month, day, hour, minute, second = numbers
    nanos = 0
    if layout == RFC3339_MICRO:
        fraction = _nanoseconds(text[pos:pos + 7], 7) if len(text) >= pos + 7 else None
        if fraction is None:
            raise bad(pos, ".000000")
        if fraction < 0:
            raise out_of_range("fractional second")
        nanos, pos = fraction, pos + 7
    elif text[pos:pos + 1] in (".", ",") and text[pos + 1:pos + 2] in _DIGITS:
        end = pos + 2
        while end < len(text) and text[end] in _DIGITS:
            end += 1
        nanos = _nanoseconds(text[pos:end], end - pos) or 0
        pos = end
    offset, pos = _zone(text, pos, bad, out_of_range)
    if pos < len(text):
        raise TimeError(f"parsing time {_quote(text)}: extra text: {_quote(text[pos:])}")
    if not 1 <= day <= _days_in(month, year):
        raise out_of_range("day")
    return _unix(year, month, day, hour, minute, second) - offset, nanos


def _zone(text: str, pos: int, bad: Callable[[int, str], TimeError],
          out_of_range: Callable[[str], TimeError]) -> tuple[int, int]:
    """(the offset east of UTC in seconds, where the text goes on) for the `Z07:00` element."""
    if text[pos:pos + 1] == "Z":
        return 0, pos + 1
    zone = text[pos:pos + 6]
    if len(zone) < 6 or zone[3] != ":":
        raise bad(pos, "Z07:00")
    if not _DIGITS.issuperset(zone[1:3]) or not _DIGITS.issuperset(zone[4:6]):
        raise bad(pos, "Z07:00")
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    # Go's bounds are generous on purpose (offsets of 24 hours or 60 minutes are written)
    if minutes > 60:
        raise out_of_range("time zone offset minute")
    if hours > 24:
        raise out_of_range("time zone offset hour")
    if zone[0] not in "+-":
        raise bad(pos, "Z07:00")
    offset = hours * 3600 + minutes * 60
    return (-offset if zone[0] == "-" else offset), pos + 6


def _quote(text: str) -> str:
    """The time package's own quoting: `"` and `\\` escaped, other bytes outside printable ASCII
    as `\\xNN` (each byte of their UTF-8 form)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = []
    for char in text:
        if " " <= char < "\x80":
            out.append("\\" + char if char in '"\\' else char)
        else:
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
    return '"' + "".join(out) + '"'


def _go_atoi(text: str) -> int | None:
    """Go's internal atoi: an optional sign, then nothing but ASCII digits."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not _DIGITS.issuperset(digits):
        return None
    return -int(digits) if text[:1] == "-" else int(digits)


def _nanoseconds(text: str, width: int) -> int | None:
    """Go's parseNanoseconds: `.` or `,`, then digits (nine at most are read), scaled to ns."""
    if text[:1] not in (".", ","):
        return None
    width = min(width, 10)
    number = _go_atoi(text[1:width])
    if number is None:
        return None
    return number if number < 0 else number * 10 ** (10 - width)


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _unix(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Unix seconds of a UTC wall time, for any year Go reads (-999 to 9999)."""
    shift = 1 if year < 1000 else 0
    at = datetime.datetime(year + _SHIFT_YEARS * shift, month, day, hour, minute, second)
    return (at - _EPOCH) // datetime.timedelta(seconds=1) - _SHIFT_SECONDS * shift


def _format(seconds: int, micros: int | None) -> str:
    """Go's `t.UTC().Format(RFC3339)` (or the MicroTime layout when `micros` is given)."""
    shift = 1 if seconds < 0 else (-1 if seconds >= _YEAR_9000 else 0)
    at = _EPOCH + datetime.timedelta(seconds=seconds + _SHIFT_SECONDS * shift)
    year = at.year - _SHIFT_YEARS * shift
    year_text = f"-{-year:04d}" if year < 0 else f"{year:04d}"
    text = f"{year_text}-{at:%m-%dT%H:%M:%S}"
    return f"{text}.{micros:06d}Z" if micros is not None else f"{text}Z"
