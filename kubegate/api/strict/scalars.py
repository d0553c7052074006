"""Scalars Go parses itself while decoding: base64 bytes, quantities and timestamps.

Their errors are not `UnmarshalTypeError`s but the parsers' own texts, which the real server
passes on as they are: `illegal base64 data at input byte 4`, `quantities must match the
regular expression ...`, `parsing time "x" as "2006-01-02T15:04:05Z07:00": ...`. Each check
answers None for a good value, or that text.
"""

from __future__ import annotations

import functools
import re

from kubegate.api import gobytes

# --- []byte: encoding/base64 StdEncoding ----------------------------------------------------------

_B64_TEXT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error(text: str) -> str | None:
    """Why Go's base64.StdEncoding cannot decode `text` (with Go's byte offset), or None."""
    stripped = text.rstrip("=")
    if len(text) % 4 == 0 and len(text) - len(stripped) <= 2 and not (set(stripped) - _B64_TEXT):
        return None  # the common case: plain padded base64 with nothing odd in it
    try:
        gobytes.decode_base64(text)
    except gobytes.Base64Error as error:
        return str(error)
    return None


# --- resource.Quantity ----------------------------------------------------------------------------

QUANTITY_FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
QUANTITY_SUFFIX = "unable to parse quantity's suffix"
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_SUFFIXES = frozenset({"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"})
_EXPONENT = re.compile(r"[eE][+-]?[0-9]+")


@functools.lru_cache(maxsize=1024)
def quantity_error(text: str) -> str | None:
    """Why resource.ParseQuantity refuses `text` (already trimmed), or None."""
    if not text:
        return QUANTITY_FORMAT_WRONG
    pos, end = 0, len(text)
    if text[0] in "+-":
        pos = 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in "0123456789":
        pos += 1
    if pos < end:
        return QUANTITY_FORMAT_WRONG
    suffix = text[suffix_start:]
    if suffix in _SUFFIXES or _EXPONENT.fullmatch(suffix):
        return None
    return QUANTITY_SUFFIX


# --- metav1.Time: time.Parse(time.RFC3339, ...) ---------------------------------------------------

RFC3339 = "2006-01-02T15:04:05Z07:00"
#: (layout element, how much of the value it takes) in layout order.
_ELEMENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("2006", re.compile(r"\d{4}")),
    ("-", re.compile("-")),
    ("01", re.compile(r"\d{2}")),
    ("-", re.compile("-")),
    ("02", re.compile(r"\d{2}")),
    ("T", re.compile("T")),
    ("15", re.compile(r"\d{2}")),
    (":", re.compile(":")),
    ("04", re.compile(r"\d{2}")),
    (":", re.compile(":")),
    ("05", re.compile(r"\d{2}(\.\d+)?")),
    ("Z07:00", re.compile(r"Z|[+-]\d{2}:\d{2}")),
)
_RANGES = {"01": (1, 12, "month"), "02": (1, 31, "day"), "15": (0, 23, "hour"), "04": (0, 59, "minute"),
           "05": (0, 59, "second")}


def time_error(text: str) -> str | None:
    """Why Go's time.Parse(time.RFC3339, text) fails, or None (fractional seconds allowed)."""
    pos = 0
    for element, pattern in _ELEMENTS:
        match = pattern.match(text, pos)
        if match is None:
            return f'parsing time "{text}" as "{RFC3339}": cannot parse "{text[pos:]}" as "{element}"'
        bounds = _RANGES.get(element)
        if bounds is not None and not bounds[0] <= int(match.group()[:2]) <= bounds[1]:
            return f'parsing time "{text}": {bounds[2]} out of range'
        pos = match.end()
    if pos < len(text):
        return f'parsing time "{text}": extra text: "{text[pos:]}"'
    return None
