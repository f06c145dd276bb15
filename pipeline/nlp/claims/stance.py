"""Stance: what the speaker does with the content (asserts, denies, warns, demands, promises,
accuses, doubts, predicts, believes), from the cue, its negation and the construction.

"rejected claims that X" denies; "did not say X" denies (a negated assertion); "does not
believe X" doubts; any other negated cue keeps its stance, with is_negated set.
"""

from __future__ import annotations

from enum import StrEnum

from spacy.tokens import Token

from pipeline.nlp.claims.claim import Construction
from pipeline.nlp.claims.cues import DEMAND_WHEN_DIRECTED, STANCE_CUES

#: Dependency labels of negation ("not", "n't", "never").
NEG_DEPS = frozenset({"neg"})
#: Words that negate a cue when the parser leaves them as adverbs.
NEG_WORDS = frozenset({"not", "n't", "never", "no"})
#: Constructions that direct someone to do something: a DEMAND_WHEN_DIRECTED cue demands in them.
DIRECTED = frozenset({Construction.VERB_INTENTION, Construction.VERB_DIRECTIVE, Construction.VERB_PREP})


class Stance(StrEnum):
    ASSERTS = "asserts"
    DENIES = "denies"
    WARNS = "warns"
    DEMANDS = "demands"
    PROMISES = "promises"
    ACCUSES = "accuses"
    DOUBTS = "doubts"
    PREDICTS = "predicts"
    BELIEVES = "believes"


#: What a negated cue's stance becomes ("did not say" denies, "does not think" doubts).
NEGATED = {Stance.ASSERTS: Stance.DENIES, Stance.BELIEVES: Stance.DOUBTS}


def is_negated(verb: Token) -> bool:
    """The cue verb (or its auxiliary chain) carries a negation."""
    return any(c.dep_ in NEG_DEPS or c.dep_ == "advmod" and c.lower_ in NEG_WORDS for c in verb.children)


def stance_of(lemma: str, construction: Construction, negated: bool) -> Stance:
    stance = Stance(STANCE_CUES.get(lemma, Stance.ASSERTS))
    if lemma in DEMAND_WHEN_DIRECTED:
        stance = Stance.DEMANDS if construction in DIRECTED else Stance.ASSERTS
    return NEGATED.get(stance, stance) if negated else stance
