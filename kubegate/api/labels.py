"""Label selectors: parse `?labelSelector=`, convert `metav1.LabelSelector`, match labels.

Lists, watches, deletecollection, ClusterRole aggregation and every workload controller filter
objects by labels, so selectors are parsed once into immutable requirement tuples and matched
without further allocation. The grammar, the sort order of requirements and the error texts
follow k8s.io/apimachinery/pkg/labels (v0.32): a client sending a bad selector gets, word for
word, the 400 message a real kube-apiserver sends, e.g.
`unable to parse requirement: found '', expected: ',', ')' or identifier`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubegate.api import errors, strconv
from kubegate.api.gofmt import go_quote

# Operators, spelled as k8s.io/apimachinery/pkg/selection spells them.
IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "in", "notin", "=", "==", "!="
EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN = "exists", "!", "gt", "lt"
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"  # the order parse errors list them in

# Compiled operator codes: how a requirement tests the one label value it looks at.
_MEMBER, _NOT_MEMBER, _PRESENT, _ABSENT, _GT, _LT = range(6)
_OP_CODES = {
    IN: _MEMBER, EQUALS: _MEMBER, DOUBLE_EQUALS: _MEMBER, NOT_IN: _NOT_MEMBER,
    NOT_EQUALS: _NOT_MEMBER, EXISTS: _PRESENT, DOES_NOT_EXIST: _ABSENT,
    GREATER_THAN: _GT, LESS_THAN: _LT,
}  # fmt: skip

# --- validation: k8s.io/apimachinery/pkg/util/validation ------------------------------------

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = f"({_QNAME_FMT})?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character"
)
_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL + "(\\." + _DNS1123_LABEL + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_QNAME_RE = re.compile(_QNAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, including its doubled spaces between examples."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _byte_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def is_qualified_name(value: str) -> list[str]:
    """Why `value` is not a label key (`[prefix/]name`); empty when it is one."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in _dns1123_subdomain_errors(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if _QNAME_RE.fullmatch(name) is None:
        errs.append(
            "name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs: list[str] = []
    if _byte_len(value) > 253:
        errs.append("must be no more than 253 characters")
    if _DNS1123_SUBDOMAIN_RE.fullmatch(value) is None:
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """Why `value` is not a label value; empty when it is one."""
    errs: list[str] = []
    if _byte_len(value) > 63:
        errs.append("must be no more than 63 characters")
    if _LABEL_VALUE_RE.fullmatch(value) is None:
        errs.append(
            _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errs


def _go_string_slice(values: Iterable[str] | None) -> str:
    """Go's `%#v` of a []string, as field.Invalid prints a bad values list."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64): optional sign and ASCII digits only, else None."""
    try:
        return strconv.parse_int(text)
    except strconv.NumError:
        return None


def _aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message, or `[a, b]` without duplicates."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


_EMPTY_SET = "for 'in', 'notin' operators, values set can't be empty"
_SET_NOT_EMPTY = "values set must be empty for exists and does not exist"
_ONE_NUMBER = "for 'Gt', 'Lt' operators, exactly one value is required"
_ONE_VALUE = "exact-match compatibility requires one single value"
_NOT_A_NUMBER = "for 'Gt', 'Lt' operators, the value must be an integer"


def _requirement_errors(
    key: str, op: str, values: tuple[str, ...], *, bad_values: str
) -> list[str]:
    """labels.NewRequirement's checks, with the field paths it prints when given no path."""
    errs: list[str] = []
    if msgs := is_qualified_name(key):
        errs.append(f"key: Invalid value: {go_quote(key)}: {'; '.join(msgs)}")
    if op in (IN, NOT_IN) and not values:
        errs.append(f"values: Invalid value: {bad_values}: {_EMPTY_SET}")
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(values) != 1:
        errs.append(f"values: Invalid value: {bad_values}: {_ONE_VALUE}")
    elif op in (EXISTS, DOES_NOT_EXIST) and values:
        errs.append(f"values: Invalid value: {bad_values}: {_SET_NOT_EMPTY}")
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(f"values: Invalid value: {bad_values}: {_ONE_NUMBER}")
        for i, value in enumerate(values):
            if parse_int64(value) is None:
                errs.append(f"values[{i}]: Invalid value: {go_quote(value)}: {_NOT_A_NUMBER}")
    for i, value in enumerate(values):
        if msgs := is_valid_label_value(value):
            errs.append(f"values[{i}][{key}]: Invalid value: {go_quote(value)}: {'; '.join(msgs)}")
    return errs


# --- the selector ---------------------------------------------------------------------------

Requirement = tuple[str, str, tuple[str, ...]]  # (key, operator, values) as parsed


class LabelSelector:
    """An immutable AND of requirements, pre-compiled for matching.

    Build one with `parse_label_selector` or `selector_from_label_selector_object`, which
    validate; the constructor trusts its requirements. Requirements are kept sorted by key,
    as the real parser sorts them, so `str()` gives the canonical form.
    """

    __slots__ = ("_compiled", "_nothing", "requirements")

    requirements: tuple[Requirement, ...]
    _compiled: tuple[tuple[str, int, frozenset[str], int | None], ...]
    _nothing: bool

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False) -> None:
        reqs = tuple(sorted(requirements, key=lambda r: r[0]))
        compiled = tuple(
            (key, _OP_CODES[op], frozenset(values), _bound(op, values)) for key, op, values in reqs
        )
        object.__setattr__(self, "requirements", reqs)
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_nothing", nothing)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("LabelSelector is immutable")

    @property
    def is_empty(self) -> bool:
        """True when the selector selects everything (labels.Selector.Empty)."""
        return not self.requirements and not self._nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        get = (labels or {}).get
        for key, code, values, bound in self._compiled:
            value = get(key)
            if code == _MEMBER:
                if value is None or value not in values:
                    return False
            elif code == _NOT_MEMBER:
                if value is not None and value in values:
                    return False
            elif code == _PRESENT:
                if value is None:
                    return False
            elif code == _ABSENT:
                if value is not None:
                    return False
            else:  # gt / lt: a missing or non-integer label never matches
                number = None if value is None else parse_int64(value)
                if number is None or bound is None:
                    return False
                if not (number > bound if code == _GT else number < bound):
                    return False
        return True

    def __str__(self) -> str:
        return ",".join(_requirement_string(*r) for r in self.requirements)

    def __repr__(self) -> str:
        return "LabelSelector(<nothing>)" if self._nothing else f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSelector):
            return NotImplemented
        return (self.requirements, self._nothing) == (other.requirements, other._nothing)

    def __hash__(self) -> int:
        return hash((self.requirements, self._nothing))


def _bound(op: str, values: tuple[str, ...]) -> int | None:
    """The integer a gt/lt requirement compares with; None (never matches) if there is none."""
    if op not in (GREATER_THAN, LESS_THAN) or len(values) != 1:
        return None
    return parse_int64(values[0])


def _requirement_string(key: str, op: str, values: tuple[str, ...]) -> str:
    if op in (EXISTS, DOES_NOT_EXIST):
        return ("!" if op == DOES_NOT_EXIST else "") + key
    shown = ",".join(sorted(values))
    if op in (IN, NOT_IN):
        return f"{key} {op} ({shown})"
    return key + {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op) + shown


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


def parse_label_selector(text: str) -> LabelSelector:
    """Parse `?labelSelector=`; raise a 400 Status with the real server's message if invalid."""
    if not text:
        return EVERYTHING
    return LabelSelector(_Parser(text).parse())


_EXPRESSION_OPERATORS = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
}


def selector_from_label_selector_object(obj: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector: None selects nothing, `{}` selects everything."""
    if obj is None:
        return NOTHING
    match_labels: Mapping[str, str] = obj.get("matchLabels") or {}
    expressions: list[Mapping[str, Any]] = obj.get("matchExpressions") or []
    reqs: list[Requirement] = []
    for key, value in match_labels.items():
        reqs.append(_checked(key, EQUALS, (value,), bad_values=_go_string_slice([value])))
    for expr in expressions:
        operator = expr.get("operator", "")
        if operator not in _EXPRESSION_OPERATORS:
            raise errors.bad_request(
                f"{go_quote(str(operator))} is not a valid label selector operator"
            )
        values = tuple(expr.get("values") or ())
        reqs.append(
            _checked(expr.get("key", ""), _EXPRESSION_OPERATORS[operator], values,
                     bad_values=_go_string_slice(values or None))
        )  # fmt: skip
    return LabelSelector(reqs)


def _checked(key: str, op: str, values: tuple[str, ...], *, bad_values: str) -> Requirement:
    if errs := _requirement_errors(key, op, values, bad_values=bad_values):
        raise errors.bad_request(_aggregate(errs))
    return (key, op, values)


# --- the parser: a port of the lexer and recursive-descent parser in labels/selector.go -----

_EOS, _IDENT = "end of string", "identifier"
_SYMBOLS = frozenset({")", ",", "!", "==", "=", ">", "<", "!=", "("})
_KEYWORDS = frozenset({IN, NOT_IN})
_SPECIAL_CHARS = frozenset("=!(),><")
_WHITESPACE_CHARS = frozenset(" \t\r\n")
_OPERATOR_TOKENS = {
    IN: IN, NOT_IN: NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS, "!=": NOT_EQUALS,
    ">": GREATER_THAN, "<": LESS_THAN,
}  # fmt: skip


class _RequirementError(Exception):
    """A failure inside one requirement; the parser prefixes `unable to parse requirement: `."""


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens up to the first end of string. A NUL byte ends the input at a token start and
    separates tokens elsewhere, because the Go lexer reads it as its end-of-input marker."""
    items: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE_CHARS:
            pos += 1
        if pos >= end or text[pos] == "\0":
            items.append((_EOS, ""))
            return items
        scan = _scan_symbol if text[pos] in _SPECIAL_CHARS else _scan_identifier
        token, pos = scan(text, pos)
        items.append(token)


def _scan_identifier(text: str, pos: int) -> tuple[tuple[str, str], int]:
    start = pos
    while pos < len(text):
        ch = text[pos]
        if ch == "\0":
            return _word(text[start:pos]), pos + 1
        if ch in _SPECIAL_CHARS or ch in _WHITESPACE_CHARS:
            break
        pos += 1
    return _word(text[start:pos]), pos


def _word(literal: str) -> tuple[str, str]:
    return (literal if literal in _KEYWORDS else _IDENT), literal


def _scan_symbol(text: str, pos: int) -> tuple[tuple[str, str], int]:
    """The longest operator spelled by the run of special characters at `pos`."""
    buffer, last = "", ""
    while pos < len(text):
        ch = text[pos]
        if ch == "\0":
            pos += 1
            break
        if ch not in _SPECIAL_CHARS:
            break
        buffer += ch
        pos += 1
        if buffer in _SYMBOLS:
            last = buffer
        elif last:
            pos -= 1
            break
    if not last:  # unreachable with today's symbol set, kept for parity
        return ("error", f"error expected: keyword found '{buffer}'"), pos
    return (last, last), pos


class _Parser:
    """One parse of one selector string. In value position `in`/`notin` are identifiers."""

    def __init__(self, text: str) -> None:
        self._items = _lex(text)
        self._pos = 0

    def _peek(self) -> tuple[str, str]:
        token, literal = self._items[self._pos]
        return (_IDENT if token in _KEYWORDS else token), literal

    def _next(self, *, keywords: bool = False) -> tuple[str, str]:
        token, literal = self._items[self._pos]
        self._pos += 1
        return (_IDENT if token in _KEYWORDS and not keywords else token), literal

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            token, literal = self._peek()
            if token == _EOS:
                return reqs
            if token not in (_IDENT, "!"):
                raise errors.bad_request(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )
            try:
                reqs.append(self._requirement())
            except _RequirementError as err:
                raise errors.bad_request(f"unable to parse requirement: {err}") from None
            token, literal = self._next()
            if token == _EOS:
                return reqs
            if token != ",":
                raise errors.bad_request(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self._peek()
            if token not in (_IDENT, "!"):
                raise errors.bad_request(f"found '{literal}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        key, op = self._key_and_inferred_operator()
        values: tuple[str, ...] = ()
        if op not in (EXISTS, DOES_NOT_EXIST):
            op = self._operator()
            found = self._value_set() if op in (IN, NOT_IN) else self._exact_value()
            values = tuple(sorted(found))
        if errs := _requirement_errors(key, op, values, bad_values=_go_string_slice(values)):
            raise _RequirementError(_aggregate(errs))
        return (key, op, values)

    def _key_and_inferred_operator(self) -> tuple[str, str]:
        op = ""
        token, literal = self._next()
        if token == "!":
            op = DOES_NOT_EXIST
            token, literal = self._next()
        if token != _IDENT:
            raise _RequirementError(f"found '{literal}', expected: identifier")
        if msgs := is_qualified_name(literal):
            # The parser validates the key with a nil field path, which Go prints as <nil>.
            raise _RequirementError(f"<nil>: Invalid value: {go_quote(literal)}: {'; '.join(msgs)}")
        if self._peek()[0] in (_EOS, ","):
            op = op or EXISTS
        return literal, op

    def _operator(self) -> str:
        token, literal = self._next(keywords=True)
        if token not in _OPERATOR_TOKENS:
            raise _RequirementError(f"found '{literal}', expected: {_BINARY_OPERATORS}")
        return _OPERATOR_TOKENS[token]

    def _value_set(self) -> set[str]:
        token, literal = self._next()
        if token != "(":
            raise _RequirementError(f"found '{literal}' expected: '('")
        token, literal = self._peek()
        if token == ")":  # `()` is the set holding only the empty string
            self._next()
            return {""}
        if token not in (_IDENT, ","):
            raise _RequirementError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._identifiers()
        if self._next()[0] != ")":
            raise _RequirementError(f"found '{literal}', expected: ')'")
        return values

    def _identifiers(self) -> set[str]:
        """A comma-separated list in which empty items stand for the empty string."""
        values: set[str] = set()
        while True:
            token, literal = self._next()
            if token == _IDENT:
                values.add(literal)
                following, shown = self._peek()
                if following == ")":
                    return values
                if following != ",":
                    raise _RequirementError(f"found '{shown}', expected: ',' or ')'")
            elif token == ",":
                if not values:
                    values.add("")
                following = self._peek()[0]
                if following == ")":
                    values.add("")
                    return values
                if following == ",":
                    self._next()
                    values.add("")
            else:
                raise _RequirementError(f"found '{literal}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        if self._peek()[0] in (_EOS, ","):
            return {""}
        token, literal = self._next()
        if token != _IDENT:
            raise _RequirementError(f"found '{literal}', expected: identifier")
        return {literal}
