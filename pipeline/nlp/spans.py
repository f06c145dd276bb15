"""Small helpers over spaCy tokens and character spans, shared by the extractors."""

from __future__ import annotations

import re
from typing import Collection, Iterable, Mapping

import numpy
from spacy.attrs import LEMMA, LOWER, POS
from spacy.tokens import Doc, Span, Token

CharSpan = tuple[int, int]

_TRIM = set(" \t\r\n,;:.—–-")
_QUOTES_OPEN = "“\"‘«'"
_QUOTES_CLOSE = "”\"’»'"


def doc_text(doc: Doc) -> str:
    """doc.text, computed once per Doc: spaCy rebuilds it from the tokens on every read, and the
    extractors read it dozens of times per document."""
    text = doc.user_data.get("newsclaims_text")
    if text is None:
        text = doc.user_data["newsclaims_text"] = doc.text
    return text


def remember_text(doc: Doc, text: str) -> None:
    """Give doc_text the text the doc was made from (spaCy's tokenizer loses no character, and the
    pieces of a long text join back to it: doc.text is this text), instead of having it rebuilt
    from the tokens."""
    doc.user_data["newsclaims_text"] = text


def doc_ents(doc: Doc) -> list[tuple[int, int, str]]:
    """(start_char, end_char, label) of doc.ents, computed once per Doc (spaCy builds new Span
    objects on every read of doc.ents)."""
    ents = doc.user_data.get("newsclaims_ents")
    if ents is None:
        ents = doc.user_data["newsclaims_ents"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return ents


#: hash of a lemma → the lemma lower-cased, for `tokens_with_lemma` (hashes are the same in every
#: Doc and process: spaCy's string hashes); emptied when it grows past LOWER_LEMMAS_MAX entries.
_LOWER_LEMMAS: dict[int, str] = {}
LOWER_LEMMAS_MAX = 500_000


def tokens_with_lemma(
    doc: Doc,
    lemmas: Collection[str],
    fixes: Mapping[str, str] | None = None,
    lowers: Collection[str] = (),
    pos: Collection[str] | None = None,
) -> list[int]:
    """Indices, in order, of the tokens whose lemma is one of lemmas (their lemma_ lower-cased, or
    fixes[their lower_] where that is a key), of a part of speech in pos (None: any), and of the
    tokens whose lower_ is one of lowers (any part of speech).

    What an extractor's loop over every token would test first, in one pass over the doc's arrays
    and its distinct lemmas: the loop then visits only these tokens."""
    if not len(doc):
        return []
    strings = doc.vocab.strings
    arr = doc.to_array([LOWER, LEMMA, POS])
    low, lem = arr[:, 0], arr[:, 1]
    if len(_LOWER_LEMMAS) > LOWER_LEMMAS_MAX:
        _LOWER_LEMMAS.clear()
    wanted = []
    for h in numpy.unique(lem).tolist():
        lower = _LOWER_LEMMAS.get(h)
        if lower is None:
            lower = _LOWER_LEMMAS[h] = strings[h].lower()
        if lower in lemmas:
            wanted.append(h)
    hit = numpy.isin(lem, wanted)
    for form, fixed in (fixes or {}).items():
        if fixed:  # a fixed lemma stands for the token's own
            hit[low == strings[form]] = fixed in lemmas
    if pos is not None:
        hit &= numpy.isin(arr[:, 2], [strings[p] for p in pos])
    if lowers:
        hit |= numpy.isin(low, [strings[w] for w in lowers])
    return numpy.flatnonzero(hit).tolist()


def char_span_of(tokens: Iterable[Token]) -> CharSpan | None:
    toks = sorted(tokens, key=lambda t: t.i)
    if not toks:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def trim(text: str, span: CharSpan | None, strip_quotes: bool = False) -> CharSpan | None:
    """Shrink a span past surrounding white space and punctuation (and, if asked, balanced quotes)."""
    if span is None:
        return None
    s, e = span
    chars = _TRIM | (set(_QUOTES_OPEN + _QUOTES_CLOSE) if strip_quotes else set())
    while s < e and text[s] in chars:
        s += 1
    while e > s and text[e - 1] in chars:
        e -= 1
    if not strip_quotes:
        # a closing quote left without its opening one (or the reverse) is trimmed
        inner = text[s:e]
        if inner and inner[-1] in _QUOTES_CLOSE and not any(q in inner[:-1] for q in _QUOTES_OPEN):
            e -= 1
        inner = text[s:e]
        if inner and inner[0] in _QUOTES_OPEN and not any(q in inner[1:] for q in _QUOTES_CLOSE):
            s += 1
        while s < e and text[s] in _TRIM:
            s += 1
        while e > s and text[e - 1] in _TRIM:
            e -= 1
    return (s, e) if e > s else None


def subtree_tokens(token: Token, exclude_deps: frozenset[str] = frozenset()) -> list[Token]:
    """The token's subtree, leaving out the subtrees of children whose dependency is excluded."""
    out = [token]
    for child in token.children:
        if child.dep_ in exclude_deps:
            continue
        out.extend(subtree_tokens(child, exclude_deps))
    return out


def contiguous(tokens: list[Token]) -> list[Token]:
    """The run of tokens from the first to the last (the parse may leave holes; spans are contiguous)."""
    if not tokens:
        return []
    doc = tokens[0].doc
    lo = min(t.i for t in tokens)
    hi = max(t.i for t in tokens)
    return list(doc[lo : hi + 1])


def sentence_index_map(doc: Doc) -> dict[int, int]:
    """token index → sentence index."""
    out = {}
    for si, sent in enumerate(doc.sents):
        for t in sent:
            out[t.i] = si
    return out


_NAV_HEAD = re.compile(
    r"^\s*(read also|read more|see also|related( articles| stories| news)?|more on this( story)?|"
    r"also read|recommended|you may also like|most read)\s*:?\s*$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*([-•*–—]|\d+[.)])\s+\S")


def navigation_spans(text: str) -> list[CharSpan]:
    """Character ranges of "Read also:"-style link lists: navigation, not the article's claims.

    A heading line such as "Read also:" and the list items (or short lines) that follow it.
    """
    spans: list[CharSpan] = []
    pos = 0
    lines = text.splitlines(keepends=True)
    in_nav = False
    start = 0
    for line in lines:
        stripped = line.strip()
        if _NAV_HEAD.match(line):
            if not in_nav:
                in_nav, start = True, pos
        elif in_nav and not (stripped == "" or _LIST_ITEM.match(line)):
            spans.append((start, pos))
            in_nav = False
        pos += len(line)
    if in_nav:
        spans.append((start, pos))
    return spans


def in_spans(span: CharSpan, spans: list[CharSpan]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e in spans)


def overlaps(a: CharSpan | None, b: CharSpan | None) -> bool:
    return bool(a and b and a[0] < b[1] and b[0] < a[1])


def as_span(doc: Doc, span: CharSpan) -> Span | None:
    return doc.char_span(span[0], span[1], alignment_mode="expand")
