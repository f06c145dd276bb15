"""Stance and negation of a claim, one invented sentence per value, with the real spaCy model."""

from __future__ import annotations

import pytest

from pipeline.nlp.claims import extract_claims
from pipeline.nlp.claims.claim import Construction
from pipeline.nlp.claims.stance import Stance, stance_of


def stances(nlp, text):
    return [(c.text(text, "cue"), c.stance, c.is_negated, c.text(text, "content")) for c in extract_claims(nlp(text))]


@pytest.mark.parametrize(
    "text, cue, stance",
    [
        ("The mayor said that the bridge will open in May.", "said", "asserts"),
        ("The spokesman denied that the minister had resigned.", "denied", "denies"),
        ("Officials warned that the river could flood the town.", "warned", "warns"),
        ("The union demanded that the company raise wages.", "demanded", "demands"),
        ("The union called for a ban on night shifts.", "called for", "demands"),
        ("The governor promised to rebuild the school.", "promised", "promises"),
        ("The senator accused the company of hiding the losses.", "accused", "accuses"),
        ("Several experts questioned whether the dam was safe.", "questioned", "doubts"),
        ("Economists predicted that prices would fall next year.", "predicted", "predicts"),
        ("The coach believes that the team can win the cup.", "believes", "believes"),
    ],
)
def test_each_stance_on_a_sentence(nlp, text, cue, stance):
    [(got_cue, got_stance, negated, _)] = stances(nlp, text)
    assert (got_cue, got_stance, negated) == (cue, stance, False)


def test_did_not_say_denies_and_is_negated(nlp):
    text = "The minister did not say that the border would close."
    assert stances(nlp, text) == [("say", "denies", True, "that the border would close")]


def test_does_not_think_doubts(nlp):
    [(_, stance, negated, _)] = stances(nlp, "The coach does not think the team can win the cup.")
    assert (stance, negated) == ("doubts", True)


def test_rejected_claims_denies_the_proposition(nlp):
    text = (
        "Belarusian President Alexander Lukashenko rejected claims that Minsk promotes illegal migration "
        "into the European Union."
    )
    assert stances(nlp, text) == [
        ("rejected", "denies", False, "that Minsk promotes illegal migration into the European Union")
    ]


def test_call_asserts_unless_it_directs():
    assert stance_of("call", Construction.VERB_OBJECT, False) is Stance.ASSERTS  # called the plan a failure
    assert stance_of("call", Construction.VERB_DIRECTIVE, False) is Stance.DEMANDS  # called on X to act
    assert stance_of("warn", Construction.VERB_CLAUSE, True) is Stance.WARNS
    assert {s.value for s in Stance} == {
        "asserts",
        "denies",
        "warns",
        "demands",
        "promises",
        "accuses",
        "doubts",
        "predicts",
        "believes",
    }
