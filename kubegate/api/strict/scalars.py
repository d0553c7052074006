"""Scalars Go parses itself while decoding: base64 bytes and quantities (timestamps: `times`).

Their errors are not `UnmarshalTypeError`s but the parsers' own texts, which the real server
passes on as they are: `illegal base64 data at input byte 4`, `quantities must match the
regular expression ...`. Each check answers None for a good value, or that text.
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

