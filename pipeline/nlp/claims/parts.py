"""The parts of a claim in the parse: cue verbs, speakers, and the token sets contents are made of.

Helpers the constructions (constructions.py) share; no construction is decided here.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.nlp.claims.cues import (
    INTENTION_CUES,
    LEMMA_FIXES,
    OBJECT_CUES,
    PARTICLE_CUES,
    PREP_CUES,
    PROPOSITION_NOUNS,
    REPORTING_VERBS,
)
from pipeline.nlp.claims.quotes import Quotes
from pipeline.nlp.spans import CharSpan, char_span_of, contiguous, doc_text, subtree_tokens, trim

SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
SPEAKER_EXCLUDE_PREP_OK = frozenset({"relcl", "acl", "appos", "punct", "advmod"})
#: Children of a clause's head that only frame it (time, place, manner): not part of the content
#: when they stand before a parenthetical cue ("In the end, he said, voters ...").
FRAMING_DEPS = frozenset({"prep", "advmod", "npadvmod", "advcl", "cc", "punct", "intj", "mark", "dep"})
#: Prepositions that complete a cue's object ("accused him of lying", "praised her for ...").
OBJECT_PREPS = frozenset({"as", "of", "for", "over", "about", "on", "with", "against"})


def lemma_of(tok: Token) -> str:
    low = tok.lower_
    return LEMMA_FIXES.get(low) or tok.lemma_.lower()


def is_verb(tok: Token) -> bool:
    return tok.pos_ in ("VERB", "AUX") or tok.tag_ in ("VBG", "VBN", "VBD", "VBZ", "VBP", "VB")


def particle_ok(tok: Token, lemma: str) -> bool:
    if lemma not in PARTICLE_CUES:
        return True
    return any(c.dep_ in ("prt", "prep") and c.lower_ in PARTICLE_CUES[lemma] for c in tok.children)


def is_cue_verb(tok: Token) -> bool:
    if not is_verb(tok):
        return False
    lemma = lemma_of(tok)
    known = lemma in REPORTING_VERBS or lemma in OBJECT_CUES or lemma in INTENTION_CUES or lemma in PREP_CUES
    return known and particle_ok(tok, lemma)


def subject_of(verb: Token, depth: int = 0) -> tuple[Token | None, str]:
    """The verb's speaker token: its subject, a passive agent, or the subject it inherits."""
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            return child, "subject"
    for child in verb.children:
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj, "agent"
    if any(c.dep_ in ("nsubjpass", "csubjpass") for c in verb.children):
        return None, "passive"
    if depth < 3 and verb.dep_ in ("xcomp", "advcl", "conj", "acl") and verb.head.i != verb.i:
        head = verb.head
        if verb.dep_ == "acl":
            # "with Lukashenko noting that": the noun the participle modifies is the speaker
            if head.pos_ in ("PROPN", "NOUN", "PRON") and verb.tag_ != "VBN":
                return head, "participle"
            return None, "none"
        if verb.dep_ == "advcl" and any(c.dep_ == "mark" for c in verb.children):
            return None, "none"  # "as reported", "before saying": no subject to inherit
        if head.pos_ in ("VERB", "AUX"):
            tok, how = subject_of(head, depth + 1)
            return tok, ("inherited" if tok is not None else how)
    return None, "none"


def speaker_tokens(head: Token) -> list[Token]:
    """The noun phrase of a speaker, without relative clauses, appositions or trailing adverbs."""
    toks = subtree_tokens(head, exclude_deps=SPEAKER_EXCLUDE_PREP_OK)
    toks = [t for t in toks if not (t.i > head.i and t.dep_ == "punct")]
    run = contiguous(toks)
    # stop at a comma after the head (an apposition the parser attached otherwise)
    out = []
    for t in run:
        if t.i > head.i and t.text in (",", "(", "—", "–", ";", ":"):
            break
        out.append(t)
    return out


def span_of(text: str, tokens: list[Token]) -> CharSpan | None:
    return trim(text, char_span_of(contiguous(tokens)))


def quote_after(verb: Token, quotes: Quotes) -> CharSpan | None:
    """A quotation that opens right after the cue (allowing a comma or colon): said, “...”."""
    doc = verb.doc
    i = verb.i + 1
    while i < len(doc) and (doc[i].is_punct and doc[i].text in ",:" or doc[i].is_space):
        i += 1
    if i < len(doc):
        q = quotes.starting_at(doc[i].idx)
        if q is not None:
            return quotes.inner(q)
    return None


def quote_before(verb: Token, speaker: Token | None, quotes: Quotes) -> CharSpan | None:
    """A quotation that ends right before the cue and its speaker: “...,” he said. / “...” said Ms. X."""
    doc = verb.doc
    first = verb.i
    if speaker is not None and speaker.i < verb.i:
        first = min(first, min(t.i for t in speaker.subtree))
    # allow an adverb between ("“...,” he later said")
    j = first - 1
    while j >= 0 and (doc[j].is_space and "\n" not in doc[j].text or doc[j].text in (",", "—", "–")):
        j -= 1
    if j < 0 or "\n" in doc[j].whitespace_ or "\n" in doc[j + 1].text:
        return None  # nothing before, or the quotation ends a paragraph before: not this cue's
    q = quotes.ending_at(doc[j].idx + len(doc[j].text))
    if q is None:
        return None
    return quotes.inner(q)


def xcomp_content_tokens(xcomp: Token) -> list[Token]:
    """An infinitive complement without the recipient the parser made its subject."""
    toks = [t for t in xcomp.subtree]
    subj = [c for c in xcomp.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < xcomp.i]
    if subj:
        cut = max(t.i for s in subj for t in s.subtree)
        toks = [t for t in toks if t.i > cut]
    return toks


def object_content(verb: Token, obj: Token) -> list[Token]:
    """The object and what completes it: "called [the plan] [a failure]", "accused [him] [of lying]"."""
    toks = list(obj.subtree)
    end = obj.right_edge.i
    for child in sorted((c for c in verb.children if c.i > end), key=lambda c: c.i):
        gap = verb.doc[end + 1 : child.left_edge.i]
        if any(t.text in (",", ";", "—", "–", "(") for t in gap):
            break
        if child.dep_ in ("oprd", "xcomp", "ccomp") or (child.dep_ == "prep" and child.lower_ in OBJECT_PREPS):
            toks.extend(child.subtree)
            end = child.right_edge.i
        else:
            break
    return toks


def proposition_clause(obj: Token) -> Token | None:
    """The "that ..." clause of a proposition noun ("claims [that Minsk promotes ...]"), if any."""
    if obj.lower_ not in PROPOSITION_NOUNS:
        return None
    for child in obj.children:
        if (
            child.dep_ in ("acl", "ccomp")
            and child.i > obj.i
            and any(g.dep_ == "mark" and g.lower_ in ("that", "whether") for g in child.children)
        ):
            return child
    return None


def clause_tail(verb: Token, clause: Token) -> list[Token]:
    """What the parser hung on the cue after its clause but still belongs to what was said
    ("said it did not count them, because ...", "said A: B"): up to the next conjoined verb or
    participle ("..., adding that"), which starts something else."""
    out: list[Token] = []
    for child in sorted((c for c in verb.children if c.i > clause.right_edge.i), key=lambda c: c.i):
        if child.dep_ in ("conj", "cc") or child.tag_ == "VBG" or child.dep_ in ("nsubj", "nsubjpass"):
            break
        if child.dep_ in ("prep", "npadvmod") and child.i == clause.right_edge.i + 1:
            break  # "said X on Tuesday", "said X last week": the when, not the what
        if child.is_punct:
            continue
        out.extend(child.subtree)
    return out


def parenthetical_content(verb: Token) -> CharSpan | None:
    """The clause around a parenthetical cue, without the cue's own phrase and any framing before it."""
    head = verb.head
    if head.i == verb.i:
        return None
    text = doc_text(verb.doc)
    own = {t.i for t in verb.subtree}
    toks = [t for t in head.subtree if t.i not in own]
    if not toks:
        return None
    lo_own = min(own)
    left = [t for t in toks if t.i < lo_own]
    right = [t for t in toks if t.i > lo_own]
    if left and right:
        framing = all(is_framing(t, head) for t in left)
        if framing:
            left = []
    core = [t for t in left + right if not t.is_punct]
    if not core:
        return None
    if not right or all(t.is_punct for t in right):
        return span_of(text, left)
    if not left:
        return span_of(text, right)
    return span_of(text, left + right)


def is_framing(tok: Token, head: Token) -> bool:
    """Whether `tok` belongs to a framing dependent of `head` (or is punctuation)."""
    if tok.is_punct:
        return True
    t = tok
    while t.head.i != head.i and t.head.i != t.i:
        t = t.head
    return t.head.i == head.i and t.dep_ in FRAMING_DEPS


def according_to_phrase(tok: Token) -> tuple[Token, list[Token]] | None:
    """For the token "according" heading "to X": (the "to" token, X's tokens)."""
    if tok.lower_ != "according":
        return None
    for child in tok.children:
        if child.lower_ == "to":
            pobjs = [g for g in child.children if g.dep_ == "pobj"]
            if pobjs:
                return child, source_phrase(pobjs[0])
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.lower_ == "to":
        pobjs = [g for g in nxt.children if g.dep_ == "pobj"]
        if pobjs:
            return nxt, source_phrase(pobjs[0])
    return None


def source_phrase(head: Token) -> list[Token]:
    """An "according to" source: the speaker phrase, up to the end of a quoted title in it."""
    return speaker_tokens(head)


def according_content(sent: Span, phrase: list[Token]) -> CharSpan | None:
    """The clause the "according to X" phrase qualifies: the side of the sentence it frames."""
    text = doc_text(sent.doc)
    lo = min(t.i for t in phrase)
    hi = max(t.i for t in phrase)
    # the phrase's own right part: a source may run on ("according to a count by the AP")
    left = trim(text, (sent.start_char, sent.doc[lo].idx)) if lo > sent.start else None
    right_start = sent.doc[hi].idx + len(sent.doc[hi].text)
    right = trim(text, (right_start, sent.end_char)) if hi + 1 < sent.end else None
    if left and right:
        # "X, according to Y, said ..." / "..., according to Y, but ...": the side with the main verb
        # "The report, according to X, covers ...": the subject before, the verb after — both
        if sent.root.i > hi:
            return (left[0], right[1]) if has_subject_before(sent, lo) else right
        return left
    sides = [s for s in (left, right) if s]
    if not sides:
        return None
    return sides[0]


def has_subject_before(sent: Span, lo: int) -> bool:
    return any(t.dep_ in ("nsubj", "nsubjpass") and t.head.i > lo for t in sent.doc[sent.start : lo])
