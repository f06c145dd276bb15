"""One short function per construction (named by `Construction`): where a cue's content is.

A verb construction reads the cue verb (and its speaker token) and returns None when it does not
apply, or a `Found` — whose content may still be None when the construction applies but the parse
gives nothing usable (the cue is then not a claim; no later construction is tried). The driver
tries VERB_CONSTRUCTIONS in order. "according to" and "Name:" lines have their own finders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from spacy.tokens import Doc, Span, Token

from pipeline.nlp.claims.claim import Construction
from pipeline.nlp.claims.cues import (
    INTENTION_CUES,
    NOT_SPEAKER_LINES,
    OBJECT_CUES,
    PREP_CUES,
    REPORTING_VERBS,
    WH_WORDS,
)
from pipeline.nlp.claims.parts import (
    according_content,
    according_to_phrase,
    clause_tail,
    lemma_of,
    object_content,
    parenthetical_content,
    proposition_clause,
    quote_after,
    quote_before,
    span_of,
    xcomp_content_tokens,
)
from pipeline.nlp.claims.quotes import Quotes
from pipeline.nlp.spans import CharSpan, doc_text, trim

#: Verbs whose clausal object counts as content even outside OBJECT_CUES ("claimed the right to").
CLAUSAL_OBJECT_CUES = frozenset({"claim", "say", "report", "state", "warn", "note"})
#: Cues whose "on X to do Y" is a directive ("called on X to present tough conditions").
DIRECTIVE_CUES = frozenset({"call", "urge", "ask", "tell", "warn", "order", "instruct", "advise"})

_HEADLINE_COLON = re.compile(r"(?m)^[ \t]*([A-Z][^\n:]{1,60}?)[ \t]*:[ \t]*(?=\S|\n)")
_NOT_SPEAKERS = re.compile(NOT_SPEAKER_LINES, re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    content: CharSpan | None
    cue: CharSpan | None = None  # when the cue is more than the verb ("referring to")


def verb_clause_split(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "It is no surprise, Mr. Garin said, that ...": a clause on both sides of the cue."""
    clause = [c for c in verb.children if c.dep_ == "ccomp"]
    left = [c for c in clause if c.i < verb.i]
    right = [c for c in clause if c.i > verb.i]
    if not (left and right):
        return None
    return Found(span_of(doc_text(verb.doc), list(left[0].subtree) + list(right[-1].subtree)))


def verb_clause(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "insisted that the accusations ...": the clausal complement, with what still belongs to it."""
    clause = [c for c in verb.children if c.dep_ == "ccomp"]
    if not clause:
        return None
    child = clause[0]
    toks = [t for t in child.subtree if t.i != verb.i]
    if child.i > verb.i:
        toks.extend(clause_tail(verb, child))
    return Found(span_of(doc_text(verb.doc), toks))


def verb_quote(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "said, “We proceed ...”": a quotation opening right after a reporting verb."""
    if lemma_of(verb) not in REPORTING_VERBS:
        return None
    quote = quote_after(verb, quotes)
    return Found(quote) if quote is not None else None


def verb_intention(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "vowed to fight", "urged the judge to rule": the infinitive, without the recipient."""
    lemma = lemma_of(verb)
    if lemma not in INTENTION_CUES and lemma not in REPORTING_VERBS:
        return None
    for child in verb.children:
        if (
            child.dep_ == "xcomp"
            and child.i > verb.i
            and (lemma in INTENTION_CUES or any(g.dep_ in ("nsubj", "dobj") for g in child.children))
        ):
            if lemma not in INTENTION_CUES and child.tag_ not in ("VB",):
                continue
            toks = xcomp_content_tokens(child)
            if toks:
                return Found(span_of(doc_text(verb.doc), toks))
    return None


def verb_object(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "rejected claims that ...", "called the plan a failure": the object and what completes it."""
    lemma = lemma_of(verb)
    for child in verb.children:
        if child.dep_ in ("dobj", "obj") and child.i > verb.i:
            if child.lower_ in WH_WORDS:
                continue
            clausal = any(g.dep_ in ("acl", "relcl", "ccomp") for g in child.subtree if g.i != child.i)
            if lemma in OBJECT_CUES or clausal and lemma in CLAUSAL_OBJECT_CUES:
                # "rejected claims that X": the content is the proposition, "that X"
                prop = proposition_clause(child)
                toks = list(prop.subtree) if prop is not None else object_content(verb, child)
                return Found(span_of(doc_text(verb.doc), toks))
    return None


def verb_directive(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "called on X to present tough conditions": the infinitive under the preposition."""
    if lemma_of(verb) not in DIRECTIVE_CUES:
        return None
    for child in verb.children:
        if child.dep_ == "prep" and any(g.dep_ == "pobj" for g in child.children):
            for g in child.subtree:
                if g.dep_ == "xcomp" and g.tag_ == "VB":
                    return Found(span_of(doc_text(verb.doc), list(g.subtree)))
    return None


def verb_prep(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "referring to the plan", "called for a ban": the preposition's object; the cue takes the preposition."""
    lemma = lemma_of(verb)
    if lemma not in PREP_CUES:
        return None
    for child in verb.children:
        if child.dep_ in ("prep", "prt") and child.i > verb.i and child.lower_ in PREP_CUES[lemma]:
            objs = [g for g in child.children if g.dep_ in ("pobj", "pcomp")]
            if objs and objs[0].lower_ not in WH_WORDS and child.i - verb.i <= 2:
                cue = (verb.idx, child.idx + len(child.text))
                return Found(span_of(doc_text(verb.doc), object_content(verb, objs[0])), cue)
    return None


def quote_before_cue(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "“We proceed ...,” the minister said.": a quotation ending right before the cue and its speaker."""
    quote = quote_before(verb, speaker, quotes)
    return Found(quote) if quote is not None else None


def parenthetical(verb: Token, quotes: Quotes, speaker: Token | None) -> Found | None:
    """ "The talks, officials said, will resume." / "As he said, ...": the clause the cue hangs in."""
    as_said = verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children)
    if verb.dep_ == "parataxis" or as_said and lemma_of(verb) in REPORTING_VERBS:
        return Found(parenthetical_content(verb))
    return None


VerbConstruction = Callable[[Token, Quotes, "Token | None"], "Found | None"]

#: The verb constructions, in the order they are tried: the first that applies decides.
VERB_CONSTRUCTIONS: tuple[tuple[Construction, VerbConstruction], ...] = (
    (Construction.VERB_CLAUSE_SPLIT, verb_clause_split),
    (Construction.VERB_CLAUSE, verb_clause),
    (Construction.VERB_QUOTE, verb_quote),
    (Construction.VERB_INTENTION, verb_intention),
    (Construction.VERB_OBJECT, verb_object),
    (Construction.VERB_DIRECTIVE, verb_directive),
    (Construction.VERB_PREP, verb_prep),
    (Construction.QUOTE_BEFORE, quote_before_cue),
    (Construction.PARENTHETICAL, parenthetical),
)

#: Constructions whose content may hold their own cue (or speaker).
CUE_INSIDE_OK = frozenset({Construction.PARENTHETICAL, Construction.VERB_CLAUSE_SPLIT})


def content_of(verb: Token, quotes: Quotes, speaker: Token | None) -> tuple[CharSpan | None, str, CharSpan | None]:
    """(content, construction, cue span override) of a cue verb, by the first construction that applies."""
    for construction, find in VERB_CONSTRUCTIONS:
        found = find(verb, quotes, speaker)
        if found is not None:
            return found.content, construction.value, found.cue
    return None, "none", None


def according_to(tok: Token, sent: Span) -> tuple[CharSpan, CharSpan, list[Token], Token] | None:
    """ "According to Lukashenko, a number of ...": (cue, content, speaker tokens, "to" token)."""
    acc = according_to_phrase(tok)
    if acc is None:
        return None
    to_tok, spk = acc
    content = according_content(sent, [tok, to_tok] + spk)
    return (tok.idx, to_tok.idx + len(to_tok.text)), content, spk, to_tok


def headline_colon(doc: Doc, text: str) -> list[tuple[CharSpan, CharSpan, CharSpan]]:
    """ "Name: content" at the start of a line (headlines, transcripts): (speaker, cue, content)."""
    out = []
    for m in _HEADLINE_COLON.finditer(text):
        name = m.group(1).strip()
        if _NOT_SPEAKERS.match(name) or len(name.split()) > 6 or any(ch.isdigit() for ch in name):
            continue
        ns, ne = m.start(1), m.start(1) + len(m.group(1).rstrip())
        span = doc.char_span(ns, ne, alignment_mode="expand")
        if span is None or not _names_someone(span):
            continue
        colon = text.index(":", ne)
        content = _colon_content(text, colon)
        if content is None or content[1] - content[0] < 8:
            continue
        out.append(((ns, ne), (colon, colon + 1), content))
    return out


def _names_someone(span: Span) -> bool:
    words = [t for t in span if not t.is_punct]
    if not words or not all(
        t.pos_ in ("PROPN", "NOUN", "ADJ", "DET", "CCONJ", "PART") or t.is_title or t.is_upper for t in words
    ):
        return False
    return any(t.pos_ == "PROPN" for t in words) or any(t.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") for t in words)


def _colon_content(text: str, colon: int) -> CharSpan | None:
    """The rest of the line after "Name:", or (a transcript's speaker line) the next paragraph."""
    line_end = text.find("\n", colon)
    line_end = len(text) if line_end < 0 else line_end
    content = trim(text, (colon + 1, line_end), strip_quotes=False)
    if content is None:
        nxt = colon + 1
        while nxt < len(text) and text[nxt].isspace():
            nxt += 1
        para_end = text.find("\n", nxt)
        para_end = len(text) if para_end < 0 else para_end
        content = trim(text, (nxt, para_end))
    return content
