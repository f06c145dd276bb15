"""One Doc → the rows newsclaims stores: sentences, mentions, claims and source citations."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.ids import stable_id
from pipeline.nlp.claims import Claim, extract_claims
from pipeline.nlp.mentions import Mention, extract_mentions
from pipeline.nlp.model import installed_model_signature, model_signature
from pipeline.nlp.sources import Citation, extract_citations
from pipeline.nlp.spans import CharSpan, doc_text, in_spans, navigation_spans, overlaps, sentence_index_map
from pipeline.nlp.speakers import resolve_speaker

#: Bump when an extractor's output changes: documents processed by an older version are redone.
EXTRACTOR_VERSION = "5"
#: Citation kinds that speak for the whole article, not one sentence.
ARTICLE_LEVEL_KINDS = frozenset({"reported", "reported_by", "attributed_to", "citation_tag", "dateline"})


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

    A citation in a claim's own sentence carries it ("according to BELTA, ..."); otherwise, when
    the article names exactly one source for itself ("BelTA reported the remarks", "[Citation:
    BelTA]"), that source carries every claim of the article.
    """
    carried: dict[int, Citation] = {}
    owner: dict[int, int] = {}
    for ci, cit in enumerate(citations):
        same = [k for k, c in enumerate(claims) if c.sentence_index == cit.sentence_index]
        direct = [k for k in same if overlaps(claims[k].speaker, cit.span) or overlaps(claims[k].cue, cit.span)]
        pick = direct or (same if len(same) == 1 else [])
        if pick:
            owner[ci] = pick[0]
        for k in same:
            carried.setdefault(k, cit)
    article = {c.source_key for c in citations if c.citation_kind in ARTICLE_LEVEL_KINDS}
    if len(article) == 1:
        (key,) = article
        cit = next(c for c in citations if c.source_key == key)
        for k in range(len(claims)):
            carried.setdefault(k, cit)
    return carried, owner


def annotate_doc(doc: Doc, document_id: str, version: str, processed_at: datetime) -> dict[str, list[dict]]:
    text = doc_text(doc)
    sentence_of = sentence_index_map(doc)
    nav = navigation_spans(text)
    sentences = []
    for si, sent in enumerate(doc.sents):
        span = (sent.start_char, sent.end_char)
        sentences.append(dict(document_id=document_id, sentence_index=si, start_char=sent.start_char,
                              end_char=sent.end_char, is_navigation=in_spans(span, nav) or any(
                                  s <= span[0] < e for s, e in nav), extractor_version=version))
    mentions = extract_mentions(doc, document_id, sentence_of)
    claims = extract_claims(doc, skip=nav)
    citations = extract_citations(doc, sentence_of, skip=nav)
    carried, owner = link_sources(claims, citations)
    claim_rows = []
    for k, c in enumerate(claims):
        speaker_text = c.text(text, "speaker")
        head = doc[c.speaker_token] if c.speaker_token is not None else None
        kind, resolved = resolve_speaker(c.speaker, speaker_text, mentions,
                                         (head.idx, head.idx + len(head.text)) if head is not None else None)
        cit = carried.get(k)
        claim_rows.append(dict(
            claim_id=claim_id(document_id, c), document_id=document_id, sentence_index=c.sentence_index,
            speaker_text=speaker_text,
            speaker_start_char=c.speaker[0] if c.speaker else None,
            speaker_end_char=c.speaker[1] if c.speaker else None,
            speaker_kind=kind,
            speaker_mention_id=resolved.mention_id if resolved else None,
            speaker_resolved_text=resolved.text if resolved else None,
            cue_text=text[c.cue[0]:c.cue[1]], cue_lemma=c.cue_lemma,
            cue_start_char=c.cue[0], cue_end_char=c.cue[1],
            content_text=text[c.content[0]:c.content[1]],
            content_start_char=c.content[0], content_end_char=c.content[1],
            construction=c.construction,
            source_key=cit.source_key if cit else None,
            source_id=source_id(cit.source_key) if cit else None,
            extractor_version=version))
    citation_rows = []
    for ci, cit in enumerate(citations):
        citation_rows.append(dict(
            source_citation_id=stable_id("citation", document_id, cit.start_char, cit.end_char),
            document_id=document_id, sentence_index=cit.sentence_index,
            start_char=cit.start_char, end_char=cit.end_char, text=cit.text,
            source_key=cit.source_key, source_id=source_id(cit.source_key), source_name=cit.source_name, source_kind=cit.source_kind,
            citation_kind=cit.citation_kind,
            claim_id=claim_rows[owner[ci]]["claim_id"] if ci in owner else None,
            extractor_version=version))
    mention_rows = [dict(mention_id=m.mention_id, document_id=document_id, sentence_index=m.sentence_index,
                         start_char=m.start_char, end_char=m.end_char, text=m.text, label=m.label,
                         extractor_version=version) for m in mentions]
    status = [dict(document_id=document_id, extractor_version=version, processed_at=processed_at,
                   sentence_count=len(sentences), mention_count=len(mention_rows),
                   claim_count=len(claim_rows), citation_count=len(citation_rows))]
    return dict(document_annotations=status, sentences=sentences, mentions=mention_rows,
                claims=claim_rows, source_citations=citation_rows)


def annotate_texts(nlp: Language, items: Iterable[tuple[str, str]], batch_size: int = 32,
                   n_process: int = 1) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """(text, document_id) pairs → (document_id, rows), through nlp.pipe in batches."""
    version = extractor_version(nlp)
    for doc, document_id in nlp.pipe(items, as_tuples=True, batch_size=batch_size, n_process=n_process):
        yield document_id, annotate_doc(doc, document_id, version, datetime.now(timezone.utc).replace(tzinfo=None))
