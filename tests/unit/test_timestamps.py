"""metav1.Time and MicroTime: what Go's time.Parse accepts, and the text Go encodes them as again."""

from __future__ import annotations

import pytest

from kubegate.api.strict import times, walker
from kubegate.api.strict.schema import Compiler
from kubegate.registry.openapi import builtin_definitions, bundle_minor

DEFINITIONS = builtin_definitions(bundle_minor(32))
TYPED = Compiler(DEFINITIONS)
MICRO = "2006-01-02T15:04:05.000000Z07:00"


@pytest.mark.parametrize(("text", "stored"), [
    ("2026-11-23T18:00:00Z", "2026-11-23T18:00:00Z"),
    ("2026-11-23T18:00:00.123456+00:00", "2026-11-23T18:00:00Z"),  # the Python client's isoformat()
    ("2026-11-23T18:00:00.999999999Z", "2026-11-23T18:00:00Z"),  # cut off, never rounded up
    ("2026-11-23T20:30:00+02:30", "2026-11-23T18:00:00Z"),
    ("2026-11-23T13:00:00-05:00", "2026-11-23T18:00:00Z"),
    ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z"),  # across a year
    ("2024-02-29T00:30:00+01:00", "2024-02-28T23:30:00Z"),  # across a leap day
    ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z"),
    ("2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z"),  # divisible by 400: a leap year
    ("2026-11-23T18:00:00,5Z", "2026-11-23T18:00:00Z"),  # Go takes a comma before the fraction too
    ("2026-11-23T18:00:00.1234567890123Z", "2026-11-23T18:00:00Z"),  # any number of digits
    ("2026-11-23T18:00:00+24:00", "2026-11-22T18:00:00Z"),  # Go allows offsets up to 24:60
    ("0001-01-01T00:00:00Z", None),  # the zero time encodes as null
    ("0001-01-01T01:00:00+01:00", None),
    ("0001-01-01T00:00:00.5Z", "0001-01-01T00:00:00Z"),  # not zero, but printed in whole seconds
    ("0001-01-01T00:00:00+01:00", "0000-12-31T23:00:00Z"),
    ("9999-12-31T23:00:00-02:00", "10000-01-01T01:00:00Z"),
])  # fmt: skip
def test_time_is_stored_in_utc_whole_seconds(text: str, stored: str | None) -> None:
    assert times.normalise(text, micro=False) == stored


@pytest.mark.parametrize(("text", "stored"), [
    ("2026-11-23T18:00:00.123456Z", "2026-11-23T18:00:00.123456Z"),
    ("2026-11-23T18:00:00.123456+00:00", "2026-11-23T18:00:00.123456Z"),
    ("2026-11-23T19:00:00.000001+01:00", "2026-11-23T18:00:00.000001Z"),
    ("2026-11-23T18:00:00,500000Z", "2026-11-23T18:00:00.500000Z"),
    ("2025-01-01T00:59:59.999999+01:00", "2024-12-31T23:59:59.999999Z"),
    ("0001-01-01T00:00:00.000000Z", None),
])  # fmt: skip
def test_micro_time_is_stored_in_utc_with_six_digits(text: str, stored: str | None) -> None:
    assert times.normalise(text, micro=True) == stored


@pytest.mark.parametrize(("text", "error"), [
    ("", 'as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006"'),
    ("yesterday", 'as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'),
    ("2026-11-23", 'as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"'),
    ("2026-11-23 18:00:00Z", 'as "2006-01-02T15:04:05Z07:00": cannot parse " 18:00:00Z" as "T"'),
    ("2026-11-23t18:00:00Z", 'as "2006-01-02T15:04:05Z07:00": cannot parse "t18:00:00Z" as "T"'),
    ("2026-1-23T18:00:00Z", 'as "2006-01-02T15:04:05Z07:00": cannot parse "1-23T18:00:00Z" as "01"'),
    ("2026-11-23T18:00:00", 'as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'),
    ("2026-11-23T18:00:00.Z", 'as "2006-01-02T15:04:05Z07:00": cannot parse ".Z" as "Z07:00"'),
    ("2026-11-23T18:00:00+0100", 'as "2006-01-02T15:04:05Z07:00": cannot parse "+0100" as "Z07:00"'),
    ("2026-11-23T18:00:00z", 'as "2006-01-02T15:04:05Z07:00": cannot parse "z" as "Z07:00"'),
    ("2026-13-01T00:00:00Z", ": month out of range"),
    ("2026-00-01T00:00:00Z", ": month out of range"),
    ("2025-02-29T00:00:00Z", ": day out of range"),  # not a leap year
    ("1900-02-29T00:00:00Z", ": day out of range"),  # divisible by 100 only: not a leap year
    ("2026-04-31T00:00:00Z", ": day out of range"),
    ("2026-11-00T00:00:00Z", ": day out of range"),
    ("2026-11-23T24:00:00Z", ": hour out of range"),
    ("2026-11-23T18:60:00Z", ": minute out of range"),
    ("2016-12-31T23:59:60Z", ": second out of range"),  # Go has no leap seconds
    ("2026-11-23T18:00:00+25:00", ": time zone offset hour out of range"),
    ("2026-11-23T18:00:00+01:61", ": time zone offset minute out of range"),
    ("2026-11-23T18:00:00Z ", ': extra text: " "'),
    ("2026-02-30T18:00:00Zx", ': extra text: "x"'),  # the text is read to its end before the day is checked
])  # fmt: skip
def test_time_parse_errors_are_gos(text: str, error: str) -> None:
    with pytest.raises(times.TimeError) as raised:
        times.normalise(text, micro=False)
    assert str(raised.value) == f'parsing time "{text}"' + ("" if error.startswith(":") else " ") + error


@pytest.mark.parametrize(("text", "rest", "element"), [
    ("2026-11-23T18:00:00Z", "Z", ".000000"),  # MicroTime wants its six digits
    ("2026-11-23T18:00:00+00:00", "+00:00", ".000000"),  # which isoformat() leaves out at .000000
    ("2026-11-23T18:00:00.123Z", ".123Z", ".000000"),
    ("2026-11-23T18:00:00.1234567Z", "7Z", "Z07:00"),
    ("2026-11-23T18:00:00.12345aZ", ".12345aZ", ".000000"),
])  # fmt: skip
def test_micro_time_wants_exactly_six_fractional_digits(text: str, rest: str, element: str) -> None:
    with pytest.raises(times.TimeError) as raised:
        times.normalise(text, micro=True)
    assert str(raised.value) == f'parsing time "{text}" as "{MICRO}": cannot parse "{rest}" as "{element}"'


def test_errors_quote_texts_as_the_time_package_does() -> None:
    with pytest.raises(times.TimeError) as raised:
        times.normalise('é"\n', micro=False)
    assert str(raised.value) == ('parsing time "\\xc3\\xa9\\"\\x0a" as "2006-01-02T15:04:05Z07:00": '
                                 'cannot parse "\\xc3\\xa9\\"\\x0a" as "2006"')


def test_the_walker_stores_the_encoded_times_of_built_in_kinds() -> None:
    event = TYPED.definition("io.k8s.api.core.v1.Event")
    body = {"metadata": {"name": "e", "creationTimestamp": "0001-01-01T00:00:00Z"},
            "firstTimestamp": "2026-11-23T20:00:00.75+02:00", "lastTimestamp": "2026-11-23T18:00:00Z",
            "eventTime": "2026-11-23T13:00:00.123456-05:00", "series": {"lastObservedTime": "2026-11-23T18:00:01.000001Z"}}
    decoded = walker.decode(event, body)
    assert decoded.error is None
    assert decoded.value == {"metadata": {"name": "e", "creationTimestamp": None},
                             "firstTimestamp": "2026-11-23T18:00:00Z", "lastTimestamp": "2026-11-23T18:00:00Z",
                             "eventTime": "2026-11-23T18:00:00.123456Z",
                             "series": {"lastObservedTime": "2026-11-23T18:00:01.000001Z"}}


def test_the_walker_refuses_a_micro_time_without_its_digits() -> None:
    lease = TYPED.definition("io.k8s.api.coordination.v1.Lease")
    decoded = walker.decode(lease, {"spec": {"renewTime": "2026-11-23T18:00:00Z"}})
    assert decoded.error == f'parsing time "2026-11-23T18:00:00Z" as "{MICRO}": cannot parse "Z" as ".000000"'


def test_custom_resources_keep_their_timestamp_strings() -> None:
    # unstructured: a date-time field is a string the schema validates, never decoded into a time
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"},
        "meta": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time"}}}}}
    node = Compiler({"w": schema, **DEFINITIONS}, typed=False).definition("w")
    body = {"spec": {"at": "2026-11-23T20:00:00.5+02:00", "meta": "2026-11-23T20:00:00+02:00"}}
    decoded = walker.decode(node, body)
    assert decoded.error is None
    assert decoded.value == {"spec": {"at": "2026-11-23T20:00:00.5+02:00", "meta": "2026-11-23T20:00:00+02:00"}}
