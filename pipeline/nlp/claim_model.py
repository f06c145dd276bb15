"""The learned claim component: a token tagger for SOURCE, CUE and CONTENT spans, decoded into claims.

Every token gets one composite tag ``CONTENT|ROLE``: content ``B``/``I``/``O`` and a source or cue
BIO role (``B-S``, ``I-S``, ``B-Q``, ``I-Q``, ``O``), from one of two taggers (setting
NEWSCLAIMS_CLAIM_TAGGER), both trained on PolNeAR train:

* ``encoder`` (the default): all-MiniLM-L6-v2 fine-tuned as a token tagger
  (pipeline/nlp/encoder_tagger.py, pipeline/models/claims_encoder, `make train-encoder`,
  training/encoder);
* ``cnn``: a spaCy tagger with its own CNN tok2vec over en_core_web_md's static vectors (the ones the
  CoNLL entity component borrows; pipeline/models/claims_tagger, `make train-claims`,
  training/claims).

Either runs on the base pipeline's tokens as the `newsclaims_claim_tags` pipe and never writes
``token.tag_``: it keeps the tags in ``token._.claim_tag`` / ``token._.claim_prob`` /
``token._.claim_cue_prob``, which survive joining long texts' pieces.

`learned_claims` decodes the tags around each predicted cue: the predicted content span next to
it in its sentence (after it, else before it), the predicted source in its sentence (the cue's
grammatical subject where that is one), and `combine` adds to the rules' claims the learned ones
the rules miss. The construction of a learned claim is ``learned``.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy
import spacy
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import minibatch

from pipeline import settings
from pipeline.nlp import known_sources
from pipeline.nlp.claims import Claim, Construction, quote_spans
from pipeline.nlp.claims.stance import is_negated, stance_of
from pipeline.nlp.spans import CharSpan, doc_text, trim

#: The trained tagger (a spaCy pipeline folder without vocab: no training text).
CLAIM_COMPONENT = Path(__file__).resolve().parent.parent / "models" / "claims_tagger"
CLAIM_PIPE = "claims_tagger"
TAGS_PIPE = "newsclaims_claim_tags"
CONSTRUCTION = Construction.LEARNED.value
#: Quotation marks (not the apostrophe, which is inside words): none is ever part of a cue.
QUOTATION_MARKS = frozenset('"“”„«»')
#: How far (tokens) a content span may start after the cue, or end before it (skipping "that", ",").
CONTENT_GAP = 3
#: Dependencies that make a token the grammatical subject of a cue verb.
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
#: Dependencies of a cue's complement, whose subtree the content may run to the end of.
CONTENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "advcl", "prep", "attr", "oprd"})
PARSE_END = True
ACTIVE_SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
#: How far (tokens) from its cue a predicted source may be when it is not the cue's subject.
SOURCE_REACH = 6
#: A cue without a predicted source takes its grammatical subject from the parse.
SUBJECT_FALLBACK = True
#: A token is (part of) a cue where the tagger gives its cue tags together at least this probability,
#: whatever its single most likely tag.
CUE_MIN_PROB = 0.5
#: A rule claim without a speaker takes the tagger's source for its cue.
FILL_SPEAKERS = True
#: Lowest mean cue probability of a cue's tokens for a learned claim, and fewest content tokens
#: (measured on the held-out tenth of train: below them the learned claims are mostly wrong).
MIN_CUE_PROB = 0.45
MIN_CONTENT_TOKENS = 3
#: ... but a shorter content is taken where it is exactly the object of the cue in the parse (the
#: subtree of a direct, prepositional or predicative object: "called for the ban", "criticized
#: Clinton"), at least this many tokens (0: never). 2 gained 0.002 attribution F1 on the held-out
#: tenth of train, 0.004 with INSIDE_RULES_MIN_CUE_PROB 0.8 and claims/widening.py's
#: REST_TO_NEXT_QUOTE and REST_IGNORES_TOP_LEVEL_ONLY (cue +0.003, strict +0.004, source +0.003; as
#: much with five other taggers; training/encoder/README.md, session 18). On since session 20, when
#: PolNeAR dev agreed: attribution 0.783 -> 0.786, cue 0.808 -> 0.810, strict 0.687 -> 0.690.
SHORT_OBJECT_MIN_TOKENS = 2
#: Dependencies of such an object (under the cue, or under a preposition the cue governs).
OBJECT_DEPS = frozenset({"dobj", "pobj", "attr", "oprd", "dative"})
#: Rule constructions whose content the tagger's replaces where a learned claim shares the cue: the
#: ones whose content ends where a parse heuristic says (an object, a prepositional phrase, an
#: infinitive, the split clause); a quotation's or a that-clause's the rules keep (held-out tenth
#: of train, encoder tagger: the learned content was right where the rule's was wrong 24 times, the
#: reverse 9 times; the rules' was better for verb_clause, 37 against 10).
PREFER_LEARNED = frozenset(
    {
        Construction.VERB_OBJECT.value,
        Construction.VERB_PREP.value,
        Construction.VERB_INTENTION.value,
        Construction.VERB_CLAUSE_SPLIT.value,
    }
)
#: ... but only where the two contents disagree (character F1 below this): where they mostly agree
#: the rule's span stands, being the construction's (the proposition a noun cue introduces, "rejected
#: claims that X" -> "that X"; the whole object, "expressed sincere empathy for ...").
PREFER_LEARNED_BELOW = 0.8
#: A learned claim whose cue lies in a rule claim's content is dropped ...
NOT_INSIDE_RULES = True
#: ... unless the tagger is at least this sure of its cue (a nested attribution; above 1: never; see
#: SHORT_OBJECT_MIN_TOKENS: 0.8 alone +0.001).
INSIDE_RULES_MIN_CUE_PROB = 0.8
#: A rule claim none of whose cue tokens the tagger gives at least this cue probability is dropped:
#: the tagger, trained on PolNeAR's attributions, knows most of the verbs the rules take for cues
#: where they report nothing (measured on the held-out tenth of train with the encoder tagger);
#: 0 keeps every rule claim.
RULE_MIN_CUE_PROB = 0.1
#: The dbt seed of cues that name whom they address (fct_claim_entities' addressee role), one lemma a row.
ADDRESSEE_CUES_CSV = settings.SEEDS_DIR / "addressee_cues.csv"


def read_cue_lemmas(path: Path) -> frozenset[str]:
    """The cue_lemma column of a seed (lower case)."""
    with open(path, encoding="utf-8", newline="") as f:
        return frozenset(r["cue_lemma"].strip().lower() for r in csv.DictReader(f) if (r["cue_lemma"] or "").strip())


#: ... except a rule claim with one of these cues nested in another rule claim's content ("X said
#: that he had warned Y that Z"): the tagger, one tag per token, marks such a cue as the outer
#: content. Only the cues that name whom they address (the addressee_cues seed, which
#: fct_claim_entities reads too): every nested cue kept cost 0.010 attribution F1 on dev and 0.005
#: on the held-out tenth.
NESTED_CUES_KEPT = read_cue_lemmas(ADDRESSEE_CUES_CSV)
#: ... and any rule claim nested in the content of a rule claim whose speaker is a news agency or
#: outlet ("X said that Y, Reuters reported"): the organisation carries X's claim (its carrier, not
#: its speaker, sources.py), and PolNeAR, which annotates the outer attribution alone, taught the
#: tagger nothing about the inner cue.
NESTED_IN_NEWS_KEPT = True


if not Token.has_extension("claim_tag"):
    Token.set_extension("claim_tag", default=None)
    Token.set_extension("claim_prob", default=None)
    Token.set_extension("claim_cue_prob", default=None)


class ClaimTags:
    """Runs the trained tagger's model and stores its tags on the tokens."""

    def __init__(self, tagger) -> None:
        self.model = tagger.model
        self.labels = list(tagger.labels)
        self.cue_columns = [k for k, label in enumerate(self.labels) if label.endswith("-Q")]

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs, batch_size: int = settings.Settings.batch_size):
        for batch in minibatch(docs, batch_size):
            todo = [d for d in batch if len(d)]
            scores = self.model.predict(todo) if todo else []
            for doc, s in zip(todo, scores, strict=True):
                s = self.model.ops.to_numpy(s)
                s = numpy.exp(s - s.max(axis=1, keepdims=True))  # the model's scores → probabilities
                s /= s.sum(axis=1, keepdims=True)
                best = s.argmax(axis=1)
                cue = s[:, self.cue_columns].sum(axis=1)
                # straight into doc.user_data, where tok._.claim_tag = ... would put them (one
                # Underscore object per token and attribute is most of this loop's time otherwise)
                data = doc.user_data
                probs = s[numpy.arange(len(best)), best].tolist()
                for idx, k, p, q in zip(_token_idx(doc), best.tolist(), probs, cue.tolist(), strict=True):
                    data[_key("claim_tag", idx)] = self.labels[k]
                    data[_key("claim_prob", idx)] = p
                    data[_key("claim_cue_prob", idx)] = q
            yield from batch


@Language.factory(TAGS_PIPE, default_config={"path": str(CLAIM_COMPONENT)})
def make_claim_tags(nlp: Language, name: str, path: str) -> ClaimTags:
    trained = spacy.load(path, vocab=nlp.vocab, exclude=["vocab", "tokenizer"])
    return ClaimTags(trained.get_pipe(CLAIM_PIPE))


def component_meta(path: Path = CLAIM_COMPONENT) -> dict | None:
    try:
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fits(meta: dict | None, vectors_shape: tuple[int, int]) -> bool:
    want = (meta or {}).get("newsclaims", {}).get("vectors_shape")
    return meta is not None and want is not None and tuple(want) == tuple(vectors_shape)


def wanted() -> bool:
    return settings.learned_claims()


def add_claim_component(nlp: Language, path: Path | None = None, force: bool = False, kind: str | None = None) -> bool:
    """Add the claim tagger at the end of the pipeline where it is wanted (settings) and shipped:
    the one `kind` names (default: the NEWSCLAIMS_CLAIM_TAGGER setting), from `path` (default: its
    shipped folder). The fine-tuned encoder (pipeline/nlp/encoder_tagger.py) needs nothing of the
    base but its tokens and parse; the CNN tagger only goes where the vocab holds the static vectors
    it was trained with (en_core_web_md's, put there for the entity component). Either sits under
    the same pipe name and writes the same token extensions."""
    if not (force or wanted()) or TAGS_PIPE in nlp.pipe_names:
        return False
    if (kind or settings.claim_tagger()) == "encoder":
        from pipeline.nlp import encoder_tagger as et

        path = path or et.ENCODER_COMPONENT
        if not et.available(path):
            return False
        nlp.add_pipe(et.FACTORY, name=TAGS_PIPE, config={"path": str(path)})
        nlp.meta["newsclaims_claims"] = et.signature(path)
        return True
    path = path or CLAIM_COMPONENT
    if not fits(component_meta(path), tuple(nlp.vocab.vectors.shape)):
        return False
    nlp.add_pipe(TAGS_PIPE, config={"path": str(path)})
    nlp.meta["newsclaims_claims"] = component_signature(path)
    return True


def installed_signature(vectors_shape: tuple[int, int]) -> str | None:
    """The signature `add_claim_component` would record in a base with these vectors, without
    loading anything (None: no tagger would be added)."""
    if not wanted():
        return None
    if settings.claim_tagger() == "encoder":
        from pipeline.nlp import encoder_tagger as et

        return et.signature() if et.available() else None
    return component_signature() if fits(component_meta(), vectors_shape) else None


@lru_cache(maxsize=4)
def component_signature(path: Path = CLAIM_COMPONENT) -> str:
    """name-version+the first 8 hex of the weights' sha256: a retrained tagger is a new version."""
    meta = component_meta(path) or {}
    digest = hashlib.sha256((path / CLAIM_PIPE / "model").read_bytes()).hexdigest()[:8]
    return f"{meta.get('name', CLAIM_PIPE)}-{meta.get('version', '0')}.{digest}"


# ---------------------------------------------------------------------------------------------
# decoding


def _key(name: str, idx: int) -> tuple:
    """Where spaCy keeps a token extension's value in doc.user_data (what tok._.name reads)."""
    return ("._.", name, idx, None)


def _token_idx(doc: Doc) -> list[int]:
    """Every token's character offset (token.idx), in one call."""
    return doc.to_array(IDX).tolist() if len(doc) else []


def token_tags(doc: Doc) -> tuple[list[str | None], list[float | None]]:
    """Every token's claim tag and cue probability (tok._.claim_tag, tok._.claim_cue_prob), read
    from doc.user_data in one pass instead of through an Underscore object per token."""
    tags = DocTags.read(doc)
    return tags.tags, tags.cue_probs


class DocTags:
    """A Doc's claim tags read once (`with_learned` hands them to each step that reads them):
    per token its character offset, tag and cue probability, and the decoded `tag_spans`."""

    __slots__ = ("idx", "tags", "cue_probs", "_spans")

    def __init__(self, idx: list[int], tags: list[str | None], cue_probs: list[float | None]) -> None:
        self.idx, self.tags, self.cue_probs, self._spans = idx, tags, cue_probs, None

    @classmethod
    def read(cls, doc: Doc) -> "DocTags":
        get = doc.user_data.get
        idx = _token_idx(doc)
        # the keys `_key` builds, spelled out: one call less per token and tag
        return cls(
            idx,
            [get(("._.", "claim_tag", i, None)) for i in idx],
            [get(("._.", "claim_cue_prob", i, None)) for i in idx],
        )

    def spans(self) -> dict[str, list[tuple[int, int]]]:
        """`tag_spans`, decoded on the first call."""
        if self._spans is None:
            self._spans = _decode_spans(self.tags, self.cue_probs)
        return {kind: list(spans) for kind, spans in self._spans.items()}

    def content(self, i: int) -> str:
        """Token i's content tag (B, I or O)."""
        tag = self.tags[i]
        return tag.partition("|")[0] if tag else "O"

    def parts(self, i: int) -> tuple[str, str]:
        """Token i's (content, role) tags."""
        content, _, role = (self.tags[i] or "O|O").partition("|")
        return content, role


def tagged(doc: Doc) -> bool:
    """Whether the claim tagger ran on the doc."""
    return bool(len(doc)) and doc.user_data.get(("._.", "claim_tag", doc[0].idx, None)) is not None


def tag_spans(doc: Doc, tags: DocTags | None = None) -> dict[str, list[tuple[int, int]]]:
    """Token spans [start, end) per kind: "S" source, "Q" cue, "C" content."""
    return (tags or DocTags.read(doc)).spans()


def _decode_spans(tags: list[str | None], cue_probs: list[float | None]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {"S": [], "Q": [], "C": []}
    open_: dict[str, int | None] = {"S": None, "Q": None, "C": None}

    def close(kind: str, end: int) -> None:
        if open_[kind] is not None:
            out[kind].append((open_[kind], end))
            open_[kind] = None

    # A token tagged O|O whose cue probability is under CUE_MIN_PROB closes whatever is open and
    # opens nothing: after another such token it changes nothing, so only the others and the first
    # token after each of them are visited (most tokens are outside every span).
    plain = [
        (tag is None or tag == "O|O") and (q or 0.0) < CUE_MIN_PROB for tag, q in zip(tags, cue_probs, strict=True)
    ]
    visit = [not here or not before for here, before in zip(plain, [True, *plain[:-1]], strict=True)]
    for i in itertools.compress(range(len(tags)), visit):
        tag, cue_prob = tags[i], cue_probs[i]
        content, _, role = (tag or "O|O").partition("|")
        if not role.endswith("Q") and (cue_prob or 0.0) >= CUE_MIN_PROB:
            role = "I-Q" if open_["Q"] is not None else "B-Q"
        if content == "O" or (content == "B" and open_["C"] is not None):
            close("C", i)
        if content in ("B", "I") and open_["C"] is None:
            open_["C"] = i
        for kind in ("S", "Q"):
            if role == f"I-{kind}" and open_[kind] is not None:
                continue
            close(kind, i)
            if role in (f"B-{kind}", f"I-{kind}"):
                open_[kind] = i
    for kind in out:
        close(kind, len(tags))
    return out


def _chars(doc: Doc, start: int, end: int) -> CharSpan:
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def _content_after(doc: Doc, tags: DocTags, cue: tuple[int, int], sent_end: int) -> tuple[int, int] | None:
    """From the first content token within CONTENT_GAP tokens after the cue to the last content
    token before the sentence ends or another source or cue begins."""
    first = next((i for i in range(cue[1], min(cue[1] + CONTENT_GAP + 1, sent_end)) if tags.content(i) != "O"), None)
    if first is None:
        return None
    last = first
    for i in range(first + 1, sent_end):
        content, role = tags.parts(i)
        if role != "O":
            break
        if content != "O":
            last = i
    return first, _parse_end(doc, cue, first, last + 1, sent_end) if PARSE_END else last + 1


def _parse_end(doc: Doc, cue: tuple[int, int], first: int, end: int, sent_end: int) -> int:
    """The end of the cue's clausal or object complement where the content starts inside it: the
    tagger's content often stops short of a long complement's end."""
    for i in range(*cue):
        for child in doc[i].children:
            if child.dep_ in CONTENT_DEPS and child.left_edge.i <= first <= child.i:
                return max(end, min(child.right_edge.i + 1, sent_end))
    return end


def _content_before(doc: Doc, tags: DocTags, left: int, sent_start: int) -> tuple[int, int] | None:
    """From the last content token within CONTENT_GAP tokens before `left` (the cue, or its source
    right before it) back to where that content begins (its B tag), another source or cue, or the
    start of the sentence it is in."""
    last = next((i for i in range(left - 1, max(left - CONTENT_GAP - 1, -1), -1) if tags.content(i) != "O"), None)
    if last is None:
        return None
    floor = min(sent_start, doc[last].sent.start)
    first = last
    for i in range(last, floor - 1, -1):
        content, role = tags.parts(i)
        if role != "O":
            break
        if content != "O":
            first = i
        if content == "B":
            break
    return first, last + 1


def _widen_to_quote(span: CharSpan, quotes: list[CharSpan]) -> CharSpan:
    """A content that starts or ends inside a quotation covers the whole quotation."""
    s, e = span
    for qs, qe in quotes:
        if qs <= s < qe or qs < e <= qe:
            if qs <= s + 1 and e < qe or s > qs and e >= qe - 1:
                s, e = min(s, qs), max(e, qe)
    return s, e


def _subject_span(doc: Doc, cue: tuple[int, int]) -> tuple[int, int] | None:
    """The cue's active grammatical subject, as a token span (its subtree)."""
    for i in range(*cue):
        for child in doc[i].children:
            if child.dep_ in ACTIVE_SUBJECT_DEPS:
                return child.left_edge.i, child.right_edge.i + 1
    return None


def _source_for(
    doc: Doc,
    cue: tuple[int, int],
    sources: list[tuple[int, int]],
    sent_range: tuple[int, int],
    content: tuple[int, int],
) -> tuple[int, int] | None:
    """The predicted source in the cue's sentence that holds its subject, else the nearest one
    (within SOURCE_REACH tokens), else the cue's subject from the parse."""
    cands = [
        s
        for s in sources
        if sent_range[0] <= s[0] < sent_range[1]
        and not (s[0] < content[1] and content[0] < s[1])
        and not (s[0] < cue[1] and cue[0] < s[1])
    ]
    subjects = {t.i for i in range(*cue) for t in doc[i].children if t.dep_ in SUBJECT_DEPS}
    for s in cands:
        if subjects & set(range(*s)):
            return s

    def distance(s: tuple[int, int]) -> int:
        return cue[0] - s[1] if s[1] <= cue[0] else s[0] - cue[1]

    near = [s for s in cands if distance(s) <= SOURCE_REACH]
    if near:
        return min(near, key=lambda s: (distance(s), s[1] > cue[0]))
    if SUBJECT_FALLBACK:
        subj = _subject_span(doc, cue)
        if subj is not None and not (subj[0] < content[1] and content[0] < subj[1]):
            return subj
    return None


def _short_object(doc: Doc, cue: tuple[int, int], content: tuple[int, int]) -> bool:
    """Whether a content shorter than MIN_CONTENT_TOKENS is exactly an object of the cue (at least
    SHORT_OBJECT_MIN_TOKENS tokens): the subtree of a token of OBJECT_DEPS under a cue token, or
    under a preposition a cue token governs."""
    if not SHORT_OBJECT_MIN_TOKENS or content[1] - content[0] < SHORT_OBJECT_MIN_TOKENS:
        return False
    for i in range(*cue):
        for child in doc[i].children:
            heads = [child, *(c for c in child.children if c.dep_ == "pobj")] if child.dep_ == "prep" else [child]
            for obj in heads:
                if obj.dep_ in OBJECT_DEPS and (obj.left_edge.i, obj.right_edge.i + 1) == content:
                    return True
    return False


def learned_claims(doc: Doc, skip: list[CharSpan] | None = None, tags: DocTags | None = None) -> list[Claim]:
    """The claims decoded from the tagger's tags (none where the tagger did not run); `tags`: the
    doc's, where the caller has read them."""
    if not tagged(doc):
        return []
    tags = tags or DocTags.read(doc)
    text = doc_text(doc)
    quotes = quote_spans(text)
    spans = tags.spans()
    sents = list(doc.sents)
    starts = [s.start for s in sents]
    out = []
    for cue in spans["Q"]:
        prob = float(numpy.mean([tags.cue_probs[i] or 0.0 for i in range(*cue)]))
        if prob < MIN_CUE_PROB:
            continue
        si = bisect_right(starts, cue[0]) - 1
        sent = sents[si]
        if skip and any(s <= sent.start_char and sent.end_char <= e + 1 for s, e in skip):
            continue
        content = _content_after(doc, tags, cue, sent.end)
        if content is None:
            left = cue[0]
            before = [s for s in spans["S"] if s[1] <= cue[0] and cue[0] - s[1] <= 1]
            if before:
                left = before[-1][0]
            content = _content_before(doc, tags, left, sent.start)
        if content is None or (content[1] - content[0] < MIN_CONTENT_TOKENS and not _short_object(doc, cue, content)):
            continue
        source = _source_for(doc, cue, spans["S"], (sent.start, sent.end), content)
        cue_chars = _chars(doc, *cue)
        if any(ch in QUOTATION_MARKS for ch in text[cue_chars[0] : cue_chars[1]]):
            continue  # a reporting verb or phrase never holds a quotation mark: a quotation opens content
        content_chars = trim(text, _widen_to_quote(_chars(doc, *content), quotes))
        if content_chars is None or content_chars[0] <= cue_chars[0] < content_chars[1]:
            continue
        speaker = trim(text, _chars(doc, *source)) if source else None
        if speaker and speaker[0] < content_chars[1] and content_chars[0] < speaker[1]:
            speaker = source = None
        head = doc[source[0] : source[1]].root.i if source else None
        lemma = " ".join(doc[i].lemma_.lower() for i in range(*cue))
        root = doc[cue[0] : cue[1]].root
        negated = is_negated(root)
        stance = stance_of(root.lemma_.lower(), Construction.LEARNED, negated).value
        out.append(
            Claim(si, cue_chars, lemma, content_chars, speaker, CONSTRUCTION, head, stance, negated, round(prob, 4))
        )
    return out


def _overlap(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _char_f1(a: CharSpan, b: CharSpan) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return 2 * inter / ((a[1] - a[0]) + (b[1] - b[0])) if inter else 0.0


def fill_speakers(doc: Doc, rules: list[Claim], tags: DocTags | None = None) -> list[Claim]:
    """A rule claim without a speaker takes the tagger's source for its cue (as a learned claim's
    source is chosen), where there is one; "Name:" lines keep theirs."""
    if not FILL_SPEAKERS or not tagged(doc):
        return rules
    if all(c.speaker is not None or c.construction == "colon" for c in rules):
        return rules
    text = doc_text(doc)
    sources = (tags or DocTags.read(doc)).spans()["S"]
    out = []
    for c in rules:
        if c.speaker is None and c.construction != "colon":
            cue = doc.char_span(c.cue[0], c.cue[1], alignment_mode="expand")
            content = doc.char_span(c.content[0], c.content[1], alignment_mode="expand")
            if cue is not None and content is not None and len(cue) and len(content):
                sent = cue[0].sent
                src = _source_for(
                    doc, (cue.start, cue.end), sources, (sent.start, sent.end), (content.start, content.end)
                )
                if src is not None:
                    c = replace(c, speaker=trim(text, _chars(doc, *src)), speaker_token=doc[src[0] : src[1]].root.i)
        out.append(c)
    return out


def vet_rules(doc: Doc, rules: list[Claim], tags: DocTags | None = None) -> list[Claim]:
    """The rule claims whose cue the tagger backs: some token of the cue has a cue probability of
    at least RULE_MIN_CUE_PROB (every claim where the tagger did not run)."""
    if not RULE_MIN_CUE_PROB or not tagged(doc):
        return rules
    tags = tags or DocTags.read(doc)
    cue_probs, idx = tags.cue_probs, tags.idx
    text = doc_text(doc)
    out = []
    for c in rules:
        probs = cue_probs[bisect_left(idx, c.cue[0]) : bisect_left(idx, c.cue[1])]
        if not probs or max(p or 0.0 for p in probs) >= RULE_MIN_CUE_PROB or _nested(c, rules, text):
            out.append(c)
    return out


def _nested(claim: Claim, rules: list[Claim], text: str) -> bool:
    """Whether the claim's cue lies inside another rule claim's content, and either is a
    NESTED_CUES_KEPT cue or that claim's speaker is a news agency or outlet (NESTED_IN_NEWS_KEPT)."""
    outer = [r for r in rules if r is not claim and r.content[0] <= claim.cue[0] and claim.cue[1] <= r.content[1]]
    if not outer:
        return False
    return claim.cue_lemma in NESTED_CUES_KEPT or (NESTED_IN_NEWS_KEPT and any(_news(r, text) for r in outer))


def _news(claim: Claim, text: str) -> bool:
    """Whether the claim's speaker is a news agency or outlet (a known source, or named so)."""
    if claim.speaker is None:
        return False
    name = text[claim.speaker[0] : claim.speaker[1]]
    return known_sources.normalise(name)[2] in known_sources.NEWS_KINDS


def _learned_content(rule: Claim, learned: list[Claim]) -> Claim:
    """A rule claim of a PREFER_LEARNED construction with the content of the learned claim on its
    cue, where there is one (its cue, speaker and construction stay the rule's)."""
    if rule.construction.split("+")[0] not in PREFER_LEARNED:
        return rule
    other = next((c for c in learned if _overlap(c.cue, rule.cue)), None)
    if other is None or _char_f1(other.content, rule.content) >= PREFER_LEARNED_BELOW:
        return rule
    return replace(rule, content=other.content)


def combine(rules: list[Claim], learned: list[Claim]) -> list[Claim]:
    """The rules' claims (those of a PREFER_LEARNED construction with the learned content on their
    cue), plus each learned claim whose cue no rule claim uses and whose content no rule claim
    already has (character F1 >= 0.5)."""
    if PREFER_LEARNED:
        rules = [_learned_content(r, learned) for r in rules]
    out = list(rules)
    for c in learned:
        if any(_overlap(c.cue, r.cue) or _char_f1(c.content, r.content) >= 0.5 for r in rules):
            continue
        if (
            NOT_INSIDE_RULES
            and (c.probability or 0.0) < INSIDE_RULES_MIN_CUE_PROB
            and any(r.content[0] <= c.cue[0] < r.content[1] for r in rules)
        ):
            continue
        out.append(c)
    out.sort(key=lambda c: (c.cue[0], c.content[0]))
    return out


def with_learned(doc: Doc, rules: list[Claim], skip: list[CharSpan] | None = None) -> list[Claim]:
    """The merge point of rules and model: the rules' claims the tagger backs (their missing
    speakers filled in by the tagger) combined with the learned ones; the rules' alone where the
    tagger did not run."""
    tags = DocTags.read(doc) if tagged(doc) else None  # read once for the three steps
    return combine(fill_speakers(doc, vet_rules(doc, rules, tags), tags), learned_claims(doc, skip=skip, tags=tags))
