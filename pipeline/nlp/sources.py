"""Cited sources: where the text names who carried the information.

  "BelTA later reported the remarks"            citation_kind = reported
  "according to Belarusian news outlet BELTA"   citation_kind = according_to
  "The remarks were attributed to BelTA"        citation_kind = attributed_to
  "The claim was reported by BelTA"             citation_kind = reported_by
  "[Citation: BelTA]", "Source: Reuters"        citation_kind = citation_tag
  "(Reuters) -"                                 citation_kind = dateline
  "..., Bloomberg said" / "told Reuters"        citation_kind = speaker / told

Names are normalised to one source: a name or alias from dbt_project/seeds/known_sources.csv maps
to that source's short name (BELTA → BelTA); any other organisation keys on its case-folded name.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from pipeline.nlp.spans import CharSpan, doc_ents, doc_text, in_spans, tokens_with_lemma
from pipeline.nlp.known_sources import _alias_regex, lookup, normalise

#: Verbs whose subject carries information as a source when it is an outlet/agency.
CARRY_VERBS = frozenset("report say quote cite carry publish write broadcast air tweet post announce".split())
PASSIVE_CARRY = {
    "report": "reported_by",
    "attribute": "attributed_to",
    "quote": "quoted_by",
    "cite": "cited_by",
    "publish": "reported_by",
    "carry": "reported_by",
    "broadcast": "reported_by",
}
TAG_PATTERN = re.compile(
    r"[\[(]\s*(?:citation|source|sources|via|credit)\s*:\s*([^\])\n]{2,80}?)\s*[\])]"
    r"|(?m:^\s*(?:source|sources|via)\s*:\s*(.{2,80}?)\s*$)",
    re.IGNORECASE,
)
SOURCE_LABELS = frozenset({"ORG", "PERSON", "GPE", "NORP", "PRODUCT", "WORK_OF_ART", "FAC"})


@dataclass(frozen=True)
class Citation:
    sentence_index: int
    start_char: int
    end_char: int
    text: str
    source_key: str
    source_name: str
    source_kind: str
    citation_kind: str

    @property
    def span(self) -> CharSpan:
        return self.start_char, self.end_char


def _name_in(doc: Doc, lo: int, hi: int) -> tuple[int, int] | None:
    """The source name within characters [lo, hi): a known alias, else an ORG-like entity."""
    m = None
    for match in _alias_regex().finditer(doc_text(doc), lo, hi):
        m = (match.start(), match.end())
    if m:
        return m
    ents = doc_ents(doc)  # in document order
    first = bisect_left(ents, (lo, -1, ""))
    last = bisect_right(ents, (hi, hi, "\uffff"))
    found = [
        (s, e) for s, e, label in ents[first:last] if e <= hi and label in ("ORG", "PRODUCT", "WORK_OF_ART", "FAC")
    ]
    return found[-1] if found else None


def _phrase(tok: Token) -> tuple[int, int]:
    sub = list(tok.subtree)
    return sub[0].idx, sub[-1].idx + len(sub[-1].text)


def _is_person(doc: Doc, span: tuple[int, int]) -> bool:
    return any(label == "PERSON" and s <= span[0] and span[1] <= e for s, e, label in doc_ents(doc))


#: The lemmas of the verbs extract_citations looks at (below: CARRY_VERBS, PASSIVE_CARRY, tell and say).
CITATION_LEMMAS = CARRY_VERBS | PASSIVE_CARRY.keys() | {"tell", "say"}


def citation_candidates(doc: Doc) -> list[int]:
    """The tokens extract_citations does anything with, in order: "according", and verbs (VERB,
    AUX) whose lemma is one of CITATION_LEMMAS."""
    return tokens_with_lemma(doc, CITATION_LEMMAS, lowers=("according",), pos=("VERB", "AUX"))


def extract_citations(doc: Doc, sentence_of: dict[int, int], skip: list[CharSpan] | None = None) -> list[Citation]:
    text = doc_text(doc)
    found: dict[tuple[int, int], Citation] = {}
    skip = skip or []

    def add(span: tuple[int, int] | None, kind: str, context: tuple[int, int]) -> None:
        if span is None or in_spans(span, skip):
            return
        if _is_person(doc, span) and lookup(text[span[0] : span[1]]) is None:
            return  # a person is a speaker, not a source (spaCy sometimes calls an agency a person)
        if span in found and not (
            kind in ("dateline", "citation_tag") and found[span].citation_kind not in ("dateline", "citation_tag")
        ):
            return  # first kind found wins, except that a dateline or credit says more than a verb
        name = text[span[0] : span[1]]
        key, display, source_kind = normalise(name, text[context[0] : context[1]])
        if not key:
            return
        tok = doc.char_span(span[0], span[1], alignment_mode="expand")
        si = sentence_of[tok.start] if tok is not None else 0
        found[span] = Citation(si, span[0], span[1], name, key, display, source_kind, kind)

    for tok in (doc[i] for i in citation_candidates(doc)):
        lemma = tok.lemma_.lower()
        # according to X
        if tok.lower_ == "according":
            nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            if nxt is not None and nxt.lower_ == "to":
                pobjs = [c for c in nxt.children if c.dep_ == "pobj"]
                if pobjs:
                    lo, hi = _phrase(pobjs[0])
                    add(_name_in(doc, lo, hi), "according_to", (tok.idx, hi))
            continue
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        # X reported ... / X said (X an outlet or agency)
        if lemma in CARRY_VERBS:
            for c in tok.children:
                if c.dep_ == "nsubj":
                    lo, hi = _phrase(c)
                    name = _name_in(doc, lo, hi)
                    if name and (
                        lookup(text[name[0] : name[1]]) or lemma in ("report", "quote", "cite", "carry", "publish")
                    ):
                        add(name, "reported" if lemma != "say" else "speaker", (lo, hi))
        # reported by X / attributed to X
        if lemma in PASSIVE_CARRY and tok.tag_ == "VBN":
            for c in tok.children:
                if c.dep_ in ("agent", "prep") and c.lower_ in ("by", "to"):
                    if c.lower_ == "to" and lemma != "attribute":
                        continue
                    for p in c.children:
                        if p.dep_ == "pobj":
                            lo, hi = _phrase(p)
                            add(_name_in(doc, lo, hi), PASSIVE_CARRY[lemma], (lo, hi))
        # told Reuters / in an interview with X: a known outlet as the addressee
        if lemma in ("tell", "say") and tok.tag_ in ("VBD", "VBZ", "VBP", "VBN"):
            for c in tok.children:
                if c.dep_ in ("dobj", "dative"):
                    lo, hi = _phrase(c)
                    name = _name_in(doc, lo, hi)
                    if name and lookup(text[name[0] : name[1]]):
                        add(name, "told", (lo, hi))
    for m in TAG_PATTERN.finditer(text):
        g = 1 if m.group(1) else 2
        lo, hi = m.start(g), m.end(g)
        name = _name_in(doc, lo, hi) or (lo, hi)
        add(name, "citation_tag", (m.start(), m.end()))
    for m in re.finditer(r"\(([^()\n]{2,40})\)\s*[-–—]", text):
        if lookup(m.group(1)):
            add((m.start(1), m.end(1)), "dateline", (m.start(), m.end()))
    return sorted(found.values(), key=lambda c: c.start_char)
