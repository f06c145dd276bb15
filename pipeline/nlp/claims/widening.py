"""Whole quotations and continuations: a content that touches a quotation takes all of it, a
quotation right after a quoted claim's sentence continues it, and claims nested inside another
claim's content that are not claims of their own are left out."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace

from spacy.tokens import Doc

from pipeline.nlp.claims.claim import CONTINUED, Claim, Construction, base_construction
from pipeline.nlp.claims.quotes import Quotes
from pipeline.nlp.spans import CharSpan, doc_text


def widen_to_quotes(content: CharSpan, cue: CharSpan, quotes: Quotes) -> CharSpan:
    """A content that starts or ends inside a quotation takes the whole quotation (not its marks)."""
    s, e = content
    for q in quotes.overlapping(content):
        if q[0] <= cue[0] < q[1]:
            continue
        inner = quotes.inner(q)
        if q[0] <= s < q[1]:
            s = inner[0]  # from inside (or from the opening mark of) the quotation: all of it
        if q[0] < e < q[1]:
            e = max(e, inner[1])
    return s, e


CONTINUE_PARAPHRASE = True
#: A continuing quotation may follow the rest of the claim's sentence (a speaker's apposition).
SKIP_APPOSITION = True
#: The speaker's apposition runs to the next quotation in the paragraph, whatever the parser's
#: sentences (at most this many characters; quotations of at most TITLE_MAX_WORDS words without
#: punctuation inside it are titles, not the continuation). +0.001 attribution F1 on the held-out
#: tenth of train, +0.002 with REST_IGNORES_TOP_LEVEL_ONLY (on since session 20: see
#: claim_model.SHORT_OBJECT_MIN_TOKENS).
REST_TO_NEXT_QUOTE = True
REST_MAX_CHARS = 300
#: ... and a cue of a TOP_LEVEL_ONLY construction in it does not stop the continuation.
REST_IGNORES_TOP_LEVEL_ONLY = True
TITLE_MAX_WORDS = 4
#: Paraphrase constructions a following quotation may continue ("He said that A. “B.”").
PARAPHRASES = frozenset({Construction.VERB_CLAUSE, Construction.VERB_CLAUSE_SPLIT})


def continue_quotes(claims: list[Claim], doc: Doc, quotes: Quotes, sent_bounds: list[CharSpan]) -> list[Claim]:
    """“A,” she said. “B.” — the quotation right after a quoted claim's sentence continues it."""
    text = doc_text(doc)
    cue_starts = sorted(c.cue[0] for c in claims)
    # an apposition may hold an object, preposition or intention cue ("..., who sent a letter
    # criticizing the sales."): part of the speaker's description, not a claim that takes the quotation
    rest_cues = (
        sorted(c.cue[0] for c in claims if base_construction(c.construction) not in TOP_LEVEL_ONLY)
        if REST_IGNORES_TOP_LEVEL_ONLY
        else cue_starts
    )
    sent_starts = [s for s, _ in sent_bounds]
    out = []
    for c in claims:
        if not (_is_quoted(c, quotes) or CONTINUE_PARAPHRASE and base_construction(c.construction) in PARAPHRASES):
            out.append(c)
            continue
        end = max(c.content[1], c.cue[1], c.speaker[1] if c.speaker else 0)
        new_end = c.content[1]
        pos = _sentence_rest(text, quotes, end, sent_bounds, sent_starts, rest_cues) if SKIP_APPOSITION else end
        first = True
        while True:
            q = _next_quote(text, quotes, pos)
            if q is None or q[0] < pos:
                break
            # nothing but a comma between the cue and the next quotation, or a new sentence
            between = text[pos : q[0]]
            if first and between.strip(" \t,") and not _sentence_break(between):
                break
            if not first and between.strip():
                break
            # the quotation stands alone: no cue of another claim in its sentence outside it
            kq = bisect_right(sent_starts, max(q[1] - 1, q[0])) - 1
            q_sent_end = sent_bounds[kq][1] if kq >= 0 else q[1]
            tail = text[q[1] : q_sent_end]
            if tail.strip(" \t\n.,;:!?"):
                break
            i = bisect_right(cue_starts, q[0])
            if i < len(cue_starts) and cue_starts[i] < q_sent_end and not (q[0] < cue_starts[i] < q[1]):
                break
            new_end = quotes.inner(q)[1]
            if q_sent_end <= pos:
                break
            pos = q_sent_end
            first = False
        if new_end > c.content[1]:
            c = replace(c, content=(c.content[0], new_end), construction=c.construction + CONTINUED)
        out.append(c)
    return out


def _sentence_rest(
    text: str, quotes: Quotes, end: int, sent_bounds: list[CharSpan], sent_starts: list[int], cue_starts: list[int]
) -> int:
    """Where a continuing quotation may start: right after the claim (`end`), or after the rest of
    its sentence where no quotation follows at once but words up to the sentence's end, without a
    quotation or another claim's cue (“A,” said X, a lawyer in Orlando who ... . “B.”: the
    speaker's apposition). The parser often ends the sentence after the next quotation's opening
    mark: the rest ends at the first quotation after the claim."""
    if _next_quote(text, quotes, end) is not None:
        return end
    if REST_TO_NEXT_QUOTE:
        return _rest_to_next_quote(text, quotes, end, cue_starts)
    k = bisect_right(sent_starts, end - 1) - 1
    if k < 0 or sent_bounds[k][1] <= end:
        return end
    stop = sent_bounds[k][1]
    inside = quotes.overlapping((end, stop))
    if inside:
        if inside[0][0] < end:
            return end
        stop = inside[0][0]
    i = bisect_left(cue_starts, end)
    if not _sentence_break(text[end:stop]) or (i < len(cue_starts) and cue_starts[i] < stop):
        return end
    return stop


def _rest_to_next_quote(text: str, quotes: Quotes, end: int, cue_starts: list[int]) -> int:
    """_sentence_rest without the parser's sentences (it often cuts an apposition at a comma, or
    ends it after the next quotation's opening mark): the rest runs to the first quotation after the
    claim in its paragraph that is not a short title (''Inside Edition''), at most REST_MAX_CHARS,
    ending a sentence, with no quotation of more than a title and no other claim's cue in it."""
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    stop = None
    for q in quotes.overlapping((end, para_end)):
        if q[0] < end:
            return end
        inner = quotes.inner(q)
        if _is_title(text[inner[0] : inner[1]]):
            continue
        stop = q[0]
        break
    if stop is None or stop - end > REST_MAX_CHARS or not _sentence_break(text[end:stop]):
        return end
    i = bisect_left(cue_starts, end)
    if i < len(cue_starts) and cue_starts[i] < stop:
        return end
    return stop


def _is_title(inner: str) -> bool:
    """A short quotation without a sentence's punctuation: a title or a scare-quoted phrase."""
    return len(inner.split()) <= TITLE_MAX_WORDS and not any(ch in inner for ch in ".,!?;")


def _sentence_break(between: str) -> bool:
    stripped = between.strip()
    return stripped in ("", ".", "!", "?") or stripped.endswith((".", "!", "?"))


def _next_quote(text: str, quotes: Quotes, pos: int) -> CharSpan | None:
    i = pos
    n = len(text)
    while i < n and (text[i].isspace() or text[i] in ".,;:!?"):
        i += 1
    return quotes.starting_at(i) if i < n else None


def _is_quoted(c: Claim, quotes: Quotes) -> bool:
    """The claim's content is (the inside of) a quotation."""
    for q in quotes.overlapping(c.content):
        inner = quotes.inner(q)
        if inner[0] <= c.content[0] + 1 and c.content[1] <= q[1]:
            return True
    return False


#: Constructions that are claims of their own only at the top level: an intention, object or
#: preposition cue inside another claim's content is part of what that claim reports.
TOP_LEVEL_ONLY = frozenset(
    {
        Construction.VERB_INTENTION,
        Construction.VERB_OBJECT,
        Construction.VERB_PREP,
        Construction.VERB_DIRECTIVE,
        Construction.COLON,
    }
)


def drop_nested(claims: list[Claim]) -> list[Claim]:
    """Leave out claims reported inside another claim's content that are not claims of their own:
    the new-style cues (see TOP_LEVEL_ONLY) anywhere, and any cue inside an "according to" content
    (the whole clause is the source's account). Nested speech ("said that he had warned that ...")
    stays."""
    out = []
    # only a claim whose content starts at most `longest` characters before a cue can hold it
    by_start = sorted(claims, key=lambda o: o.content[0])
    starts = [o.content[0] for o in by_start]
    longest = max((o.content[1] - o.content[0] for o in claims), default=0)
    for c in claims:
        nested = False
        window = by_start[bisect_left(starts, c.cue[0] - longest) : bisect_right(starts, c.cue[0])]
        for o in window:
            if o is c or not (o.content[0] <= c.cue[0] and c.cue[1] <= o.content[1]):
                continue
            if o.content[0] <= o.cue[0] < o.content[1]:
                continue  # a parenthetical's content holds its own cue: not an outer claim
            if (
                base_construction(c.construction) in TOP_LEVEL_ONLY
                or base_construction(o.construction) == Construction.ACCORDING_TO
            ):
                nested = True
                break
        if not nested:
            out.append(c)
    return out
