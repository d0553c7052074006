"""Field selectors: parse `?fieldSelector=`, check the fields a kind supports, match objects.

Field selectors are a much smaller language than label selectors: comma-joined terms
`field=value`, `field==value` or `field!=value`, where a value escapes `\\`, `,` and `=` with a
backslash. This module follows k8s.io/apimachinery/pkg/fields (v0.32) so that the same
strings parse, match and fail with the same 400 messages as on a real kube-apiserver; the
per-kind "field label not supported" texts come from the conversion functions the real server
registers (kubernetes pkg/apis/*/v1, apiextensions-apiserver for custom resources).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from kubegate.api import errors
from kubegate.api.gofmt import go_quote

EQUALS, NOT_EQUALS = "=", "!="

#: The operators a term may use, longest first so that `==` leaves no `=` on the value.
_TERM_OPERATORS = ("!=", "==", "=")

FieldRequirement = tuple[str, str, str]  # (field, "=" or "!=", unescaped value)


class FieldSelector:
    """An immutable AND of `field=value` / `field!=value` terms, in the real parser's order."""

    __slots__ = ("requirements",)

    requirements: tuple[FieldRequirement, ...]

    def __init__(self, requirements: tuple[FieldRequirement, ...] = ()) -> None:
        object.__setattr__(self, "requirements", requirements)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FieldSelector is immutable")

    @property
    def is_empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        """A field missing from `fields` reads as the empty string, as in fields.Set."""
        get = fields.get
        for field, op, value in self.requirements:
            if (get(field, "") == value) != (op == EQUALS):
                return False
        return True

    def fields(self) -> frozenset[str]:
        return frozenset(field for field, _, _ in self.requirements)

    def exact_value(self, field: str) -> str | None:
        """The value the selector pins `field` to with `=`/`==` (RequiresExactMatch)."""
        for name, op, value in self.requirements:
            if name == field and op == EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(
            f"{field}{op}{escape_value(value)}" for field, op, value in self.requirements
        )

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(self.requirements)


EVERYTHING = FieldSelector()


def parse_field_selector(text: str) -> FieldSelector:
    """Parse `?fieldSelector=`; raise a 400 Status with the real server's message if invalid.

    Terms are sorted as strings before they are parsed (as the real parser does), so with two
    bad terms the error names the one that sorts first, and `exact_value` sees terms in that
    order too.
    """
    if not text:
        return EVERYTHING
    requirements: list[FieldRequirement] = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise errors.bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, raw_value = split
        requirements.append(
            (field, NOT_EQUALS if op == "!=" else EQUALS, unescape_value(raw_value))
        )
    return FieldSelector(tuple(requirements))


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped; escapes stay in the terms for unescape_value."""
    if "\\" not in text:
        return text.split(",")
    terms: list[str] = []
    start, escaped = 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """Split at the first operator; field names have no escaping."""
    for i in range(len(term)):
        for op in _TERM_OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def escape_value(value: str) -> str:
    """fields.EscapeValue: make a literal safe to use as a term's value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(raw: str) -> str:
    """fields.UnescapeValue: undo escaping; a bare `,`/`=` or unknown escape is a 400."""
    if "\\" not in raw and "," not in raw and "=" not in raw:
        return raw
    out: list[str] = []
    escaped = False
    for ch in raw:
        if escaped:
            if ch not in "\\,=":
                raise errors.bad_request(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # Go formats the offending rune with %v, which prints its code point number.
            raise errors.bad_request(
                f"invalid field selector: unescaped character in value: {ord(ch)}"
            )
        else:
            out.append(ch)
    if escaped:
        raise errors.bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# How each kind's field label conversion rejects a field it does not know. Kinds without a
# conversion function of their own use the scheme's default, which accepts only
# metadata.name and metadata.namespace; custom resources use apiextensions' converter.
_NOT_SUPPORTED = "field label not supported: {field}"
_DEFAULT_NOT_SUPPORTED = (
    '{quoted} is not a known field selector: only "metadata.name", "metadata.namespace"'
)
UNSUPPORTED_FIELD_MESSAGES: Mapping[str, str] = {
    "Pod": _NOT_SUPPORTED,
    "Node": _NOT_SUPPORTED,
    "ReplicationController": _NOT_SUPPORTED,
    "Event": _NOT_SUPPORTED,
    "Event.events.k8s.io": _NOT_SUPPORTED,
    "Namespace": _NOT_SUPPORTED,
    "Secret": _NOT_SUPPORTED,
    "Service": _NOT_SUPPORTED,
    "Job.batch": "field label {quoted} not supported for batchv1.Job",
    "CertificateSigningRequest.certificates.k8s.io": _NOT_SUPPORTED,
}


def unsupported_field_message(field: str, *, kind_label: str, custom_resource: bool = False) -> str:
    """The text a real server gives when `kind_label` (`Kind` or `Kind.group`) lacks `field`."""
    if custom_resource:
        template = _NOT_SUPPORTED
    else:
        template = UNSUPPORTED_FIELD_MESSAGES.get(kind_label, _DEFAULT_NOT_SUPPORTED)
    return template.format(field=field, quoted=go_quote(field))


def check_supported(
    selector: FieldSelector,
    supported: Collection[str],
    *,
    kind_label: str,
    custom_resource: bool = False,
) -> None:
    """Raise the real server's 400 for the first term (in parse order) on a field outside
    `supported`. `kind_label` is the kind as schema.GroupKind prints it: `Pod`, `Job.batch`."""
    for field, _, _ in selector.requirements:
        if field not in supported:
            raise errors.bad_request(
                unsupported_field_message(
                    field, kind_label=kind_label, custom_resource=custom_resource
                )
            )
