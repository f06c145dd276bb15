"""A claim's evidence (the sentences it spans) and its confidence (its rule's measured precision)."""

from __future__ import annotations

from bisect import bisect_right

from pipeline.nlp.claims.claim import Claim, base_construction
from pipeline.nlp.claims.precision import DEFAULT_PRECISION, RULE_PRECISION
from pipeline.nlp.spans import CharSpan


def evidence_span(claim: Claim, sentence_bounds: list[CharSpan]) -> CharSpan:
    """From the start of the first sentence the claim touches (speaker, cue or content) to the end
    of the last; sentence_bounds are (start_char, end_char) in text order."""
    parts = [p for p in (claim.speaker, claim.cue, claim.content) if p is not None]
    lo, hi = min(s for s, _ in parts), max(e for _, e in parts)
    starts = [s for s, _ in sentence_bounds]
    first = max(bisect_right(starts, lo) - 1, 0)
    last = max(bisect_right(starts, max(hi - 1, lo)) - 1, first)
    if not sentence_bounds:
        return lo, hi
    return min(sentence_bounds[first][0], lo), max(sentence_bounds[last][1], hi)


def confidence_keys(construction: str, cue_lemma: str, has_speaker: bool) -> list[str]:
    """The rules a claim belongs to, most specific first: its construction with its cue, then
    with whether it names a speaker, then the construction alone (each also without "+continued")."""
    base = base_construction(construction).value
    speaker = "speaker" if has_speaker else "no speaker"
    return [
        f"{construction}|{cue_lemma}",
        f"{base}|{cue_lemma}",
        f"{construction}|{speaker}",
        f"{base}|{speaker}",
        construction,
        base,
    ]


def confidence(claim: Claim) -> float:
    """The precision its most specific rule reached on PolNeAR train (benchmarks/claim_precision.py
    measures a rule only where it found enough claims), else the rules' overall precision; for a
    learned claim, the tagger's probability for its cue."""
    if claim.probability is not None:
        return claim.probability
    for key in confidence_keys(claim.construction, claim.cue_lemma, claim.speaker is not None):
        if key in RULE_PRECISION:
            return RULE_PRECISION[key]
    return DEFAULT_PRECISION
