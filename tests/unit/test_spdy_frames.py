"""The SPDY/3.1 frame codec that port-forward tunnels: layout, header compression, bad input.

Byte layouts come from the draft (control bit, version 3, type, flags, 24-bit length); the
dictionary is checked by the facts a peer depends on (its size, ends, and the DICTID a zlib
stream seeded with it announces). Whatever bytes arrive, the reader answers frames or
`ProtocolError`, nothing else.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from kubegate.endpoints.virtual import spdy

FRAMES: list[spdy.Frame] = [
    spdy.SynStream(1, {"streamtype": "error", "port": "8080", "requestid": "0"}, priority=2, slot=1),
    spdy.SynReply(1, {}),
    spdy.SynStream(3, {"streamtype": "data", "port": "8080", "requestid": "0"}, fin=True, unidirectional=True),
    spdy.Data(3, b"GET / HTTP/1.1\r\n\r\n"),
    spdy.Data(3, b"", fin=True),
    spdy.RstStream(3, spdy.CANCEL),
    spdy.Settings(((0, 4, 100), (1, 7, 65536)), clear=True),
    spdy.Ping(7),
    spdy.GoAway(5, spdy.GOAWAY_PROTOCOL_ERROR),
    spdy.Headers(1, {"x": "a\x00b"}, fin=True),
    spdy.WindowUpdate(0, 65536),
    spdy.UnknownControl(10, 0, b"\x00\x01"),
]


def _read_all(data: bytes, *, cut: int) -> list[spdy.Frame]:
    reader = spdy.FrameReader()
    frames: list[spdy.Frame] = []
    for at in range(0, len(data), cut):
        frames += reader.feed(data[at:at + cut])
    return frames


@pytest.mark.parametrize("cut", [1, 3, 7, 64, 100000])
def test_every_frame_round_trips_through_a_stream_cut_anywhere(cut: int) -> None:
    writer = spdy.FrameWriter()
    data = b"".join(writer.encode(frame) for frame in FRAMES)
    assert _read_all(data, cut=cut) == FRAMES


def test_frames_have_the_draft_layout() -> None:
    writer = spdy.FrameWriter()
    cases: list[tuple[spdy.Frame, bytes]] = [
        (spdy.Ping(1), b"\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01"),
        (spdy.RstStream(5, spdy.CANCEL), b"\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x05\x00\x00\x00\x05"),
        (spdy.GoAway(3), b"\x80\x03\x00\x07\x00\x00\x00\x08\x00\x00\x00\x03\x00\x00\x00\x00"),
        (spdy.Data(3, b"hi", fin=True), b"\x00\x00\x00\x03\x01\x00\x00\x02hi"),
        (spdy.WindowUpdate(1, 10), b"\x80\x03\x00\x09\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00\x0a"),
    ]
    for frame, wire in cases:
        assert writer.encode(frame) == wire
        assert spdy.FrameReader().feed(wire) == [frame]


def test_header_blocks_are_length_prefixed_pairs() -> None:
    assert spdy.encode_header_block({"port": "80"}) == b"\x00\x00\x00\x01\x00\x00\x00\x04port\x00\x00\x00\x0280"
    assert spdy.decode_header_block(b"\x00\x00\x00\x00") == {}


def test_header_blocks_are_deflated_with_the_spdy3_dictionary_in_one_context() -> None:
    assert len(spdy.DICTIONARY) == 1423
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b"charset=iso-8859-1,utf-,*,enq=0.")
    writer = spdy.FrameWriter()
    headers = {"content-type": "text/plain", "accept-encoding": "gzip,deflate,sdch"}
    first, second = writer.headers(headers), writer.headers(headers)
    cmf, flg = first[0], first[1]
    assert cmf & 0x0F == 8 and flg & 0x20, "a zlib stream announcing a preset dictionary"
    assert int.from_bytes(first[2:6], "big") == zlib.adler32(spdy.DICTIONARY), "and naming this one"
    plain = zlib.compressobj(9)
    assert len(first) < len(plain.compress(spdy.encode_header_block(headers)) + plain.flush(zlib.Z_SYNC_FLUSH))
    # the second block continues the same stream: alone it is not zlib, after the first it reads
    with pytest.raises(zlib.error):
        zlib.decompressobj(zdict=spdy.DICTIONARY).decompress(second)
    reader = spdy.FrameReader()
    assert reader.headers(first) == headers and reader.headers(second) == headers


def _deflated(raw_block: bytes, *, zdict: bytes = spdy.DICTIONARY) -> bytes:
    deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    return deflate.compress(raw_block) + deflate.flush(zlib.Z_SYNC_FLUSH)


def _control(frame_type: int, payload: bytes, *, version: int = 3) -> bytes:
    return struct.pack(">HHB", 0x8000 | version, frame_type, 0) + len(payload).to_bytes(3, "big") + payload


def _syn_stream(block: bytes, stream_id: int = 1) -> bytes:
    return _control(spdy.SYN_STREAM, struct.pack(">IIBB", stream_id, 0, 0, 0) + block)


def _pair(name: bytes, value: bytes) -> bytes:
    return len(name).to_bytes(4, "big") + name + len(value).to_bytes(4, "big") + value


MALFORMED = {
    "version 2": _control(spdy.PING, b"\x00\x00\x00\x01", version=2),
    "short RST_STREAM": _control(spdy.RST_STREAM, b"\x00" * 7),
    "long PING": _control(spdy.PING, b"\x00" * 8),
    "short SYN_STREAM": _control(spdy.SYN_STREAM, b"\x00" * 9),
    "SETTINGS count past its entries": _control(spdy.SETTINGS, b"\x00\x00\x00\x02" + b"\x00" * 8),
    "data on stream 0": b"\x00\x00\x00\x00\x00\x00\x00\x01x",
    "RST_STREAM of stream 0": _control(spdy.RST_STREAM, b"\x00" * 8),
    "SYN_STREAM of stream 0": _syn_stream(_deflated(b"\x00\x00\x00\x00"), stream_id=0),
    "header block not zlib": _syn_stream(b"not zlib at all"),
    "header block seeded with another dictionary": _syn_stream(_deflated(b"\x00\x00\x00\x00", zdict=b"other")),
    "uppercase header name": _syn_stream(_deflated(b"\x00\x00\x00\x01" + _pair(b"Port", b"80"))),
    "duplicate header name": _syn_stream(_deflated(b"\x00\x00\x00\x02" + _pair(b"port", b"1") + _pair(b"port", b"2"))),
    "empty header name": _syn_stream(_deflated(b"\x00\x00\x00\x01" + _pair(b"", b"1"))),
    "pair count past the block": _syn_stream(_deflated(b"\x00\x00\x00\x09" + _pair(b"port", b"1"))),
    "name length past the block": _syn_stream(_deflated(b"\x00\x00\x00\x01\x00\x00\x01\x00port\x00\x00\x00\x00")),
    "trailing bytes": _syn_stream(_deflated(b"\x00\x00\x00\x00junk")),
    "block too short": _syn_stream(_deflated(b"\x00\x00")),
    "decompression bomb": _syn_stream(_deflated(b"\x00\x00\x00\x01" + _pair(b"x", b"a" * (spdy.MAX_HEADER_BLOCK + 1)))),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_frames_are_protocol_errors(name: str) -> None:
    with pytest.raises(spdy.ProtocolError):
        spdy.FrameReader().feed(MALFORMED[name])


def test_unknown_control_frames_are_skipped_and_the_stream_goes_on() -> None:
    data = _control(10, b"credential bytes") + spdy.FrameWriter().encode(spdy.Ping(3))
    assert spdy.FrameReader().feed(data) == [spdy.UnknownControl(10, 0, b"credential bytes"), spdy.Ping(3)]


def test_random_bytes_give_frames_or_protocol_errors_only() -> None:
    generator = random.Random(20240531)
    heads = [b"", b"\x80\x03\x00\x01", b"\x80\x03\x00\x02", b"\x80\x03\x00\x04", b"\x00\x00\x00\x01"]
    for _ in range(3000):
        data = generator.choice(heads) + generator.randbytes(generator.randrange(0, 64))
        try:
            spdy.FrameReader().feed(data)
        except spdy.ProtocolError:
            pass
