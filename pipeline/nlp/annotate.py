"""One Doc → the rows newsclaims stores: sentences, mentions, claims and source citations."""

from __future__ import annotations

import itertools
from collections import deque
from datetime import datetime, timezone
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.ids import stable_id
from pipeline import faults
from pipeline.nlp.claim_model import with_learned
from pipeline.nlp.claims import Claim, extract_claims
from pipeline.nlp.claims.evidence import confidence, evidence_span
from pipeline.nlp.known_sources import NEWS_KINDS
from pipeline.nlp.mentions import extract_mentions
from pipeline.nlp.model import installed_model_signature, model_signature
from pipeline.nlp.sources import Citation, extract_citations
from pipeline.nlp.spans import doc_text, in_spans, navigation_spans, overlaps, remember_text, sentence_index_map
from pipeline.nlp.speakers import MentionIndex, resolve_speaker
from pipeline.nlp.pool import WORKER_MODEL, annotate_in_workers
from pipeline.nlp.workers import IN_PROCESS, die_with_parent, loads_done
from pipeline.settings import Settings

#: Bump when an extractor's output changes: documents processed by an older version are redone.
EXTRACTOR_VERSION = "12"
#: Citation kinds that speak for the whole article whoever they name (a dateline, a closing credit).
CREDIT_KINDS = frozenset({"citation_tag", "dateline"})
#: Citation kinds that speak for the whole article when they name a news organisation.
REPORT_KINDS = frozenset({"reported", "reported_by", "attributed_to"})
#: Citation kinds where the source is the subject of its own report: a speaker, unless a news organisation.
SPEAKER_KINDS = frozenset({"reported", "speaker"})


def extractor_version(nlp: Language) -> str:
    return f"newsclaims-{EXTRACTOR_VERSION}+{model_signature(nlp)}"


def extractor_version_for(model_name: str) -> str:
    """extractor_version of the named, installed model, without loading it."""
    return f"newsclaims-{EXTRACTOR_VERSION}+{installed_model_signature(model_name)}"


def source_id(source_key: str) -> str:
    return stable_id("source", source_key)


def claim_id(document_id: str, claim: Claim) -> str:
    return stable_id("claim", document_id, *claim.cue, *claim.content)


def link_sources(claims: list[Claim], citations: list[Citation]) -> tuple[dict[int, Citation], dict[int, int]]:
    """(claim index → the citation that carries it, citation index → the claim it belongs to).

    A citation in a claim's own sentence carries it ("according to TASS, the ministry said ...",
    "..., an official told Reuters"); otherwise, when the article names exactly one news
    organisation for itself (a dateline "KYIV (Reuters) -", a credit "[Citation: BelTA]", "BelTA
    later reported the remarks"), that source carries every claim of the article. An organisation
    that is not a news organisation and itself reports something ("the Labor Department reported
    ...") is the speaker of that claim (see speaker_sources), never a carrier.
    """
    carried: dict[int, Citation] = {}
    owner: dict[int, int] = {}
    for ci, cit in enumerate(citations):
        same = [k for k, c in enumerate(claims) if c.sentence_index == cit.sentence_index]
        direct = [k for k in same if overlaps(claims[k].speaker, cit.span) or overlaps(claims[k].cue, cit.span)]
        pick = direct or (same if len(same) == 1 else [])
        if pick:
            owner[ci] = pick[0]
        if not is_carrier(cit):
            continue
        for k in same:
            if cit.source_kind in NEWS_KINDS or not overlaps(claims[k].speaker, cit.span):
                carried.setdefault(k, cit)  # a body that is the claim's own speaker does not carry it
    article = {c.source_key for c in citations if carries_article(c)}
    if len(article) == 1:
        (key,) = article
        cit = next(c for c in citations if c.source_key == key and carries_article(c))
        for k in range(len(claims)):
            carried.setdefault(k, cit)
    return carried, owner


def is_carrier(cit: Citation) -> bool:
    """A citation that can carry a claim: a news organisation, or any source cited as one
    ("according to X", "reported by X", a credit); not a body that is itself a speaker."""
    return cit.source_kind in NEWS_KINDS or cit.citation_kind not in SPEAKER_KINDS


def carries_article(cit: Citation) -> bool:
    """A citation that speaks for the whole article: a dateline or credit, or a news organisation
    reporting ("BelTA later reported the remarks", "reported by Reuters")."""
    return cit.citation_kind in CREDIT_KINDS or (cit.citation_kind in REPORT_KINDS and cit.source_kind in NEWS_KINDS)


def speaker_sources(claims: list[Claim], citations: list[Citation]) -> dict[int, Citation]:
    """claim index → the citation that is its speaker ("BelTA reported", "according to the ministry")."""
    out: dict[int, Citation] = {}
    for cit in citations:
        for k, c in enumerate(claims):
            if c.sentence_index == cit.sentence_index and overlaps(c.speaker, cit.span):
                out.setdefault(k, cit)
    return out


def annotate_doc(doc: Doc, document_id: str, version: str, processed_at: datetime) -> dict[str, list[dict]]:
    text = doc_text(doc)
    sentence_of = sentence_index_map(doc)
    nav = navigation_spans(text)
    sentences = []
    for si, sent in enumerate(doc.sents):
        span = (sent.start_char, sent.end_char)
        sentences.append(
            dict(
                document_id=document_id,
                sentence_index=si,
                start_char=sent.start_char,
                end_char=sent.end_char,
                is_navigation=in_spans(span, nav) or any(s <= span[0] < e for s, e in nav),
                extractor_version=version,
            )
        )
    mentions = extract_mentions(doc, document_id, sentence_of)
    claims = with_learned(doc, extract_claims(doc, skip=nav), skip=nav)
    citations = extract_citations(doc, sentence_of, skip=nav)
    carried, owner = link_sources(claims, citations)
    spoken_by = speaker_sources(claims, citations)
    claim_rows = []
    sentence_bounds = [(r["start_char"], r["end_char"]) for r in sentences]
    index = MentionIndex(mentions, text)
    for k, c in enumerate(claims):
        speaker_text = c.text(text, "speaker")
        head = doc[c.speaker_token] if c.speaker_token is not None else None
        kind, resolved = resolve_speaker(
            c.speaker, speaker_text, index, (head.idx, head.idx + len(head.text)) if head is not None else None
        )
        cit, spk = carried.get(k), spoken_by.get(k)
        evidence = evidence_span(c, sentence_bounds)
        claim_rows.append(
            dict(
                claim_id=claim_id(document_id, c),
                document_id=document_id,
                sentence_index=c.sentence_index,
                speaker_text=speaker_text,
                speaker_start_char=c.speaker[0] if c.speaker else None,
                speaker_end_char=c.speaker[1] if c.speaker else None,
                speaker_kind=kind,
                speaker_mention_id=resolved.mention_id if resolved else None,
                speaker_resolved_text=resolved.text if resolved else None,
                cue_text=text[c.cue[0] : c.cue[1]],
                cue_lemma=c.cue_lemma,
                cue_start_char=c.cue[0],
                cue_end_char=c.cue[1],
                content_text=text[c.content[0] : c.content[1]],
                content_start_char=c.content[0],
                content_end_char=c.content[1],
                construction=c.construction,
                claim_stance=c.stance,
                is_negated=c.is_negated,
                evidence_start_char=evidence[0],
                evidence_end_char=evidence[1],
                confidence=confidence(c),
                source_key=cit.source_key if cit else None,
                source_id=source_id(cit.source_key) if cit else None,
                speaker_source_id=source_id(spk.source_key) if spk else None,
                extractor_version=version,
            )
        )
    citation_rows = []
    for ci, cit in enumerate(citations):
        citation_rows.append(
            dict(
                source_citation_id=stable_id("citation", document_id, cit.start_char, cit.end_char),
                document_id=document_id,
                sentence_index=cit.sentence_index,
                start_char=cit.start_char,
                end_char=cit.end_char,
                text=cit.text,
                source_key=cit.source_key,
                source_id=source_id(cit.source_key),
                source_name=cit.source_name,
                source_kind=cit.source_kind,
                citation_kind=cit.citation_kind,
                claim_id=claim_rows[owner[ci]]["claim_id"] if ci in owner else None,
                extractor_version=version,
            )
        )
    mention_rows = [
        dict(
            mention_id=m.mention_id,
            document_id=document_id,
            sentence_index=m.sentence_index,
            start_char=m.start_char,
            end_char=m.end_char,
            text=m.text,
            label=m.label,
            extractor_version=version,
        )
        for m in mentions
    ]
    status = [
        dict(
            document_id=document_id,
            extractor_version=version,
            processed_at=processed_at,
            sentence_count=len(sentences),
            mention_count=len(mention_rows),
            claim_count=len(claim_rows),
            citation_count=len(citation_rows),
            status="processed",
        )
    ]
    return dict(
        document_annotations=status,
        sentences=sentences,
        mentions=mention_rows,
        claims=claim_rows,
        source_citations=citation_rows,
        document_errors=[],
    )


#: Texts longer than this are parsed in pieces cut at paragraph (else line, sentence or word)
#: boundaries and joined back into one Doc with every offset kept: spaCy refuses a text over
#: nlp.max_length (1,000,000 characters), and the parser's memory grows with the text.
CHUNK_CHARS = 100_000
#: Longest exception message stored in raw.document_errors.
MAX_ERROR_CHARS = 2000


def split_long_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Consecutive pieces of text, each at most limit characters, that join back to text."""
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = start + limit
        for sep in ("\n\n", "\n", ". ", " "):
            i = window.rfind(sep, limit // 2)
            if i != -1:
                cut = start + i + len(sep)
                break
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def failed_rows(document_id: str, version: str, stage: str, exc: BaseException) -> dict[str, list[dict]]:
    """The rows of a document the extractor or spaCy raised on: an annotation marked failed (so it
    is not retried until the extractor version changes) and one error row; nothing else."""
    now = _now()
    rows: dict[str, list[dict]] = {t: [] for t in ("sentences", "mentions", "claims", "source_citations")}
    rows["document_annotations"] = [
        dict(
            document_id=document_id,
            extractor_version=version,
            processed_at=now,
            sentence_count=0,
            mention_count=0,
            claim_count=0,
            citation_count=0,
            status="failed",
        )
    ]
    rows["document_errors"] = [
        dict(
            document_id=document_id,
            extractor_version=version,
            stage=stage,
            error_type=type(exc).__name__,
            message=str(exc)[:MAX_ERROR_CHARS],
            occurred_at=now,
        )
    ]
    return rows


def _resilient_pipe(
    nlp: Language, source: Iterator[tuple[str, tuple]], batch_size: int, n_process: int
) -> Iterator[tuple[Doc | None, tuple, BaseException | None]]:
    """nlp.pipe over (text, context) pairs, yielding (doc, context, None) in order, or
    (None, context, exception) for a text spaCy raised on. When a batch fails, the texts spaCy had
    taken but not returned are redone one at a time (the one that raises is the culprit) and the
    pipe resumes with the rest."""
    fed: deque[tuple[str, tuple]] = deque()

    def feeding() -> Iterator[tuple[str, tuple]]:
        for item in source:
            fed.append(item)
            yield item

    stream = feeding()
    while True:
        try:
            for doc, ctx in nlp.pipe(stream, as_tuples=True, batch_size=batch_size, n_process=n_process):
                while fed and fed[0][1] != ctx:  # cannot happen with spaCy's ordered pipe; kept safe
                    text, lost = fed.popleft()
                    yield _one(nlp, text, lost)
                if fed:
                    fed.popleft()
                yield doc, ctx, None
            return
        except Exception:  # noqa: BLE001 - find the text that raised, keep the rest
            while fed:
                text, ctx = fed.popleft()
                yield _one(nlp, text, ctx)
            stream = feeding()


def _one(nlp: Language, text: str, ctx: tuple) -> tuple[Doc | None, tuple, BaseException | None]:
    try:
        return nlp(text), ctx, None
    except Exception as exc:  # noqa: BLE001 - recorded as this document's error
        return None, ctx, exc


def annotate_texts(
    nlp: Language, items: Iterable[tuple[str, str]], batch_size: int = Settings.batch_size, n_process: int = IN_PROCESS
) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """(text, document_id) pairs → (document_id, rows), through nlp.pipe in batches, in order.

    Whatever goes wrong for one document stays with it: a text over CHUNK_CHARS is parsed in
    pieces joined back into one Doc; a text spaCy raises on, or one an extractor raises on, gives
    `failed_rows` and the others go on.

    With n_process > 1 the whole per-document work (spaCy *and* the extractors) runs in that many
    worker processes forked from this one (they share the loaded model copy-on-write), each taking
    a batch of batch_size texts and returning plain rows: the extraction uses every core instead of
    waiting in this process on spaCy's workers, no Doc is serialised back, and this process is free
    to write the rows while the workers go on. Items are read lazily, a few batches ahead.
    """
    if n_process > 1:
        return _annotate_in_workers(nlp, items, batch_size, n_process)
    return _annotate_here(nlp, items, batch_size)


#: Documents spaCy takes through each component at once (a batch of `batch_size` documents goes
#: through in slices of this many). Each component's working memory grows with the tokens at hand:
#: en_core_web_sm's tok2vec peaks at about 15 kB a token, 209 MB for 32 BBC articles. Slices of 16
#: cut every worker's peak by about 100 MB (maximum RSS over 300 articles: 801 MB at 32, 709 MB at
#: 16, 675 MB at 8) at the same speed (CPU seconds for 128 articles, three rounds each: 32 → 20.2,
#: 17.7, 16.6; 16 → 17.8, 17.6, 17.7).
SPACY_BATCH_DOCS = 16
#: ... and at most this many characters (a slice closes before the document that would pass it; a
#: longer document goes alone). A slice's working memory follows its tokens, not its documents: 16
#: long articles hold several times the tokens of 16 short ones, and a run's peak is the moment both
#: workers hold such a slice at once, which a longer corpus meets more often. Bounded by characters,
#: every slice's memory is about the same whatever the corpus (about 3,500 words of text). 20,000
#: rather than 40,000 (session 21, BBC 1x, per-process PSS every 0.1 s): the NLP step's peak 1,717 ->
#: 1,643 MB, its mean 1,485 -> 1,440 MB, the run no slower (222 -> 211 s).
SPACY_BATCH_CHARS = 20_000


def spacy_slices(
    items: Iterable[tuple[str, tuple]], max_docs: int, max_chars: int
) -> Iterator[list[tuple[str, tuple]]]:
    """Consecutive slices of (text, context) items, in order, each of at most max_docs items and
    max_chars characters (an item longer than max_chars alone)."""
    group: list[tuple[str, tuple]] = []
    chars = 0
    for item in items:
        if group and (len(group) >= max_docs or chars + len(item[0]) > max_chars):
            yield group
            group, chars = [], 0
        group.append(item)
        chars += len(item[0])
    if group:
        yield group


def _annotate_here(
    nlp: Language, items: Iterable[tuple[str, str]], batch_size: int
) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """annotate_texts in this process (spaCy and the extractors, one document after another)."""
    version = extractor_version(nlp)
    limit = max(1000, min(CHUNK_CHARS, nlp.max_length - 1))

    def pieces() -> Iterator[tuple[str, tuple]]:
        for text, document_id in items:
            parts = split_long_text(text, limit)
            for k, part in enumerate(parts):
                yield part, (document_id, k, len(parts), text)

    parts: list[Doc] = []
    failure: BaseException | None = None
    slices = spacy_slices(pieces(), min(batch_size, SPACY_BATCH_DOCS), SPACY_BATCH_CHARS)
    annotated = itertools.chain.from_iterable(_resilient_pipe(nlp, iter(s), len(s), IN_PROCESS) for s in slices)
    for doc, (document_id, k, n, text), exc in annotated:
        if k == 0:
            parts, failure = [], None
        if exc is not None:
            failure = failure or exc
        else:
            parts.append(doc)
        if k < n - 1:
            continue
        if failure is not None:
            yield document_id, failed_rows(document_id, version, "spacy", failure)
            continue
        try:
            whole = parts[0] if n == 1 else Doc.from_docs(parts, ensure_whitespace=False)
            remember_text(whole, text)
            faults.fail_if_marked(doc_text(whole), "extract")
            yield document_id, annotate_doc(whole, document_id, version, _now())
        except Exception as exc:  # noqa: BLE001 - one document's extractor error stays with it
            yield document_id, failed_rows(document_id, version, "extract", exc)


def _annotate_in_workers(
    nlp: Language, items: Iterable[tuple[str, str]], batch_size: int, n_process: int
) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """annotate_in_workers with workers forked from this process, sharing its loaded nlp."""
    import multiprocessing

    loads_done()  # a fork copies the locks a loading thread holds
    die_with_parent()  # a killed run leaves no worker behind; workers end quietly
    WORKER_MODEL["nlp"] = nlp
    try:
        yield from annotate_in_workers(items, batch_size, n_process, multiprocessing.get_context("fork"))
    finally:
        WORKER_MODEL.clear()
