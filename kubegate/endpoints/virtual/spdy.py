"""SPDY/3.1 frames, the protocol kubectl 1.31+ tunnels inside a WebSocket for port-forward.

client-go's port-forward speaks SPDY/3.1 (httpstream/spdy on moby/spdystream) and, since 1.31,
carries those bytes in WebSocket binary messages (subprotocol `SPDY/3.1+portforward.k8s.io`).
The messages split the byte stream anywhere (the Go framer writes field by field), so
`FrameReader` takes bytes as they come and hands back whole frames.

Frames (draft 3.1): a control frame is `1 | version(15) | type(16) | flags(8) | length(24)` and
its payload; a data frame is `0 | stream id(31) | flags(8) | length(24)` and the data. Header
blocks (SYN_STREAM, SYN_REPLY, HEADERS) are `count(32)` then `len(32) name len(32) value` pairs,
compressed with zlib seeded by the SPDY/3 dictionary. Each direction keeps ONE compression
context for the whole session: every block must be inflated in order, even a refused stream's,
and frames must be sent in the order their blocks were deflated.

Anything malformed raises `ProtocolError`, which ends the session with GOAWAY; never a crash.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from collections.abc import Callable, Mapping

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN, FLAG_UNIDIRECTIONAL = 0x01, 0x02
#: RST_STREAM status codes used here
PROTOCOL_ERROR_STATUS, REFUSED_STREAM, CANCEL = 1, 3, 5
#: GOAWAY status codes
GOAWAY_OK, GOAWAY_PROTOCOL_ERROR = 0, 1
MAX_STREAM_ID = 0x7FFFFFFF
#: a decompressed header block larger than this is refused (a zlib bomb costs nothing to send)
MAX_HEADER_BLOCK = 256 * 1024

#: The dictionary (draft 3, "Compression"): header words, each after its 4-byte length...
_WORDS = (
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
    "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
    "content-base", "content-encoding", "content-language", "content-length", "content-location",
    "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
    "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
    "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
    "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
    "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
    "public", "set-cookie", "keep-alive", "origin",
)
#: ...then status codes, reason phrases, dates and common values, with no lengths.
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
    "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
    "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
    "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
DICTIONARY = b"".join(len(word).to_bytes(4, "big") + word.encode() for word in _WORDS) + _TAIL.encode()


class ProtocolError(Exception):
    """Bytes that are not SPDY/3.1 as this server reads it; the session cannot go on."""


@dataclasses.dataclass(frozen=True, slots=True)
class Data:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class SynStream:
    stream_id: int
    headers: Mapping[str, str]
    associated_to: int = 0
    priority: int = 0
    slot: int = 0
    fin: bool = False
    unidirectional: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class SynReply:
    stream_id: int
    headers: Mapping[str, str]
    fin: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class RstStream:
    stream_id: int
    status: int


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    #: (flags, id, value) entries
    entries: tuple[tuple[int, int, int], ...] = ()
    clear: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Ping:
    ping_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class GoAway:
    last_good_stream_id: int
    status: int = GOAWAY_OK


@dataclasses.dataclass(frozen=True, slots=True)
class Headers:
    stream_id: int
    headers: Mapping[str, str]
    fin: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class WindowUpdate:
    stream_id: int
    delta: int


@dataclasses.dataclass(frozen=True, slots=True)
class UnknownControl:
    """A control frame type this server does not know; the draft says to ignore it."""

    frame_type: int
    flags: int
    payload: bytes


Frame = Data | SynStream | SynReply | RstStream | Settings | Ping | GoAway | Headers | WindowUpdate | UnknownControl


def encode_header_block(headers: Mapping[str, str]) -> bytes:
    """The uncompressed block; a value with several entries joins them with NUL."""
    parts = [len(headers).to_bytes(4, "big")]
    for name, value in headers.items():
        for text in (name, value):
            raw = text.encode("latin-1")
            parts += (len(raw).to_bytes(4, "big"), raw)
    return b"".join(parts)


def decode_header_block(raw: bytes) -> dict[str, str]:
    """Names must be non-empty, lowercase and unique, as the Go framer requires."""
    if len(raw) < 4:
        raise ProtocolError("header block too short")
    count, at, headers = int.from_bytes(raw[:4], "big"), 4, {}
    if count > (len(raw) - 4) // 8:
        raise ProtocolError("header block counts more pairs than it holds")
    for _ in range(count):
        name, at = _length_prefixed(raw, at)
        value, at = _length_prefixed(raw, at)
        if not name:
            raise ProtocolError("header name is empty")
        if name != name.lower():
            raise ProtocolError("header was not lowercased")
        if name in headers:
            raise ProtocolError("multiple headers with same name")
        headers[name] = value
    if at != len(raw):
        raise ProtocolError("header block has trailing bytes")
    return headers


def _length_prefixed(raw: bytes, at: int) -> tuple[str, int]:
    if at + 4 > len(raw):
        raise ProtocolError("header block truncated")
    end = at + 4 + int.from_bytes(raw[at:at + 4], "big")
    if end > len(raw):
        raise ProtocolError("header block truncated")
    return raw[at + 4:end].decode("latin-1"), end


class FrameReader:
    """Whole frames out of a byte stream cut anywhere; one inflate context for all blocks."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= 8:
            end = 8 + int.from_bytes(self._buffer[5:8], "big")
            if len(self._buffer) < end:
                break
            head, payload = bytes(self._buffer[:8]), bytes(self._buffer[8:end])
            del self._buffer[:end]
            frames.append(self._frame(head, payload))
        return frames

    def _frame(self, head: bytes, payload: bytes) -> Frame:
        word, flags = int.from_bytes(head[:4], "big"), head[4]
        if not word & 0x80000000:
            stream_id = word & MAX_STREAM_ID
            if stream_id == 0:
                raise ProtocolError("stream id zero is disallowed")
            return Data(stream_id, payload, fin=bool(flags & FLAG_FIN))
        version, frame_type = (word >> 16) & 0x7FFF, word & 0xFFFF
        if version != VERSION:
            raise ProtocolError(f"unsupported SPDY version {version}")
        parse = _PARSERS.get(frame_type)
        if parse is None:
            return UnknownControl(frame_type, flags, payload)
        minimum, exact = _LENGTHS[frame_type]
        if len(payload) < minimum or (exact and len(payload) != minimum):
            raise ProtocolError(f"invalid control frame: type {frame_type} with {len(payload)} bytes")
        return parse(self, flags, payload)

    def headers(self, block: bytes) -> dict[str, str]:
        try:
            raw = self._inflate.decompress(block, MAX_HEADER_BLOCK)
        except zlib.error as error:
            raise ProtocolError(f"header block does not inflate: {error}") from None
        if self._inflate.unconsumed_tail:
            raise ProtocolError("header block too large")
        return decode_header_block(raw)


def _stream_id(payload: bytes, at: int = 0) -> int:
    return int.from_bytes(payload[at:at + 4], "big") & MAX_STREAM_ID


def _nonzero(stream_id: int) -> int:
    if stream_id == 0:
        raise ProtocolError("stream id zero is disallowed")
    return stream_id


def _syn_stream(reader: FrameReader, flags: int, payload: bytes) -> SynStream:
    return SynStream(_nonzero(_stream_id(payload)), reader.headers(payload[10:]), associated_to=_stream_id(payload, 4),
                     priority=payload[8] >> 5, slot=payload[9], fin=bool(flags & FLAG_FIN),
                     unidirectional=bool(flags & FLAG_UNIDIRECTIONAL))


def _settings(reader: FrameReader, flags: int, payload: bytes) -> Settings:
    count = int.from_bytes(payload[:4], "big")
    if len(payload) != 4 + 8 * count:
        raise ProtocolError("invalid control frame: SETTINGS length does not match its count")
    entries = tuple((payload[at], int.from_bytes(payload[at + 1:at + 4], "big"),
                     int.from_bytes(payload[at + 4:at + 8], "big")) for at in range(4, len(payload), 8))
    return Settings(entries, clear=bool(flags & 0x01))


_Parser = Callable[[FrameReader, int, bytes], Frame]
_PARSERS: dict[int, _Parser] = {
    SYN_STREAM: _syn_stream,
    SYN_REPLY: lambda r, f, p: SynReply(_nonzero(_stream_id(p)), r.headers(p[4:]), fin=bool(f & FLAG_FIN)),
    RST_STREAM: lambda r, f, p: RstStream(_nonzero(_stream_id(p)), int.from_bytes(p[4:8], "big")),
    SETTINGS: _settings,
    PING: lambda r, f, p: Ping(int.from_bytes(p, "big")),
    GOAWAY: lambda r, f, p: GoAway(_stream_id(p), int.from_bytes(p[4:8], "big")),
    HEADERS: lambda r, f, p: Headers(_nonzero(_stream_id(p)), r.headers(p[4:]), fin=bool(f & FLAG_FIN)),
    WINDOW_UPDATE: lambda r, f, p: WindowUpdate(_stream_id(p), int.from_bytes(p[4:8], "big") & MAX_STREAM_ID),
}
#: the payload length of each control frame: (minimum, exactly that)
_LENGTHS = {SYN_STREAM: (10, False), SYN_REPLY: (4, False), RST_STREAM: (8, True), SETTINGS: (4, False),
            PING: (4, True), GOAWAY: (8, True), HEADERS: (4, False), WINDOW_UPDATE: (8, True)}


class FrameWriter:
    """Frames to bytes; one deflate context, so encode in the order the frames are sent."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)

    def headers(self, headers: Mapping[str, str]) -> bytes:
        return self._deflate.compress(encode_header_block(headers)) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def encode(self, frame: Frame) -> bytes:
        match frame:
            case Data(stream_id, data, fin):
                return struct.pack(">IB", stream_id & MAX_STREAM_ID, FLAG_FIN if fin else 0) + _length(data) + data
            case SynStream():
                flags = (FLAG_FIN if frame.fin else 0) | (FLAG_UNIDIRECTIONAL if frame.unidirectional else 0)
                body = struct.pack(">IIBB", frame.stream_id, frame.associated_to, (frame.priority & 7) << 5, frame.slot)
                return _control(SYN_STREAM, flags, body + self.headers(frame.headers))
            case SynReply(stream_id, headers, fin) | Headers(stream_id, headers, fin):
                kind = SYN_REPLY if isinstance(frame, SynReply) else HEADERS
                return _control(kind, FLAG_FIN if fin else 0, struct.pack(">I", stream_id) + self.headers(headers))
            case RstStream(stream_id, status):
                return _control(RST_STREAM, 0, struct.pack(">II", stream_id, status))
            case Settings(entries, clear):
                body = struct.pack(">I", len(entries)) + b"".join(
                    bytes([flags]) + key.to_bytes(3, "big") + struct.pack(">I", value) for flags, key, value in entries)
                return _control(SETTINGS, 0x01 if clear else 0, body)
            case Ping(ping_id):
                return _control(PING, 0, struct.pack(">I", ping_id))
            case GoAway(last, status):
                return _control(GOAWAY, 0, struct.pack(">II", last, status))
            case WindowUpdate(stream_id, delta):
                return _control(WINDOW_UPDATE, 0, struct.pack(">II", stream_id, delta))
            case UnknownControl(frame_type, flags, payload):
                return _control(frame_type, flags, payload)
        raise TypeError(f"not a SPDY frame: {frame!r}")


def _length(payload: bytes) -> bytes:
    if len(payload) >= 1 << 24:
        raise ValueError("a SPDY frame holds at most 16 MiB")
    return len(payload).to_bytes(3, "big")


def _control(frame_type: int, flags: int, payload: bytes) -> bytes:
    return struct.pack(">HHB", 0x8000 | VERSION, frame_type, flags) + _length(payload) + payload
