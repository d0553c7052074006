"""`kubegate serve --help` is built from data: OPTIONS rows, grouped by SECTIONS, with defaults.

Other changes add rows to OPTIONS; these checks keep the sections meaningful as they do.
"""

from __future__ import annotations

import pytest

from kubegate.config import OPTIONS, SECTIONS, format_duration, sections


def test_every_section_opens_at_a_row_and_they_come_in_row_order() -> None:
    flags = [option.flag for option in OPTIONS]
    openers = [flag for _, flag in SECTIONS]
    assert all(flag in flags for flag in openers), "a section opens at a flag that is no OPTIONS row"
    assert [flags.index(flag) for flag in openers] == sorted(flags.index(flag) for flag in openers)
    assert openers[0] == flags[0], "the first row opens the first section"


def test_sections_hold_every_row_once() -> None:
    grouped = sections()
    assert [title for title, _ in grouped] == [title for title, _ in SECTIONS]
    assert [option for _, options in grouped for option in options] == list(OPTIONS)
    by_title = {title: {o.flag for o in options} for title, options in grouped}
    assert {"data-dir", "etcd-servers"} <= by_title["storage"]
    assert {"oidc-issuer-url", "token-auth-file"} <= by_title["authentication"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0, "0s"), (0.3, "300ms"), (2.0, "2s"), (90.5, "1m30.5s"), (300.0, "5m0s"), (365 * 86400.0, "8760h0m0s")],
)
def test_durations_are_shown_as_go_prints_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
