"""The warning recorder: one header per distinct text, quoted as the apiserver quotes them."""

from __future__ import annotations

from kubegate.endpoints.warnings import TRUNCATE_ITEM, Recorder


def test_texts_are_deduplicated_and_quoted() -> None:
    recorder = Recorder()
    for text in ('unknown field "spec.foo"', 'unknown field "spec.foo"', "back\\slash", ""):
        recorder.add(text)
    assert recorder.headers() == ['299 - "unknown field \\"spec.foo\\""', '299 - "back\\\\slash"']


def test_texts_a_header_cannot_carry_are_dropped() -> None:
    recorder = Recorder()
    recorder.add('unknown field "a\nb"')
    recorder.add("tab\tis fine")
    assert recorder.headers() == ['299 - "tab\tis fine"']


def test_past_4096_characters_every_text_is_cut_to_256() -> None:
    recorder = Recorder()
    for number in range(30):
        recorder.add(f"{number:02d}" + "x" * 300)
    headers = recorder.headers()
    assert all(len(h) == len('299 - ""') + TRUNCATE_ITEM for h in headers)
    assert len(headers) == 16  # 16 truncated texts reach the 4096 budget; later ones are dropped
    assert headers[0].startswith('299 - "00xxx')
