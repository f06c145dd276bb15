"""Claims: who (speaker) said (cue) what (content), from the dependency parse of one Doc.

Pure functions: `extract_claims(doc)` returns Claim records with character offsets into doc.text.
Constructions handled in this first version:
  * reporting verb with a clausal complement   "Lukashenko insisted that the accusations ..."
  * reporting verb with a quotation             "The foreign minister also said, “We proceed ...”"
  * reporting verb whose object is the content  "Lukashenko rejected claims that Minsk ..."
  * "according to X"                            "According to Lukashenko, a number of ..."
  * subjects inherited through xcomp / advcl / conj ("went on to say that", "..., stating that")
  * passive agents                              "..., it was announced by the ministry"
Pronoun and description speakers ("He", "The president") are resolved to the nearest preceding
person mention by `resolve_speakers` (see speakers.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from pipeline.nlp.spans import CharSpan, char_span_of, contiguous, subtree_tokens, trim

#: Verbs that report speech, writing, thought or stance.
REPORTING_VERBS = frozenset("""
    say tell state claim insist reject deny warn stress argue note announce explain add emphasize
    emphasise assert suggest indicate believe think report confirm acknowledge admit allege contend
    maintain declare predict promise vow pledge urge accuse complain concede reply respond answer write
    testify recall reveal disclose signal express mention remark observe comment describe characterize
    agree estimate expect fear hope worry caution question dismiss counter demand ask tweet post
    caution charge recommend propose conclude find show insist reiterate repeat underline highlight
    point clarify announce brief inform assure threaten forecast caution welcome condemn criticize
    criticise praise blame acknowledge doubt guess feel know learn hear understand consider recognize
    recognise ensure guarantee order instruct advise call
""".split())

#: Cues whose direct object is itself the reported content ("rejected claims that ...").
OBJECT_CUES = frozenset("""
    reject deny express announce confirm acknowledge dismiss reveal predict demand signal admit
    welcome condemn criticize criticise praise dispute question challenge rule blame
""".split())

#: Cues that need a particle to report ("point out", "call on").
PARTICLE_CUES = {"point": "out", "call": "on"}

SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp"})
SPEAKER_EXCLUDE = frozenset({"relcl", "acl", "appos", "punct", "cc", "advmod", "prep"})
SPEAKER_EXCLUDE_PREP_OK = frozenset({"relcl", "acl", "appos", "punct", "advmod"})


@dataclass(frozen=True)
class Claim:
    sentence_index: int
    cue: CharSpan
    cue_lemma: str
    content: CharSpan
    speaker: CharSpan | None
    construction: str
    speaker_token: int | None = None  # index of the speaker's head token

    def text(self, doc_text: str, which: str) -> str | None:
        span = getattr(self, which)
        return None if span is None else doc_text[span[0]:span[1]]


def _is_cue_verb(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX") and tok.tag_ not in ("VBG", "VBN", "VBD", "VBZ", "VBP", "VB"):
        return False
    lemma = tok.lemma_.lower()
    if lemma not in REPORTING_VERBS:
        return False
    if lemma in PARTICLE_CUES:
        return any(c.dep_ == "prt" and c.lower_ == PARTICLE_CUES[lemma] for c in tok.children) or \
            any(c.dep_ == "prep" and c.lower_ == PARTICLE_CUES[lemma] for c in tok.children)
    return True


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
    if depth < 3 and verb.dep_ in ("xcomp", "advcl", "conj", "acl") and verb.head is not verb:
        head = verb.head
        if verb.dep_ == "acl":
            # "with Lukashenko noting that": the noun the participle modifies is the speaker
            if head.pos_ in ("PROPN", "NOUN", "PRON"):
                return head, "participle"
            return None, "none"
        if head.pos_ in ("VERB", "AUX"):
            tok, how = _subject(head, depth + 1)
            return tok, ("inherited" if tok is not None else how)
    return None, "none"


def speaker_tokens(head: Token) -> list[Token]:
    """The noun phrase of a speaker, without relative clauses, appositions or trailing adverbs."""
    toks = subtree_tokens(head, exclude_deps=SPEAKER_EXCLUDE_PREP_OK)
    # a right-hand prepositional phrase is kept only when short ("the head of the agency")
    toks = [t for t in toks if not (t.i > head.i and t.dep_ == "punct")]
    run = contiguous(toks)
    # stop at a comma after the head (an apposition the parser attached otherwise)
    out = []
    for t in run:
        if t.i > head.i and t.text in (",", "(", "—", "–", ";", ":"):
            break
        out.append(t)
    return out


def _quote_after(verb: Token) -> CharSpan | None:
    """A quotation that opens right after the cue (allowing a comma or colon): said, “...”."""
    doc = verb.doc
    i = verb.i + 1
    while i < len(doc) and (doc[i].is_punct and doc[i].text in ",:" or doc[i].is_space):
        i += 1
    if i < len(doc) and doc[i].is_quote and doc[i].text in "“\"«‘":
        start = doc[i].idx
        j = i + 1
        while j < len(doc) and not (doc[j].is_quote and doc[j].text in "”\"»’"):
            if "\n" in doc[j].text:
                break
            j += 1
        end = doc[j].idx + len(doc[j].text) if j < len(doc) else doc[-1].idx + len(doc[-1].text)
        return start, end
    return None


def _content_of(verb: Token) -> tuple[CharSpan | None, str]:
    text = verb.doc.text
    for child in verb.children:
        if child.dep_ == "ccomp":
            toks = subtree_tokens(child)
            toks = [t for t in toks if not t.i == verb.i]
            return trim(text, char_span_of(contiguous(toks))), "verb_clause"
    quote = _quote_after(verb)
    if quote is not None:
        return trim(text, quote), "verb_quote"
    for child in verb.children:
        # "claims EU ministers to attend": an object with an infinitive
        if child.dep_ == "xcomp" and any(g.dep_ in ("nsubj", "dobj") for g in child.children):
            return trim(text, char_span_of(contiguous(subtree_tokens(child)))), "verb_clause"
    lemma = verb.lemma_.lower()
    for child in verb.children:
        if child.dep_ in ("dobj", "obj"):
            clausal = any(g.dep_ in ("acl", "relcl", "ccomp") for g in child.subtree if g is not child)
            if lemma in OBJECT_CUES or clausal and lemma in ("claim", "say", "report", "state", "warn", "note"):
                return trim(text, char_span_of(contiguous(subtree_tokens(child)))), "verb_object"
    # "called on X to present tough conditions"
    if lemma in ("call", "urge", "ask", "tell", "warn", "order", "instruct", "advise"):
        for child in verb.children:
            if child.dep_ == "xcomp" or (child.dep_ == "prep" and any(g.dep_ == "pobj" for g in child.children)):
                for g in ([child] + list(child.subtree)):
                    if g.dep_ == "xcomp" and g.tag_ == "VB":
                        return trim(text, char_span_of(contiguous(subtree_tokens(g)))), "verb_directive"
    return None, "none"


def _according_to(tok: Token) -> tuple[Token, list[Token]] | None:
    """For the token "according" heading "to X": (the "to" token, X's tokens)."""
    if tok.lower_ != "according":
        return None
    for child in tok.children:
        if child.lower_ == "to":
            pobjs = [g for g in child.children if g.dep_ == "pobj"]
            if pobjs:
                return child, speaker_tokens(pobjs[0])
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.lower_ == "to":
        pobjs = [g for g in nxt.children if g.dep_ == "pobj"]
        if pobjs:
            return nxt, speaker_tokens(pobjs[0])
    return None


def _according_content(sent: Span, phrase: list[Token]) -> CharSpan | None:
    """The sentence without its "according to X" phrase: the larger side of it."""
    text = sent.doc.text
    lo = min(t.i for t in phrase)
    hi = max(t.i for t in phrase)
    left = trim(text, (sent.start_char, sent.doc[lo].idx)) if lo > sent.start else None
    right_start = sent.doc[hi].idx + len(sent.doc[hi].text)
    right = trim(text, (right_start, sent.end_char)) if hi + 1 < sent.end else None
    sides = [s for s in (left, right) if s]
    if not sides:
        return None
    return max(sides, key=lambda s: s[1] - s[0])


def extract_claims(doc: Doc, skip: list[CharSpan] | None = None) -> list[Claim]:
    """Every claim in the doc, in text order. Sentences inside `skip` ranges are ignored."""
    claims: list[Claim] = []
    seen: set[tuple[CharSpan, CharSpan]] = set()
    text = doc.text
    for si, sent in enumerate(doc.sents):
        if skip and any(s <= sent.start_char and sent.end_char <= e + 1 for s, e in skip):
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
                    key = (cue, content)
                    if key not in seen:
                        seen.add(key)
                        head = max(spk, key=lambda t: (t.dep_ == "pobj", -abs(t.i - to_tok.i)))
                        claims.append(Claim(si, cue, "according to", content, speaker, "according_to", head.i))
                continue
            if not _is_cue_verb(tok):
                continue
            content, construction = _content_of(tok)
            if content is None:
                continue
            cue = (tok.idx, tok.idx + len(tok.text))
            if content[0] <= cue[0] < content[1]:
                # the cue sits inside its own content (a parse loop): not a claim
                continue
            subj, how = _subject(tok)
            speaker = None
            if subj is not None:
                speaker = trim(text, char_span_of(speaker_tokens(subj)))
                if speaker and (speaker[0] < content[1] and content[0] < speaker[1]):
                    speaker = None
                    subj = None
            key = (cue, content)
            if key in seen:
                continue
            seen.add(key)
            claims.append(Claim(si, cue, tok.lemma_.lower(), content, speaker, construction,
                                subj.i if subj is not None and speaker else None))
    return claims
