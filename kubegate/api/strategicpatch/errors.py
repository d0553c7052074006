"""The errors a strategic merge patch can fail with, in k8s.io/apimachinery's words.

The real server sorts them three ways (`interpretStrategicMergePatchError` in
k8s.io/apiserver `handlers/patch.go`): a few well-known patch format errors are 400 BadRequest
with their own text, two are a 422 whose message is the canned NewGenericServerResponse text,
and everything else is a plain Go error, which the apiserver answers as a 500 Status with no
reason and the error text as message. The texts use Go's `%v` formatting of decoded JSON
(`map[name:x value:1]`), so `go_v` reproduces that.
"""

from __future__ import annotations

import enum
import math
from decimal import Decimal
from typing import Any

from kubegate.api import errors

#: What NewGenericServerResponse(422, ...) says, whatever the underlying error was.
CANNED_422 = "the server rejected our request due to an error in our request"

MAP_TYPE = "map[string]interface {}"
SLICE_TYPE = "[]interface {}"


class Answer(enum.Enum):
    BAD_REQUEST = 400
    INVALID = 422
    INTERNAL = 500


class PatchError(Exception):
    """A strategic merge patch that cannot be applied; `answer` says how the server replies."""

    def __init__(self, message: str, answer: Answer = Answer.INTERNAL) -> None:
        super().__init__(message)
        self.message = message
        self.answer = answer

    def to_status(self) -> errors.StatusError:
        if self.answer is Answer.BAD_REQUEST:
            return errors.bad_request(self.message)
        if self.answer is Answer.INVALID:
            return errors.StatusError(422, "Invalid", CANNED_422, {})
        # A bare error: ErrorToAPIStatus gives code 500, reason Unknown (""), the text as is.
        return errors.StatusError(500, "", self.message)


# -- the sentinel errors of k8s.io/apimachinery/pkg/util/mergepatch -------------------------

#: message and answer of each sentinel error (raise them through `sentinel`)
BAD_JSON_DOC = ("invalid JSON document", Answer.BAD_REQUEST)
NO_LIST_OF_LISTS = ("lists of lists are not supported", Answer.INVALID)
BAD_PRIMITIVE_LIST = ("invalid patch format of primitive list", Answer.BAD_REQUEST)
BAD_RETAIN_KEYS = ("invalid patch format of retainKeys", Answer.BAD_REQUEST)
BAD_SET_ELEMENT_ORDER = ("invalid patch format of setElementOrder list", Answer.BAD_REQUEST)
UNSUPPORTED_FORMAT = ("strategic merge patch format is not supported", Answer.BAD_REQUEST)


def sentinel(which: tuple[str, Answer]) -> PatchError:
    return PatchError(*which)


def no_merge_key(item: dict[str, Any], key: str) -> PatchError:
    return PatchError(f"map: {go_v(item)} does not contain declared merge key: {key}")


def bad_arg_type(expected: str, actual: Any) -> PatchError:
    """ErrBadArgType: `expected` is the Go type name wanted, `actual` the value found."""
    return PatchError(f"expected a {expected}, but received a {go_type(actual)}")


def bad_patch_type(directive: Any, item: dict[str, Any]) -> PatchError:
    return PatchError(f"unknown patch type: {go_s(directive)} in map: {go_v(item)}")


# -- Go's fmt, for values decoded from JSON --------------------------------------------------


def go_type(value: Any) -> str:
    """reflect.TypeOf(value).String() for a value json.Unmarshal produced (ints preserved)."""
    if value is None:
        return "%!s(<nil>)"  # a nil reflect.Type printed with %s
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return SLICE_TYPE if isinstance(value, list) else MAP_TYPE


def go_s(value: Any) -> str:
    """`%s` of an interface value: strings as they are, anything else flagged as Go does."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    return f"%!s({go_type(value)}={go_v(value)})"


def go_v(value: Any) -> str:
    """`%v` of a decoded JSON value: `map[k:v ...]` with sorted keys, `[a b]`, `<nil>`."""
    parts: list[str] = []
    pending: list[Any] = [value]
    while pending:  # explicit stack: patch values may nest deeply
        item = pending.pop()
        if isinstance(item, _Text):
            parts.append(item)
        elif isinstance(item, dict):
            members: list[Any] = [_Text("map[")]
            for index, key in enumerate(sorted(item)):
                members.extend([_Text((" " if index else "") + f"{key}:"), item[key]])
            members.append(_Text("]"))
            pending.extend(reversed(members))
        elif isinstance(item, list):
            members = [_Text("[")]
            for index, element in enumerate(item):
                if index:
                    members.append(_Text(" "))
                members.append(element)
            members.append(_Text("]"))
            pending.extend(reversed(members))
        else:
            parts.append(_scalar(item))
    return "".join(parts)


class _Text(str):
    """A piece of already formatted output on go_v's stack (never a JSON string value)."""


def _scalar(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64): the shortest digits, %e past 6 integer digits."""
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    point = len(text) + exponent  # position of the decimal point in the digit string
    exp = point - 1
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"
