"""One invented sentence per claim construction, with the real spaCy model: exact speaker, cue, content.

The spans follow the PolNeAR guidelines where they apply: the content keeps "that" and "to", leaves
out the recipient ("told reporters"), and a quotation interrupted by its cue is one content, stored
as the single span from its first to its last word (the warehouse keeps one span per part).
"""

from __future__ import annotations

import pytest

from pipeline.nlp.claims import extract_claims, quote_spans


def claims_of(nlp, text):
    doc = nlp(text)
    return [(c.text(text, "speaker"), c.text(text, "cue"), c.text(text, "content")) for c in extract_claims(doc)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # a quotation before its cue
        ("“Taxes will not rise,” Governor Ellen Park said.", ("Governor Ellen Park", "said", "Taxes will not rise")),
        (
            '"We will keep fighting for the farmers," he wrote.',
            ("he", "wrote", "We will keep fighting for the farmers"),
        ),
        # a quotation after "said:" running over two sentences
        (
            "Ms. Ortiz said: “The river is clean again. Fish are back.”",
            ("Ms. Ortiz", "said", "The river is clean again. Fish are back"),
        ),
        # the clause goes on after a "because" the parser hung on the cue
        (
            "The minister said the talks failed because neither side would move.",
            ("The minister", "said", "the talks failed because neither side would move"),
        ),
        # the recipient is not part of the content
        (
            "The minister told reporters that the talks had failed.",
            ("The minister", "told", "that the talks had failed"),
        ),
    ],
)
def test_quotations_and_clauses(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


def test_quotation_continued_after_its_cue_is_one_content(nlp):
    text = "“The bridge will open in May,” the mayor said. “We are ahead of schedule.”"
    assert claims_of(nlp, text) == [
        ("the mayor", "said", "The bridge will open in May,” the mayor said. “We are ahead of schedule")
    ]


def test_quotation_in_double_apostrophes_continued(nlp):
    text = "''We will keep fighting for the farmers,'' he wrote. ''Nobody else will.''"
    assert claims_of(nlp, text) == [
        ("he", "wrote", "We will keep fighting for the farmers,'' he wrote. ''Nobody else will")
    ]


def test_quotation_continued_after_the_speakers_apposition(nlp):
    text = (
        "''Some courses are adapting,'' said Paul Chipok, a lawyer in Orlando who specializes in land use. "
        "''It costs a lot to run a golf course.''"
    )
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert (speaker, cue) == ("Paul Chipok", "said")
    assert content.startswith("Some courses are adapting") and content.endswith("to run a golf course")


def test_quotation_continued_whatever_the_parsers_sentences(nlp, monkeypatch):
    # the apposition holds a title in quotation marks and an object cue ("criticizing"), and the
    # parser may end its sentence anywhere in it: the next quotation still continues the claim
    from pipeline.nlp.claims import widening

    monkeypatch.setattr(widening, "REST_TO_NEXT_QUOTE", True)
    monkeypatch.setattr(widening, "REST_IGNORES_TOP_LEVEL_ONLY", True)
    text = (
        "''He deserved it,'' the man, John Smith, told the program ''Inside Edition'' after the fight, "
        "which was filmed from several angles. ''Next time, we might have to hit him.''"
    )
    [(speaker, cue, content)] = claims_of(nlp, text)
    assert cue == "told" and content.startswith("He deserved it") and content.endswith("we might have to hit him")
    text = (
        "''There is a greater goal here,'' said Ann Grey of Arizona, who sent a letter criticizing the sales. "
        "''The agenda will be lasting.''"
    )
    said = [c for c in claims_of(nlp, text) if c[1] == "said"]
    assert len(said) == 1 and said[0][2].endswith("The agenda will be lasting")


def test_cue_inside_a_quotation_is_not_a_claim_of_its_own(nlp):
    # "think" is part of her words
    assert claims_of(nlp, "“I think the plan works,” she said.") == [("she", "said", "I think the plan works")]


def test_parenthetical_cue_takes_the_clause_around_it(nlp):
    text = "The harbour, officials said, will reopen next week."
    assert claims_of(nlp, text) == [("officials", "said", "The harbour, officials said, will reopen next week")]


def test_as_x_said(nlp):
    assert claims_of(nlp, "As the minister said, the budget is balanced.") == [
        ("the minister", "said", "the budget is balanced")
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "The senator called the proposal a reckless gamble.",
            ("The senator", "called", "the proposal a reckless gamble"),
        ),
        (
            "The council accused the developer of ignoring the rules.",
            ("The council", "accused", "the developer of ignoring the rules"),
        ),
        # denial of something named only by a pronoun still counts
        ("The mayor denied it.", ("The mayor", "denied", "it")),
    ],
)
def test_object_is_the_content(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mayor Diaz vowed to rebuild the library.", ("Mayor Diaz", "vowed", "to rebuild the library")),
        ("The coach refused to comment on the trade.", ("The coach", "refused", "to comment on the trade")),
        # the one urged is the recipient, not part of the content
        ("The union urged the company to raise wages.", ("The union", "urged", "to raise wages")),
    ],
)
def test_intention_or_request_with_to(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Activists called for a ban on plastic bags.", ("Activists", "called for", "a ban on plastic bags")),
        (
            "The mayor referred to the plan as a blueprint for growth.",
            ("The mayor", "referred to", "the plan as a blueprint for growth"),
        ),
    ],
)
def test_verb_with_preposition(nlp, text, expected):
    assert claims_of(nlp, text) == [expected]


def test_according_to_in_the_middle_keeps_subject_and_verb(nlp):
    text = "The report, according to the agency, covers three years."
    assert claims_of(nlp, text) == [
        ("the agency", "according to", "The report, according to the agency, covers three years")
    ]


def test_name_colon_headline(nlp):
    assert claims_of(nlp, "Senator Grey: The bill is dead") == [("Senator Grey", ":", "The bill is dead")]


@pytest.mark.parametrize(
    "text",
    [
        "Read also: The bill is dead",
        "The plan has three parts: roads, schools and parks.",
        "The council approved the budget on Monday.",
    ],
)
def test_no_claim(nlp, text):
    assert claims_of(nlp, text) == []


def test_quote_spans_pair_curly_straight_and_double_apostrophe_marks():
    text = "“One,” he said. \"Two\" and ''three'' and “four\nfive"
    assert [text[s:e] for s, e in quote_spans(text)] == ["“One,”", '"Two"', "''three''", "“four"]
