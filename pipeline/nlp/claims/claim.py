"""The Claim record and the names of the constructions that find one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipeline.nlp.spans import CharSpan


class Construction(StrEnum):
    """Which rule found a claim; `fct_claims.construction` holds the value, with "+continued" when a
    quotation after the cue's sentence was added to the content (dbt's accepted_values lists both)."""

    VERB_CLAUSE = "verb_clause"  # "Lukashenko insisted that the accusations ..."
    VERB_CLAUSE_SPLIT = "verb_clause_split"  # "It is no surprise, Mr. Garin said, that ..."
    VERB_QUOTE = "verb_quote"  # "The minister also said, “We proceed ...”"
    VERB_INTENTION = "verb_intention"  # "vowed to respond", "urged the judge to rule"
    VERB_OBJECT = "verb_object"  # "rejected claims that ...", "called the plan a failure"
    VERB_DIRECTIVE = "verb_directive"  # "called on X to present tough conditions"
    VERB_PREP = "verb_prep"  # "referring to the plan", "called for a ban"
    QUOTE_BEFORE = "quote_before"  # "“We proceed ...,” the minister said."
    PARENTHETICAL = "parenthetical"  # "The talks, officials said, will resume."  "As he said, ..."
    ACCORDING_TO = "according_to"  # "According to Lukashenko, a number of ..."
    COLON = "colon"  # "Senator Smith: The bill is dead"
    LEARNED = "learned"  # found by the trained claim tagger, missed by the rules (claim_model.py)


CONTINUED = "+continued"


def base_construction(construction: str) -> Construction:
    """The construction without the "+continued" mark."""
    return Construction(construction.split("+")[0])


@dataclass(frozen=True)
class Claim:
    sentence_index: int
    cue: CharSpan
    cue_lemma: str
    content: CharSpan
    speaker: CharSpan | None
    construction: str
    speaker_token: int | None = None  # index of the speaker's head token
    stance: str = "asserts"  # a value of stance.Stance
    is_negated: bool = False  # the cue is negated ("did not say")
    probability: float | None = None  # a learned claim's cue probability (its confidence); None for a rule

    def text(self, source: str, which: str) -> str | None:
        span = getattr(self, which)
        return None if span is None else source[span[0] : span[1]]
