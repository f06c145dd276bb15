"""Cited sources: detection on single sentences and normalisation to one source."""

from __future__ import annotations

import pytest

from pipeline.nlp.sources import extract_citations, normalise
from pipeline.nlp.spans import navigation_spans, sentence_index_map


def cites(nlp, text):
    doc = nlp(text)
    return [
        (c.text, c.source_name, c.citation_kind)
        for c in extract_citations(doc, sentence_index_map(doc), navigation_spans(text))
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("BelTA later reported the remarks from the presidential venue.", ("BelTA", "BelTA", "reported")),
        (
            "According to Belarusian news outlet BELTA, some ministers have confirmed their participation.",
            ("BELTA", "BelTA", "according_to"),
        ),
        ("The remarks were attributed to BelTA.", ("BelTA", "BelTA", "attributed_to")),
        (
            "The claim was reported by BelTA, the Belarusian state news agency, during a session.",
            ("BelTA", "BelTA", "reported_by"),
        ),
        ("The talks will continue next week. [Citation: BelTA]", ("BelTA", "BelTA", "citation_tag")),
        ("MINSK (Reuters) - Belarus said on Monday it would hold talks.", ("Reuters", "Reuters", "dateline")),
    ],
)
def test_citation_constructions(nlp, text, expected):
    assert expected in cites(nlp, text)


def test_a_person_is_a_speaker_not_a_source(nlp):
    assert cites(nlp, "According to Foreign Minister Maksim Ryzhenkov, ministers will attend.") == []


def test_read_also_lists_are_not_citations(nlp):
    text = "Belarus hosts a conference.\nRead also:\n- Reuters reported that Kyiv demands a pullback\n"
    assert cites(nlp, text) == []


def test_spelling_variants_are_one_source():
    assert normalise("BELTA")[:2] == normalise("BelTA")[:2] == ("belta", "BelTA")
    assert normalise("Associated Press")[1] == "AP"
    key, name, kind = normalise("Kyiv Post", context="the newspaper Kyiv Post")
    assert (key, name, kind) == ("kyiv post", "Kyiv Post", "outlet")
