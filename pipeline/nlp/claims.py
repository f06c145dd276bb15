"""Claims: who (speaker) said (cue) what (content), from the dependency parse of one Doc.

Pure functions: `extract_claims(doc)` returns Claim records with character offsets into doc.text.
What counts as a claim, and where its parts begin and end, follows the PolNeAR attribution
guidelines (statements, beliefs, intentions, stances; content includes "that" and "to", never the
recipient; a quotation interrupted by its cue is one content).

Constructions:
  * reporting verb with a clausal complement   "Lukashenko insisted that the accusations ..."
  * reporting verb with a quotation after it   "The foreign minister also said, “We proceed ...”"
  * quotation before its cue                   "“We proceed ...,” the minister said."  /  "... .” he wrote."
  * parenthetical cue                          "The talks, officials said, will resume."  "As he said, ..."
  * verb whose object is the content           "Lukashenko rejected claims that ..."  "called the plan a failure"
  * verb of intention or request + "to ..."    "vowed to respond", "urged the judge to rule" (the recipient left out)
  * verb + preposition                         "referring to the plan", "called for a ban", "talked about jobs"
  * "according to X"                           "According to Lukashenko, a number of ..."
  * "Name: content" headlines and transcripts  "Senator Smith: The bill is dead"
  * subjects inherited through xcomp / advcl / conj, participles, passive agents
Contents are widened to whole quotations, and a quotation that continues right after its cue
("“A,” she said. “B.”") belongs to the same claim: the content is the one span from A to B.
A cue inside a quotation (“I think ...”) is part of someone's words, not a claim of its own.
Pronoun and description speakers ("He", "The president") are resolved to the nearest preceding
person mention by `resolve_speaker` (see speakers.py).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from pipeline.nlp.spans import CharSpan, char_span_of, contiguous, doc_text, subtree_tokens, trim

#: Verbs that report speech, writing, thought or stance with a clause ("said that ...").
REPORTING_VERBS = frozenset("""
    say tell state claim insist reject deny warn stress argue note announce explain add emphasize
    emphasise assert suggest indicate believe think report confirm acknowledge admit allege contend
    maintain declare predict promise vow pledge urge accuse complain concede reply respond answer
    write testify recall reveal disclose signal express mention remark observe comment describe
    characterize agree estimate expect fear hope worry caution question dismiss counter demand ask
    tweet post charge recommend propose conclude find show reiterate repeat underline highlight
    point clarify brief inform assure threaten forecast welcome condemn criticize criticise praise
    blame doubt guess feel know learn hear understand consider recognize recognise order instruct
    advise call decide read remember remind wonder joke boast imply speculate hint convince
    determine rule notice realize realise prove acknowledge retort quip muse scoff snap shout yell
    chant whisper email text testify vote suspect assume presume figure bet swear pray wish
""".split())

#: Cues whose direct object is itself the reported content ("rejected claims that ...",
#: "called the plan a failure", "denied it"). Chosen by how often the object is attributed content.
OBJECT_CUES = frozenset("""
    reject deny express announce confirm acknowledge dismiss reveal predict demand signal admit
    welcome condemn criticize criticise praise dispute question rule blame call describe endorse
    accuse cite defend mention oppose discuss state praise attack recall propose denounce issue view
    repeat identify highlight tout mock fear remind recognize list echo slam prefer portray favor
    emphasize emphasise reiterate lament disclose deem decry voice reference quote applaud outline
    credit label invoke detail congratulate assail hail blast lambaste ridicule deride characterize
    dub brand nickname thank support seek offer release note report show explain claim answer
    promise urge order want remember understand propose request recommend advocate unveil pledge vow
""".split())

#: Verbs of intention, desire, request or refusal whose "to ..." complement is the content.
INTENTION_CUES = frozenset("""
    want plan hope expect promise vow pledge refuse decline seek urge threaten intend agree decide
    propose prefer encourage persuade order request vote like press demand recommend ask tell call
    warn push beg plead wish say claim support advise instruct
""".split())

#: Cue verbs whose content is the object of a preposition ("referring to X", "called for X").
PREP_CUES = {
    "refer": ("to",), "talk": ("about",), "speak": ("about", "of"), "call": ("for",),
    "push": ("for",), "advocate": ("for",), "argue": ("for", "against"), "rail": ("against",),
    "boast": ("about", "of"), "complain": ("about", "of"), "worry": ("about",), "warn": ("of", "about", "against"),
    "ask": ("about",), "comment": ("on",), "agree": ("with", "on"), "apologize": ("for",), "apologise": ("for",),
    "vote": ("for", "against"), "lobby": ("for", "against"), "campaign": ("for", "against", "on"),
    "speculate": ("about", "on"), "joke": ("about",), "write": ("about",), "think": ("about", "of"),
    "know": ("about", "of"), "hear": ("about", "of"), "insist": ("on",), "testify": ("about", "on"),
    "brag": ("about",), "muse": ("about",), "lash": ("out",), "weigh": ("in",), "point": ("to",),
    "object": ("to",), "hint": ("at",),
    "plead": ("for",), "pray": ("for",), "wonder": ("about",), "care": ("about",), "dream": ("of",),
}

#: Cues that need a particle to report ("point out", "call on").
PARTICLE_CUES = {"point": ("out", "to"), "lash": ("out",), "weigh": ("in",)}

#: Lemmas the model sometimes gets wrong, by the lower-cased word.
LEMMA_FIXES = {"hopes": "hope", "hoped": "hope", "hoping": "hope", "hope": "hope"}

#: Relative and interrogative words that stand for content elsewhere ("which the probe said ...").
WH_WORDS = frozenset("which that what who whom whose whatever".split())

SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
SPEAKER_EXCLUDE_PREP_OK = frozenset({"relcl", "acl", "appos", "punct", "advmod"})
#: Children of a clause's head that only frame it (time, place, manner): not part of the content
#: when they stand before a parenthetical cue ("In the end, he said, voters ...").
FRAMING_DEPS = frozenset({"prep", "advmod", "npadvmod", "advcl", "cc", "punct", "intj", "mark", "dep"})

OPEN_QUOTES = "“«"
CLOSE_QUOTES = "”»"
AMBIGUOUS_QUOTES = ('"', "''")
_QUOTE_MARK = re.compile(r"''|``|[“”«»\"]")
_HEADLINE_COLON = re.compile(r"(?m)^[ \t]*([A-Z][^\n:]{1,60}?)[ \t]*:[ \t]*(?=\S|\n)")
_NOT_SPEAKERS = re.compile(
    r"^(read also|read more|see also|related|source|sources|via|photo|photos|image|video|watch|note|"
    r"editor'?s? note|update|updated|correction|disclosure|q|a|question|answer|by|tags?|filed under|"
    r"click here|share|advertisement|follow|contact|email|tel|phone|fax|date|time|where|when|what|"
    r"why|how|who|subject|re|cc|to|from|posted|published|the bottom line|bottom line|here's why|"
    r"more|also|first|second|third|plus|bonus|full text|transcript|summary|background|context|"
    r"breaking|breaking news|exclusive|live|analysis|opinion|poll|polls|update \d+|part \d+)$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    sentence_index: int
    cue: CharSpan
    cue_lemma: str
    content: CharSpan
    speaker: CharSpan | None
    construction: str
    speaker_token: int | None = None  # index of the speaker's head token

    def text(self, source: str, which: str) -> str | None:
        span = getattr(self, which)
        return None if span is None else source[span[0]:span[1]]


# ---------------------------------------------------------------------------------------------
# quotations


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


class _Quotes:
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


# ---------------------------------------------------------------------------------------------
# cues, speakers, contents


def _lemma(tok: Token) -> str:
    low = tok.lower_
    return LEMMA_FIXES.get(low) or tok.lemma_.lower()


def _is_verb(tok: Token) -> bool:
    return tok.pos_ in ("VERB", "AUX") or tok.tag_ in ("VBG", "VBN", "VBD", "VBZ", "VBP", "VB")


def _particle_ok(tok: Token, lemma: str) -> bool:
    if lemma not in PARTICLE_CUES:
        return True
    return any(c.dep_ in ("prt", "prep") and c.lower_ in PARTICLE_CUES[lemma] for c in tok.children)


def _is_cue_verb(tok: Token) -> bool:
    if not _is_verb(tok):
        return False
    lemma = _lemma(tok)
    known = lemma in REPORTING_VERBS or lemma in OBJECT_CUES or lemma in INTENTION_CUES or lemma in PREP_CUES
    return known and _particle_ok(tok, lemma)


def _subject(verb: Token, depth: int = 0) -> tuple[Token | None, str]:
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
            tok, how = _subject(head, depth + 1)
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


def _span(text: str, tokens: list[Token]) -> CharSpan | None:
    return trim(text, char_span_of(contiguous(tokens)))


def _quote_after(verb: Token, quotes: _Quotes) -> CharSpan | None:
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


def _quote_before(verb: Token, speaker: Token | None, quotes: _Quotes) -> CharSpan | None:
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


def _content_tokens_xcomp(xcomp: Token) -> list[Token]:
    """An infinitive complement without the recipient the parser made its subject."""
    toks = [t for t in xcomp.subtree]
    subj = [c for c in xcomp.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < xcomp.i]
    if subj:
        cut = max(t.i for s in subj for t in s.subtree)
        toks = [t for t in toks if t.i > cut]
    return toks


def _object_content(verb: Token, obj: Token) -> list[Token]:
    """The object and what completes it: "called [the plan] [a failure]", "accused [him] [of lying]"."""
    toks = list(obj.subtree)
    end = obj.right_edge.i
    for child in sorted((c for c in verb.children if c.i > end), key=lambda c: c.i):
        gap = verb.doc[end + 1:child.left_edge.i]
        if any(t.text in (",", ";", "—", "–", "(") for t in gap):
            break
        if child.dep_ in ("oprd", "xcomp", "ccomp") or (
                child.dep_ == "prep" and child.lower_ in ("as", "of", "for", "over", "about", "on", "with", "against")):
            toks.extend(child.subtree)
            end = child.right_edge.i
        else:
            break
    return toks


def _content_of(verb: Token, quotes: _Quotes, speaker: Token | None) -> tuple[CharSpan | None, str, CharSpan | None]:
    """(content, construction, cue span override) for a cue verb."""
    text = doc_text(verb.doc)
    lemma = _lemma(verb)
    clause = [c for c in verb.children if c.dep_ == "ccomp"]
    if clause:
        left = [c for c in clause if c.i < verb.i]
        right = [c for c in clause if c.i > verb.i]
        if left and right:
            # "It is no surprise, Mr. Garin said, that ..."
            return _span(text, list(left[0].subtree) + list(right[-1].subtree)), "verb_clause_split", None
        child = clause[0]
        toks = [t for t in child.subtree if t.i != verb.i]
        if child.i > verb.i:
            toks.extend(_clause_tail(verb, child))
        return _span(text, toks), "verb_clause", None
    quote = _quote_after(verb, quotes) if lemma in REPORTING_VERBS else None
    if quote is not None:
        return quote, "verb_quote", None
    # "urged the judge to rule", "vowed to fight": the infinitive (without the recipient)
    if lemma in INTENTION_CUES or lemma in REPORTING_VERBS:
        for child in verb.children:
            if child.dep_ == "xcomp" and child.i > verb.i and (
                    lemma in INTENTION_CUES or any(g.dep_ in ("nsubj", "dobj") for g in child.children)):
                if lemma not in INTENTION_CUES and child.tag_ not in ("VB",):
                    continue
                toks = _content_tokens_xcomp(child)
                if toks:
                    return _span(text, toks), "verb_intention", None
    for child in verb.children:
        if child.dep_ in ("dobj", "obj") and child.i > verb.i:
            if child.lower_ in WH_WORDS:
                continue
            clausal = any(g.dep_ in ("acl", "relcl", "ccomp") for g in child.subtree if g.i != child.i)
            if lemma in OBJECT_CUES or clausal and lemma in ("claim", "say", "report", "state", "warn", "note"):
                return _span(text, _object_content(verb, child)), "verb_object", None
    # "called on X to present tough conditions"
    if lemma in ("call", "urge", "ask", "tell", "warn", "order", "instruct", "advise"):
        for child in verb.children:
            if child.dep_ == "prep" and any(g.dep_ == "pobj" for g in child.children):
                for g in child.subtree:
                    if g.dep_ == "xcomp" and g.tag_ == "VB":
                        return _span(text, list(g.subtree)), "verb_directive", None
    # "referring to the plan", "called for a ban": the object of the preposition
    if lemma in PREP_CUES:
        for child in verb.children:
            if child.dep_ in ("prep", "prt") and child.i > verb.i and child.lower_ in PREP_CUES[lemma]:
                objs = [g for g in child.children if g.dep_ in ("pobj", "pcomp")]
                if objs and objs[0].lower_ not in WH_WORDS and child.i - verb.i <= 2:
                    cue = (verb.idx, child.idx + len(child.text))
                    return _span(text, _object_content(verb, objs[0])), "verb_prep", cue
    quote = _quote_before(verb, speaker, quotes)
    if quote is not None:
        return quote, "quote_before", None
    # ", officials said," / "As he said, ...": the clause the cue hangs in
    if verb.dep_ in ("parataxis",) or (verb.dep_ == "advcl" and any(
            c.dep_ == "mark" and c.lower_ == "as" for c in verb.children) and lemma in REPORTING_VERBS):
        return _parenthetical_content(verb), "parenthetical", None
    return None, "none", None


def _clause_tail(verb: Token, clause: Token) -> list[Token]:
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


def _parenthetical_content(verb: Token) -> CharSpan | None:
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
        framing = all(_framing(t, head) for t in left)
        if framing:
            left = []
    core = [t for t in left + right if not t.is_punct]
    if not core:
        return None
    if not right or all(t.is_punct for t in right):
        return _span(text, left)
    if not left:
        return _span(text, right)
    return _span(text, left + right)


def _framing(tok: Token, head: Token) -> bool:
    """Whether `tok` belongs to a framing dependent of `head` (or is punctuation)."""
    if tok.is_punct:
        return True
    t = tok
    while t.head.i != head.i and t.head.i != t.i:
        t = t.head
    return t.head.i == head.i and t.dep_ in FRAMING_DEPS


def _according_to(tok: Token) -> tuple[Token, list[Token]] | None:
    """For the token "according" heading "to X": (the "to" token, X's tokens)."""
    if tok.lower_ != "according":
        return None
    for child in tok.children:
        if child.lower_ == "to":
            pobjs = [g for g in child.children if g.dep_ == "pobj"]
            if pobjs:
                return child, _source_phrase(pobjs[0])
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.lower_ == "to":
        pobjs = [g for g in nxt.children if g.dep_ == "pobj"]
        if pobjs:
            return nxt, _source_phrase(pobjs[0])
    return None


def _source_phrase(head: Token) -> list[Token]:
    """An "according to" source: the speaker phrase, up to the end of a quoted title in it."""
    return speaker_tokens(head)


def _according_content(sent: Span, phrase: list[Token]) -> CharSpan | None:
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
            return (left[0], right[1]) if _has_subject_before(sent, lo) else right
        return left
    sides = [s for s in (left, right) if s]
    if not sides:
        return None
    return sides[0]


def _has_subject_before(sent: Span, lo: int) -> bool:
    return any(t.dep_ in ("nsubj", "nsubjpass") and t.head.i > lo for t in sent.doc[sent.start:lo])


def _headline_colon(doc: Doc, text: str, sent_starts: list[int]) -> list[tuple[CharSpan, CharSpan, CharSpan]]:
    """"Name: content" at the start of a line (headlines, transcripts): (speaker, cue, content)."""
    out = []
    for m in _HEADLINE_COLON.finditer(text):
        name = m.group(1).strip()
        if _NOT_SPEAKERS.match(name) or len(name.split()) > 6 or any(ch.isdigit() for ch in name):
            continue
        ns, ne = m.start(1), m.start(1) + len(m.group(1).rstrip())
        span = doc.char_span(ns, ne, alignment_mode="expand")
        if span is None:
            continue
        words = [t for t in span if not t.is_punct]
        if not words or not all(t.pos_ in ("PROPN", "NOUN", "ADJ", "DET", "CCONJ", "PART") or t.is_title or t.is_upper
                                for t in words):
            continue
        if not (any(t.pos_ == "PROPN" for t in words) or any(t.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") for t in words)):
            continue
        colon = text.index(":", ne)
        line_end = text.find("\n", colon)
        line_end = len(text) if line_end < 0 else line_end
        content = trim(text, (colon + 1, line_end), strip_quotes=False)
        if content is None:
            # a transcript's speaker line: the words are the next paragraph
            nxt = colon + 1
            while nxt < len(text) and text[nxt].isspace():
                nxt += 1
            para_end = text.find("\n", nxt)
            para_end = len(text) if para_end < 0 else para_end
            content = trim(text, (nxt, para_end))
        if content is None or content[1] - content[0] < 8:
            continue
        out.append(((ns, ne), (colon, colon + 1), content))
    return out


# ---------------------------------------------------------------------------------------------
# whole quotations and continuations


def _widen_to_quotes(content: CharSpan, cue: CharSpan, quotes: _Quotes) -> CharSpan:
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


def _continue_quotes(claims: list[Claim], doc: Doc, quotes: _Quotes, sent_bounds: list[CharSpan]) -> list[Claim]:
    """“A,” she said. “B.” — the quotation right after a quoted claim's sentence continues it."""
    text = doc_text(doc)
    cue_starts = sorted(c.cue[0] for c in claims)
    sent_starts = [s for s, _ in sent_bounds]
    out = []
    for c in claims:
        if not (_is_quoted(c, quotes) or CONTINUE_PARAPHRASE and c.construction.startswith("verb_clause")):
            out.append(c)
            continue
        end = max(c.content[1], c.cue[1], c.speaker[1] if c.speaker else 0)
        new_end = c.content[1]
        pos = end
        first = True
        while True:
            q = _next_quote(text, quotes, pos)
            if q is None or q[0] < pos:
                break
            # nothing but a comma between the cue and the next quotation, or a new sentence
            between = text[pos:q[0]]
            if first and between.strip(" \t,") and not _sentence_break(between):
                break
            if not first and between.strip():
                break
            # the quotation stands alone: no cue of another claim in its sentence outside it
            kq = bisect_right(sent_starts, max(q[1] - 1, q[0])) - 1
            q_sent_end = sent_bounds[kq][1] if kq >= 0 else q[1]
            tail = text[q[1]:q_sent_end]
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
            c = replace(c, content=(c.content[0], new_end), construction=c.construction + "+continued")
        out.append(c)
    return out


def _sentence_break(between: str) -> bool:
    stripped = between.strip()
    return stripped in ("", ".", "!", "?") or stripped.endswith((".", "!", "?"))


def _next_quote(text: str, quotes: _Quotes, pos: int) -> CharSpan | None:
    i = pos
    n = len(text)
    while i < n and (text[i].isspace() or text[i] in ".,;:!?"):
        i += 1
    return quotes.starting_at(i) if i < n else None


def _is_quoted(c: Claim, quotes: _Quotes) -> bool:
    """The claim's content is (the inside of) a quotation."""
    for q in quotes.overlapping(c.content):
        inner = quotes.inner(q)
        if inner[0] <= c.content[0] + 1 and c.content[1] <= q[1]:
            return True
    return False


#: Constructions that are claims of their own only at the top level: an intention, object or
#: preposition cue inside another claim's content is part of what that claim reports.
TOP_LEVEL_ONLY = frozenset({"verb_intention", "verb_object", "verb_prep", "verb_directive", "colon"})


def _drop_nested(claims: list[Claim]) -> list[Claim]:
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
        window = by_start[bisect_left(starts, c.cue[0] - longest):bisect_right(starts, c.cue[0])]
        for o in window:
            if o is c or not (o.content[0] <= c.cue[0] and c.cue[1] <= o.content[1]):
                continue
            if o.content[0] <= o.cue[0] < o.content[1]:
                continue  # a parenthetical's content holds its own cue: not an outer claim
            if c.construction.split("+")[0] in TOP_LEVEL_ONLY or o.construction.startswith("according_to"):
                nested = True
                break
        if not nested:
            out.append(c)
    return out


# ---------------------------------------------------------------------------------------------


def extract_claims(doc: Doc, skip: list[CharSpan] | None = None) -> list[Claim]:
    """Every claim in the doc, in text order. Sentences inside `skip` ranges are ignored."""
    claims: list[Claim] = []
    seen: set[tuple[CharSpan, CharSpan]] = set()
    text = doc_text(doc)
    quotes = _Quotes(text)
    sents = list(doc.sents)
    sent_bounds = [(s.start_char, s.end_char) for s in sents]
    sent_starts = [s for s, _ in sent_bounds]

    def skipped(sent: Span) -> bool:
        return bool(skip) and any(s <= sent.start_char and sent.end_char <= e + 1 for s, e in skip)

    def add(claim: Claim) -> None:
        key = (claim.cue, claim.content)
        if key not in seen:
            seen.add(key)
            claims.append(claim)

    for si, sent in enumerate(sents):
        if skipped(sent):
            continue
        for tok in sent:
            acc = _according_to(tok)
            if acc is not None:
                to_tok, spk = acc
                phrase = [tok, to_tok] + spk
                content = _according_content(sent, phrase)
                speaker = trim(text, char_span_of(spk))
                if content and speaker:
                    cue = (tok.idx, to_tok.idx + len(to_tok.text))
                    if quotes.containing(cue[0]) is None:
                        head = max(spk, key=lambda t: (t.dep_ == "pobj", -abs(t.i - to_tok.i)))
                        add(Claim(si, cue, "according to", _widen_to_quotes(content, cue, quotes), speaker,
                                  "according_to", head.i))
                continue
            if not _is_cue_verb(tok):
                continue
            if quotes.containing(tok.idx) is not None:
                continue  # someone's quoted words ("“I think ...”"), not a claim of the article's own
            subj, how = _subject(tok)
            content, construction, cue_override = _content_of(tok, quotes, subj)
            if content is None:
                continue
            cue = cue_override or (tok.idx, tok.idx + len(tok.text))
            if content[0] <= cue[0] < content[1] and construction not in ("parenthetical", "verb_clause_split"):
                # the cue sits inside its own content (a parse loop): not a claim
                continue
            content = _widen_to_quotes(content, cue, quotes)
            speaker = None
            if subj is not None and subj.lower_ not in ("it", "there"):
                speaker = trim(text, char_span_of(speaker_tokens(subj)))
                if speaker and (speaker[0] < content[1] and content[0] < speaker[1]) and \
                        construction not in ("parenthetical", "verb_clause_split"):
                    speaker = None
            add(Claim(si, cue, _lemma(tok), content, speaker, construction,
                      subj.i if subj is not None and speaker else None))
    # "Name: content" lines
    for speaker, cue, content in _headline_colon(doc, text, sent_starts):
        k = bisect_right(sent_starts, cue[0]) - 1
        if k < 0 or skipped(sents[k]) or quotes.containing(cue[0]) is not None:
            continue
        if any(c.cue[0] <= cue[0] < c.content[1] or c.content[0] <= cue[0] < c.content[1] for c in claims):
            continue
        span = doc.char_span(speaker[0], speaker[1], alignment_mode="expand")
        head = span.root.i if span is not None else None
        add(Claim(k, cue, ":", content, speaker, "colon", head))
    claims = _continue_quotes(claims, doc, quotes, sent_bounds)
    claims = _drop_nested(claims)
    claims.sort(key=lambda c: (c.cue[0], c.content[0]))
    return claims
