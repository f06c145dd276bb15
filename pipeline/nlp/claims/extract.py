"""The driver: every claim of a Doc, by cue, in text order."""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.tokens import Doc, Span, Token

from pipeline.nlp.claims.claim import Claim, Construction
from pipeline.nlp.claims.constructions import CUE_INSIDE_OK, according_to, content_of, headline_colon
from pipeline.nlp.claims.parts import (
    INTENTION_CUES,
    LEMMA_FIXES,
    OBJECT_CUES,
    PREP_CUES,
    REPORTING_VERBS,
    is_cue_verb,
    lemma_of,
    speaker_tokens,
    subject_of,
)
from pipeline.nlp.claims.quotes import Quotes
from pipeline.nlp.claims.stance import is_negated, stance_of
from pipeline.nlp.claims.widening import continue_quotes, drop_nested, widen_to_quotes
from pipeline.nlp.spans import CharSpan, char_span_of, doc_text, overlaps, tokens_with_lemma, trim

#: A wire dateline at the start of a text: "KYIV (Reuters) - ", "WASHINGTON, May 3 (AP) — ".
DATELINE = re.compile(r"[A-Z][\w .,'’-]{0,40}\([^()\n]{2,40}\)\s*[-–—]+\s*")
#: Subjects that are no speaker ("it was said", "there were claims").
DUMMY_SUBJECTS = frozenset({"it", "there"})


def extract_claims(doc: Doc, skip: list[CharSpan] | None = None) -> list[Claim]:
    """Every claim in the doc, in text order. Sentences inside `skip` ranges are ignored."""
    text = doc_text(doc)
    quotes = Quotes(text)
    sents = [s for s in doc.sents]
    kept = [not skip or not any(s <= sent.start_char and sent.end_char <= e + 1 for s, e in skip) for sent in sents]
    found: dict[tuple[CharSpan, CharSpan], Claim] = {}
    candidates = cue_candidates(doc)
    k = 0
    for si, sent in enumerate(sents):
        first = k
        while k < len(candidates) and candidates[k] < sent.end:
            k += 1
        for tok in (doc[i] for i in candidates[first:k]) if kept[si] else ():
            claim = _according_claim(tok, sent, si, quotes) if tok.lower_ == "according" else None
            claim = claim or _verb_claim(tok, si, quotes)
            if claim is not None:
                found.setdefault((claim.cue, claim.content), claim)
    sent_starts = [s.start_char for s in sents]
    for claim in _colon_claims(doc, quotes, sent_starts, kept, list(found.values())):
        found.setdefault((claim.cue, claim.content), claim)
    claims = continue_quotes(list(found.values()), doc, quotes, [(s.start_char, s.end_char) for s in sents])
    return sorted(drop_nested(claims), key=lambda c: (c.cue[0], c.content[0]))


def cue_candidates(doc: Doc) -> list[int]:
    """The tokens that can start a claim, in order: "according", and the words whose lemma is a
    cue (what `is_cue_verb` looks up before anything else); no other token ever gives one."""
    lemmas = REPORTING_VERBS | OBJECT_CUES | INTENTION_CUES | PREP_CUES.keys()
    return tokens_with_lemma(doc, lemmas, fixes=LEMMA_FIXES, lowers=("according",))


def _according_claim(tok: Token, sent: Span, si: int, quotes: Quotes) -> Claim | None:
    acc = according_to(tok, sent)
    if acc is None:
        return None
    cue, content, spk, to_tok = acc
    speaker = trim(doc_text(tok.doc), char_span_of(spk))
    if not (content and speaker) or quotes.containing(cue[0]) is not None:
        return None
    head = max(spk, key=lambda t: (t.dep_ == "pobj", -abs(t.i - to_tok.i)))
    return Claim(
        si, cue, "according to", widen_to_quotes(content, cue, quotes), speaker, Construction.ACCORDING_TO.value, head.i
    )


def _verb_claim(tok: Token, si: int, quotes: Quotes) -> Claim | None:
    if not is_cue_verb(tok) or quotes.containing(tok.idx) is not None:
        return None  # not a cue, or someone's quoted words ("“I think ...”")
    subj, _ = subject_of(tok)
    content, construction, cue_override = content_of(tok, quotes, subj)
    if content is None:
        return None
    cue = cue_override or (tok.idx, tok.idx + len(tok.text))
    inside_ok = construction in CUE_INSIDE_OK
    if content[0] <= cue[0] < content[1] and not inside_ok:
        return None  # the cue sits inside its own content (a parse loop): not a claim
    content = widen_to_quotes(content, cue, quotes)
    speaker = None
    if subj is not None and subj.lower_ not in DUMMY_SUBJECTS:
        speaker = without_dateline(doc_text(tok.doc), trim(doc_text(tok.doc), char_span_of(speaker_tokens(subj))))
        if speaker and overlaps(speaker, content) and not inside_ok:
            speaker = None
    negated = is_negated(tok)
    return Claim(
        si,
        cue,
        lemma_of(tok),
        content,
        speaker,
        construction,
        subj.i if subj is not None and speaker else None,
        stance_of(lemma_of(tok), Construction(construction), negated).value,
        negated,
    )


def without_dateline(text: str, speaker: CharSpan | None) -> CharSpan | None:
    """A speaker the parser ran into the wire dateline before it ("KYIV (Reuters) - Ukraine's
    foreign minister"): only what follows the dateline."""
    if speaker is None:
        return None
    m = DATELINE.match(text, speaker[0], speaker[1])
    return trim(text, (m.end(), speaker[1])) if m and m.end() < speaker[1] else speaker


def _colon_claims(
    doc: Doc, quotes: Quotes, sent_starts: list[int], kept: list[bool], claims: list[Claim]
) -> list[Claim]:
    """ "Name: content" lines not already inside another claim."""
    out = []
    for speaker, cue, content in headline_colon(doc, doc_text(doc)):
        k = bisect_right(sent_starts, cue[0]) - 1
        if k < 0 or not kept[k] or quotes.containing(cue[0]) is not None:
            continue
        if any(c.cue[0] <= cue[0] < c.content[1] or c.content[0] <= cue[0] < c.content[1] for c in claims + out):
            continue
        span = doc.char_span(speaker[0], speaker[1], alignment_mode="expand")
        out.append(
            Claim(k, cue, ":", content, speaker, Construction.COLON.value, span.root.i if span is not None else None)
        )
    return out
