"""Go `[]byte` fields as JSON carries them: base64 text in, `%#v` in validation messages.

The real server decodes a `[]byte` field (a CSR's `spec.request`, a Secret's `data`) with
encoding/json, which reads standard base64 and skips line breaks; a bad character or bad
padding fails the whole body with `illegal base64 data at input byte N`. Validation errors
print such a field's bad value with Go's `%#v`, as `[]byte{0x2d, 0x2d, ...}`. Both are here so
that every `[]byte` field answers alike.
"""

from __future__ import annotations

import base64
import binascii

from kubegate.api.gotypes import GoValue

_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_NEWLINES = frozenset(b"\r\n")
_PAD = ord("=")


class Base64Error(ValueError):
    """A string encoding/base64 refuses; the message is Go's CorruptInputError text."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


def decode_base64(text: str) -> bytes:
    """base64.StdEncoding.DecodeString, with its error offsets."""
    data = text.encode("utf-8", "surrogatepass")
    _check(data)
    cleaned = bytes(b for b in data if b not in _NEWLINES)
    try:
        return base64.b64decode(cleaned, validate=True)
    except binascii.Error:  # _check accepts exactly what Go accepts; this is a safety net
        raise Base64Error(0) from None


def _check(src: bytes) -> None:
    """Walk the input in quanta of four as Go's decodeQuantum does, raising where it would."""
    si = 0
    while si < len(src):
        j = 0
        while j < 4:
            if si == len(src):
                if j == 0:
                    return
                raise Base64Error(si - j)
            char = src[si]
            si += 1
            if char in _ALPHABET:
                j += 1
                continue
            if char in _NEWLINES:
                continue
            if char != _PAD or j < 2:
                raise Base64Error(si - 1)
            if j == 2:  # "==" expected: the first "=" is consumed, look for the second
                while si < len(src) and src[si] in _NEWLINES:
                    si += 1
                if si == len(src):
                    raise Base64Error(len(src))
                if src[si] != _PAD:
                    raise Base64Error(si - 1)
                si += 1
            while si < len(src) and src[si] in _NEWLINES:
                si += 1
            if si < len(src):
                raise Base64Error(si)  # trailing garbage after the padding
            return


def go_bytes(data: bytes | None) -> GoValue:
    """`%#v` of a []byte: `[]byte{0x2d, 0xa}`, `[]byte{}`, or `[]byte(nil)` for a missing one."""
    if data is None:
        return GoValue("[]byte(nil)")
    return GoValue("[]byte{" + ", ".join(f"0x{b:x}" for b in data) + "}")
