"""The string formats a CRD schema may name, and how kube-openapi's strfmt registry checks them.

Only the formats a 1.32 server keeps are validated; any other `format` is dropped from the
schema before validation (StripUnsupportedFormatsPostProcessor), so it never fails a value.
Integers keep only int32/int64 and numbers float/double, which bound the value instead.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from datetime import date, datetime

Check = Callable[[str], bool]


def _regex(pattern: str, flags: int = 0) -> Check:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?"
)


def _date_time(value: str) -> bool:
    """strfmt.ParseDateTime: RFC 3339 (fractions optional), or ISO 8601 local time."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    zone = match.group(8)
    return zone is None or zone in "Zz" or (int(zone[1:3]) < 24 and int(zone[4:6]) < 60)


def _date(value: str) -> bool:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _ip(version: int, separator: str) -> Check:
    def check(value: str) -> bool:
        try:
            return ipaddress.ip_address(value).version == version and separator in value
        except ValueError:
            return False

    return check


def _cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


def _byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _rgb(value: str) -> bool:
    match = re.fullmatch(r"rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)", value)
    return match is not None and all(int(part) <= 255 for part in match.groups())


_DURATION_UNIT = r"(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)"
_UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?{v}[0-9a-f]{3}-?{n}[0-9a-f]{3}-?[0-9a-f]{12}"
_CREDIT_CARD = (
    r"(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
    r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})"
)


def _uuid(version: str = "", variant: str = "") -> Check:
    pattern = _UUID.replace("{v}", version or "[0-9a-f]").replace("{n}", variant or "[0-9a-f]")
    return _regex(pattern, re.IGNORECASE)


def _credit_card(value: str) -> bool:
    return re.fullmatch(_CREDIT_CARD, re.sub(r"\D", "", value)) is not None


#: Normalized name (dashes removed, as go-openapi normalizes) -> check.
FORMATS: dict[str, Check] = {
    "bsonobjectid": _regex(r"[0-9a-fA-F]{24}"),
    "uri": _regex(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*|/[^\s]*)"),
    "email": _regex(r"[^@\s<>]+@[^@\s<>]+"),
    "hostname": _regex(
        r"(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?"
    ),
    "ipv4": _ip(4, "."),
    "ipv6": _ip(6, ":"),
    "cidr": _cidr,
    "mac": _regex(r"(?:[0-9A-Fa-f]{2}[:\-]){5,19}[0-9A-Fa-f]{2}|(?:[0-9A-Fa-f]{4}\.){2,9}[0-9A-Fa-f]{4}"),
    "uuid": _uuid(),
    "uuid3": _uuid("3"),
    "uuid4": _uuid("4", "[89ab]"),
    "uuid5": _uuid("5", "[89ab]"),
    "isbn": _regex(r"(?:97[89][- ]?)?(?:\d[- ]?){9}[\dXx]"),
    "isbn10": _regex(r"(?:\d[- ]?){9}[\dXx]"),
    "isbn13": _regex(r"97[89][- ]?(?:\d[- ]?){9}\d"),
    "creditcard": _credit_card,
    "ssn": _regex(r"\d{3}[- ]?\d{2}[- ]?\d{4}"),
    "hexcolor": _regex(r"#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
    "rgbcolor": _rgb,
    "byte": _byte,
    "password": lambda value: True,
    "date": _date,
    "duration": _regex(rf"(?:(?:\d+(?:\.\d+)?{_DURATION_UNIT})+|\d+\s*{_DURATION_UNIT})"),
    "datetime": _date_time,
}
_NUMERIC_FORMATS = {"integer": ("int32", "int64"), "number": ("float", "double")}


def effective_format(schema_type: str, fmt: str) -> str:
    """The format a validator keeps for a schema of `schema_type` ("" once stripped)."""
    if not fmt:
        return ""
    if schema_type in ("", "string"):
        return fmt if fmt.replace("-", "") in FORMATS else ""
    return fmt if fmt in _NUMERIC_FORMATS.get(schema_type, ()) else ""


def string_matches(fmt: str, value: str) -> bool:
    check = FORMATS.get(fmt.replace("-", ""))
    return True if check is None else check(value)
