"""How Go prints values in Kubernetes messages: `%q` strings and slices, error aggregates.

Error texts that clients see are copied from Go code that formats with `%q` and
`utilerrors.NewAggregate`; one implementation here keeps every message consistent.
"""

from __future__ import annotations

from collections.abc import Iterable

_GO_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f",
    "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
}  # fmt: skip


def go_quote(text: str) -> str:
    """Go's `%q` / strconv.Quote: how Kubernetes messages print strings."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_quote_list(values: Iterable[str]) -> str:
    """Go's `%q` of a []string: `["a" "b"]`."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


def aggregate_errors(messages: Iterable[str]) -> str:
    """apimachinery's `Aggregate.Error()`: one message as is, several `[a, b]`, deduplicated."""
    unique = list(dict.fromkeys(message for message in messages if message))
    if len(unique) <= 1:
        return "".join(unique)
    return "[" + ", ".join(unique) + "]"


def klog_pairs(**fields: object) -> str:
    """`key="value"` pairs as klog writes a structured line: every value quoted as Go's %q.

    The one way request-derived text (a path, a header, an error naming either) enters a log
    line: quoting keeps a `%0a` in a path from starting a second, forged line.
    """
    return " ".join(f"{key}={go_quote(str(value))}" for key, value in fields.items())
