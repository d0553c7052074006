"""Warning headers: `Warning: 299 - "text"`, which kubectl prints as `Warning: text`.

Handlers add warnings as they find them (unknown fields under `fieldValidation=Warn`, for one);
each response then carries one header per distinct text, on success and failure alike, as the
real server's warning recorder writes them. The recorder deduplicates, and past 4096 characters
in all it truncates every text to 256 characters, as k8s.io/apiserver does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

#: Total characters of warning text before texts get truncated, and the truncated length.
TRUNCATE_AT_TOTAL = 4 * 1024
TRUNCATE_ITEM = 256


class Recorder:
    """The warnings of one request, deduplicated, in the order they were added."""

    __slots__ = ("texts",)

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, text: str) -> None:
        # a header cannot carry control characters: such a warning is dropped, as the real
        # recorder drops texts it cannot put in a header
        if text and text not in self.texts and not any(ord(c) < 32 and c != "\t" or c == "\x7f" for c in text):
            self.texts.append(text)

    def headers(self) -> list[str]:
        """The Warning header values to send, as the real recorder would have written them."""
        written, truncating, out = 0, False, []
        for number, text in enumerate(self.texts):
            if truncating:
                if written >= TRUNCATE_AT_TOTAL:
                    break  # once truncated texts fill the budget, later ones are dropped
                text = text[:TRUNCATE_ITEM]
            elif written + len(text) > TRUNCATE_AT_TOTAL:
                # over budget: start truncating, and replay everything so far truncated
                truncating = True
                out = [earlier[:TRUNCATE_ITEM] for earlier in self.texts[: number + 1]]
                written = sum(len(earlier) for earlier in out)
                continue
            written += len(text)
            out.append(text)
        return [f"299 - {_quote(text)}" for text in out]


_KEY_FACTORY = getattr(web, "RequestKey", None)
#: where a request keeps its recorder (a typed request key where aiohttp has them)
WARNINGS_KEY: Any = _KEY_FACTORY("kubegate.warnings", Recorder) if _KEY_FACTORY else "kubegate.warnings"


def _quote(text: str) -> str:
    """The quoted-string of RFC 7234 warnings, escaping only `"` and `\\` as the apiserver does."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_warning(request: web.Request, text: str) -> None:
    """Record a warning for this request's response."""
    recorder = request.get(WARNINGS_KEY)
    if recorder is None:
        recorder = request[WARNINGS_KEY] = Recorder()
    recorder.add(text)


async def write_warnings(request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp `on_response_prepare` hook: put the recorded warnings on the response."""
    recorder = request.get(WARNINGS_KEY)
    if recorder is not None:
        for value in recorder.headers():
            response.headers.add("Warning", value)
