"""List and watch queries: decoding, WatchList defaulting, validation and continue tokens."""

from __future__ import annotations

import base64

import pytest

from kubegate.api import continuetoken, errors
from kubegate.api.listoptions import parse_list_options, parse_resource_version

INVALID = 'ListOptions.meta.k8s.io "" is invalid: '


def failure(query: dict[str, str]) -> errors.StatusError:
    with pytest.raises(errors.StatusError) as caught:
        parse_list_options(query)
    return caught.value


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ({"limit": "ten"}, 400, 'strconv.ParseInt: parsing "ten": invalid syntax'),
        ({"limit": ""}, 400, 'strconv.ParseInt: parsing "": invalid syntax'),
        ({"timeoutSeconds": "0.1s"}, 400, 'strconv.ParseInt: parsing "0.1s": invalid syntax'),
        ({"limit": "99999999999999999999"}, 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
        ({"resourceVersionMatch": "NotOlderThan"}, 422,
         INVALID + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"),
        ({"resourceVersion": "5", "resourceVersionMatch": "Newest"}, 422,
         INVALID + 'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'),
        ({"resourceVersion": "0", "resourceVersionMatch": "Exact"}, 422,
         INVALID + 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
        ({"resourceVersionMatch": "Exact", "continue": "x"}, 422,
         INVALID + "[resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, "
         "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided]"),
        ({"sendInitialEvents": "true"}, 422, INVALID + "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"),
        ({"watch": "1", "sendInitialEvents": "true"}, 422,
         INVALID + "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
        ({"watch": "1", "resourceVersion": "5", "resourceVersionMatch": "NotOlderThan"}, 422,
         INVALID + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"),
        ({"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "Exact"}, 422,
         INVALID + "[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, "
         'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]'),
    ],
)  # fmt: skip
def test_bad_queries(query: dict[str, str], code: int, message: str) -> None:
    error = failure(query)
    assert (error.code, error.message) == (code, message)
    if code == 422:
        assert error.reason == "Invalid"
        assert error.details is not None and error.details["kind"] == "ListOptions"
        assert error.details["group"] == "meta.k8s.io"


def test_a_watch_from_now_defaults_to_initial_events() -> None:
    for rv in ("", "0"):
        options = parse_list_options({"watch": "true", "resourceVersion": rv})
        assert (options.send_initial_events, options.resource_version_match) == (True, "NotOlderThan")
    resumed = parse_list_options({"watch": "true", "resourceVersion": "7"})
    assert (resumed.send_initial_events, resumed.resource_version_match) == (None, "")
    listed = parse_list_options({})
    assert listed.send_initial_events is None


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("", True), ("yes", True), ("0", False), ("FALSE", False)])
def test_booleans_are_true_unless_zero_or_false(raw: str, value: bool) -> None:
    assert parse_list_options({"allowWatchBookmarks": raw}).allow_watch_bookmarks is value


@pytest.mark.parametrize(
    ("text", "reason"), [("abc", "invalid syntax"), ("-1", "invalid syntax"), ("99999999999999999999", "value out of range")]
)
def test_unparsable_resource_versions_are_the_real_500(text: str, reason: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        parse_resource_version(text)
    assert caught.value.code == 500 and caught.value.reason == ""
    assert caught.value.message == f'resourceVersion: Invalid value: "{text}": strconv.ParseUint: parsing "{text}": {reason}'
    assert "reason" not in caught.value.to_status()


def test_continue_tokens_round_trip_in_the_real_format() -> None:
    token = continuetoken.encode(42, continuetoken.after("default/web"))
    assert "=" not in token
    assert base64.urlsafe_b64decode(token + "==") == b'{"v":"meta.k8s.io/v1","rv":42,"start":"default/web\\u0000"}'
    assert continuetoken.decode(token) == continuetoken.ContinueToken(42, "default/web\x00")


def _token(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("a*b", "illegal base64 data at input byte 1"),
        ("abcde", "illegal base64 data at input byte 4"),
        (_token(b"garbage"), "invalid character 'g' looking for beginning of value"),
        (_token(b"[1]"), "json: cannot unmarshal array into Go value of type storage.continueToken"),
        (_token(b'{"v":"meta.k8s.io/v1","rv":"7","start":"a"}'),
         "json: cannot unmarshal string into Go struct field continueToken.rv of type int64"),
        (_token(b'{"v":"v2","rv":7,"start":"a"}'), "server does not recognize this encoded version v2"),
        (_token(b'{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'),
         "incorrect encoded start resourceVersion (version meta.k8s.io/v1)"),
        (_token(b'{"v":"meta.k8s.io/v1","rv":7,"start":""}'), "encoded start key empty (version meta.k8s.io/v1)"),
        (_token(b'{"v":"meta.k8s.io/v1","rv":7,"start":"../secrets/x"}'), "../secrets/x"),
    ],
)  # fmt: skip
def test_bad_continue_tokens(token: str, detail: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        continuetoken.decode(token)
    assert caught.value.code == 400
    assert caught.value.message == f"invalid continue token: continue key is not valid: {detail}"
