"""Quotations: where they open and close in a text, and lookups by position."""

from __future__ import annotations

import re
from bisect import bisect_right

from pipeline.nlp.spans import CharSpan, trim

OPEN_QUOTES = "“«"
CLOSE_QUOTES = "”»"
AMBIGUOUS_QUOTES = ('"', "''")
_QUOTE_MARK = re.compile(r"''|``|[“”«»\"]")


def quote_spans(text: str) -> list[CharSpan]:
    """Character spans of quotations, marks included, one paragraph at most each.

    Curly marks open and close; straight double quotes and '' (two apostrophes) toggle, judged by
    the characters around them. A quotation left open at the end of its paragraph (the usual way a
    quotation running over several paragraphs is written) ends with the paragraph.
    """
    spans: list[CharSpan] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        open_at: int | None = None
        for m in _QUOTE_MARK.finditer(line):
            mark = m.group()
            s, e = pos + m.start(), pos + m.end()
            before = text[s - 1] if s > pos else " "
            after = text[e] if e < end else " "
            if mark in OPEN_QUOTES or mark == "``":
                # “ written where a closing mark belongs: right after a word and before a space
                if open_at is not None and not before.isspace() and (after.isspace() or after in ".,;:"):
                    spans.append((open_at, e))
                    open_at = None
                else:
                    if open_at is not None:
                        spans.append((open_at, s))
                    open_at = s
            elif mark in CLOSE_QUOTES:
                if open_at is not None:
                    spans.append((open_at, e))
                    open_at = None
            else:
                looks_open = (before.isspace() or before in "([{—–-/") and not after.isspace()
                if open_at is None and (looks_open or not after.isspace()):
                    open_at = s
                elif open_at is not None:
                    spans.append((open_at, e))
                    open_at = None
        if open_at is not None:
            tail = line.rstrip()
            if pos + len(tail) > open_at + 1:
                spans.append((open_at, pos + len(tail)))
        pos = end + 1
    return spans


class Quotes:
    """Quotation spans of one text, with lookups by position."""

    def __init__(self, text: str):
        self.text = text
        self.spans = quote_spans(text)
        self.starts = [s for s, _ in self.spans]

    def containing(self, pos: int) -> CharSpan | None:
        """The quotation whose inside (between its marks) holds `pos`."""
        k = bisect_right(self.starts, pos) - 1
        if k >= 0:
            s, e = self.spans[k]
            if s < pos < e:
                return s, e
        return None

    def starting_at(self, pos: int) -> CharSpan | None:
        k = bisect_right(self.starts, pos) - 1
        if k >= 0 and self.spans[k][0] == pos:
            return self.spans[k]
        return None

    def ending_at(self, pos: int) -> CharSpan | None:
        """The quotation whose closing mark ends exactly at `pos`."""
        k = bisect_right(self.starts, pos) - 1
        while k >= 0:
            s, e = self.spans[k]
            if e == pos:
                return s, e
            if e < pos:
                return None
            k -= 1
        return None

    def overlapping(self, span: CharSpan) -> list[CharSpan]:
        k = bisect_right(self.starts, span[1]) - 1
        out = []
        while k >= 0:
            s, e = self.spans[k]
            if e <= span[0]:
                break
            if s < span[1]:
                out.append((s, e))
            k -= 1
        return out[::-1]

    def inner(self, q: CharSpan) -> CharSpan:
        """A quotation without its marks and the punctuation that ends it (“A,” → A)."""
        s, e = q
        m = _QUOTE_MARK.match(self.text, s)
        if m:
            s = m.end()
        tail = self.text[s:e]
        for mark in ("''", "”", "»", '"', "“"):
            if tail.endswith(mark) and e - len(mark) > s:
                e -= len(mark)
                break
        return trim(self.text, (s, e), strip_quotes=True) or (s, e)
