"""A claim's evidence span (every sentence it touches) and its confidence (its rule's precision on
PolNeAR train, from the numbers-only data module)."""

from __future__ import annotations

import re

from pipeline.nlp.claims import Construction, extract_claims
from pipeline.nlp.claims.claim import Claim
from pipeline.nlp.claims.evidence import confidence, confidence_keys, evidence_span
from pipeline.nlp.claims.precision import DEFAULT_PRECISION, RULE_PRECISION


def test_evidence_covers_every_sentence_of_a_continued_quotation(nlp):
    text = (
        "The vote is on Friday. “The bridge will open in May,” the mayor said. “We are ahead of schedule.” Rain fell."
    )
    doc = nlp(text)
    [claim] = extract_claims(doc)
    s, e = evidence_span(claim, [(x.start_char, x.end_char) for x in doc.sents])
    assert text[s:e] == "“The bridge will open in May,” the mayor said. “We are ahead of schedule.”"


def test_evidence_of_a_one_sentence_claim_is_its_sentence(nlp):
    text = "Prices rose. The minister said that exports had grown. Rain fell."
    doc = nlp(text)
    [claim] = extract_claims(doc)
    s, e = evidence_span(claim, [(x.start_char, x.end_char) for x in doc.sents])
    assert text[s:e] == "The minister said that exports had grown."


def test_precision_module_holds_numbers_for_the_projects_own_rule_names():
    names = {c.value for c in Construction}
    assert 0 < DEFAULT_PRECISION < 1 and RULE_PRECISION
    for key, p in RULE_PRECISION.items():
        assert 0 <= p <= 1
        construction, _, rest = key.partition("|")
        assert construction.split("+")[0] in names
        assert re.fullmatch(r"[a-z :]*", rest), key  # a cue lemma (":" for colon) or "speaker" / "no speaker"


def test_confidence_takes_the_most_specific_rule_measured():
    said = Claim(0, (0, 4), "say", (5, 20), (0, 3), Construction.VERB_CLAUSE.value)
    assert confidence(said) == RULE_PRECISION["verb_clause|say"]
    unknown = Claim(0, (0, 4), "zzz", (5, 20), None, "verb_clause+continued")
    keys = confidence_keys("verb_clause+continued", "zzz", False)
    assert keys[-1] == "verb_clause" and confidence(unknown) == next(
        RULE_PRECISION[k] for k in keys if k in RULE_PRECISION
    )
    # a said-that clause is a surer rule than an "offered X" object
    assert RULE_PRECISION["verb_clause|say"] > 0.8 > RULE_PRECISION.get("verb_object|offer", 0)
