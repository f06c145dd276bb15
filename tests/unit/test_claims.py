"""Claim extraction on single sentences, with the real spaCy model."""

from __future__ import annotations

import pytest

from pipeline.nlp.claims import extract_claims


def claims_of(nlp, text):
    doc = nlp(text)
    return [(c.text(text, "speaker"), c.text(text, "cue"), c.text(text, "content")) for c in extract_claims(doc)]


def test_verb_with_object_clause(nlp):
    got = claims_of(
        nlp,
        "Belarusian President Alexander Lukashenko rejected claims that Minsk promotes "
        "illegal migration into the European Union.",
    )
    assert got == [
        (
            "Belarusian President Alexander Lukashenko",
            "rejected",
            "that Minsk promotes illegal migration into the European Union",
        )
    ]


def test_insisted_that(nlp):
    text = (
        "Addressing the gathering, Lukashenko insisted that the accusations about encouraging illegal "
        "immigration are not new."
    )
    assert claims_of(nlp, text) == [
        ("Lukashenko", "insisted", "that the accusations about encouraging illegal immigration are not new")
    ]


def test_pronoun_speaker_kept_as_written(nlp):
    text = "He said Belarus, despite facing sanctions, remains a place where humanitarian considerations guide official actions."
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert (speaker, cue) == ("He", "said")
    assert content.startswith("Belarus, despite facing sanctions, remains a place")
    assert content.endswith("guide official actions")


def test_according_to_at_start(nlp):
    text = (
        "According to Lukashenko, a number of Belarusians who had stayed in Ukraine during the conflict "
        "became detainees."
    )
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert (speaker, cue) == ("Lukashenko", "According to")
    assert content == "a number of Belarusians who had stayed in Ukraine during the conflict became detainees"


def test_according_to_at_end(nlp):
    text = (
        "Belarus plans to host an international conference in November 2024, according to Belarusian "
        "Foreign Minister Maksim Ryzhenkov."
    )
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert cue == "according to"
    assert speaker == "Belarusian Foreign Minister Maksim Ryzhenkov"
    assert content == "Belarus plans to host an international conference in November 2024"


def test_direct_quote_after_comma(nlp):
    text = (
        "The foreign minister also said, “We proceed from the fact that if today the great powers cannot "
        "agree, small states should not sit and wait patiently.”"
    )
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert (speaker, cue) == ("The foreign minister", "said")
    assert content.startswith("We proceed from the fact")
    assert content.endswith("wait patiently")


def test_subject_inherited_through_xcomp(nlp):
    text = "Lukashenko went on to say that the charges come from outside forces."
    assert claims_of(nlp, text) == [("Lukashenko", "say", "that the charges come from outside forces")]


def test_participle_inherits_subject(nlp):
    text = "He challenged the claim, stating that such a narrative lacks substance."
    got = claims_of(nlp, text)
    assert ("He", "stating", "that such a narrative lacks substance") in got


def test_nested_claims(nlp):
    text = "Lukashenko said that he had warned Ukraine that a rescue effort would be undertaken."
    got = claims_of(nlp, text)
    assert ("Lukashenko", "said", "that he had warned Ukraine that a rescue effort would be undertaken") in got
    assert ("he", "warned", "that a rescue effort would be undertaken") in got


@pytest.mark.parametrize(
    "text",
    [
        "The conference aims to address measures to combat illegal migration.",
        "Lukashenko responded to the accusations of a plot.",
        "The weather was cold in Minsk on Tuesday.",
    ],
)
def test_no_claim_without_reported_content(nlp, text):
    assert claims_of(nlp, text) == []


def test_offsets_index_the_text(nlp):
    text = "Ryzhenkov said that Belarus intends to invite “representatives of Belarus’ neighbors”."
    doc = nlp(text)
    [claim] = extract_claims(doc)
    for part in ("speaker", "cue", "content"):
        s, e = getattr(claim, part)
        assert text[s:e] == claim.text(text, part)
    assert claim.text(text, "content") == "that Belarus intends to invite “representatives of Belarus’ neighbors”"


def test_navigation_lines_are_skipped(nlp):
    from pipeline.nlp.spans import navigation_spans

    text = (
        "Ryzhenkov said that Belarus is ready.\nRead also:\n"
        "- Kyiv warns that Belarus will face retaliation\n- Latvia strengthens border control\n"
    )
    doc = nlp(text)
    got = [c.text(text, "cue") for c in extract_claims(doc, skip=navigation_spans(text))]
    assert got == ["said"]


def test_only_cue_candidates_are_visited_and_none_is_missed(nlp):
    # extract_claims and extract_citations visit only the tokens tokens_with_lemma picks: every token
    # the per-token tests they replace accept must be among them (an upper-case lemma, a fixed one)
    from pipeline.nlp.claims.extract import cue_candidates
    from pipeline.nlp.claims.parts import is_cue_verb
    from pipeline.nlp.sources import CITATION_LEMMAS, citation_candidates

    text = (
        "Hoping for a deal, the minister said on Monday that talks would go on. According to Reuters, "
        "officials hoped the ban was lifted. SAID the report: nothing. BelTA reported the remarks, "
        "which were attributed to TASS, and he told Reuters he called for calm."
    )
    doc = nlp(text)
    claims = cue_candidates(doc)
    assert [t.i for t in doc if t.lower_ == "according" or is_cue_verb(t)] == [
        i for i in claims if is_cue_verb(doc[i]) or doc[i].lower_ == "according"
    ]
    assert {doc[i].lower_ for i in claims} >= {"hoping", "said", "according", "hoped", "reported", "told", "called"}
    citations = citation_candidates(doc)
    assert citations == [
        t.i
        for t in doc
        if t.lower_ == "according" or (t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in CITATION_LEMMAS)
    ]
    assert cue_candidates(nlp.make_doc("")) == []
