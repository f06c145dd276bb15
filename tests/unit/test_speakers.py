"""Pronoun and description speakers resolve to the nearest preceding person that agrees (gender, title)."""

from __future__ import annotations

from pipeline.nlp.annotate import annotate_doc


def claims(nlp, text):
    from datetime import datetime

    rows = annotate_doc(nlp(text), "doc", "test", datetime(2026, 1, 1))
    return rows["claims"], {m["mention_id"]: m["text"] for m in rows["mentions"]}


def test_he_resolves_to_the_person_before(nlp):
    text = (
        "Belarusian President Alexander Lukashenko spoke in Minsk on Monday. "
        "He said Belarus remains a place where humanitarian considerations guide official actions."
    )
    rows, mentions = claims(nlp, text)
    [claim] = rows
    assert claim["speaker_text"] == "He" and claim["speaker_kind"] == "pronoun"
    assert mentions[claim["speaker_mention_id"]] == "Alexander Lukashenko"


def test_description_resolves_to_the_person_before(nlp):
    text = (
        "Lukashenko met the ambassadors in Minsk. The president stressed that Minsk would not bow "
        "to mischaracterizations."
    )
    [claim], mentions = claims(nlp, text)
    assert claim["speaker_text"] == "The president" and claim["speaker_kind"] == "description"
    assert mentions[claim["speaker_mention_id"]] == "Lukashenko"


def test_named_speaker_links_to_its_own_mention(nlp):
    text = "Belarusian President Alexander Lukashenko announced that Minsk carried out a targeted operation."
    [claim], mentions = claims(nlp, text)
    assert claim["speaker_kind"] == "named"
    assert mentions[claim["speaker_mention_id"]] == "Alexander Lukashenko"


def test_a_speaker_is_named_only_by_the_mention_covering_its_head(nlp):
    text = "Some ministers from European Union countries have confirmed that they will attend the conference."
    rows, _ = claims(nlp, text)
    [claim] = [c for c in rows if c["cue_text"] == "confirmed"]
    assert claim["speaker_text"] == "Some ministers from European Union countries"
    assert claim["speaker_mention_id"] is None and claim["speaker_kind"] == "other"


def test_a_place_the_model_once_calls_a_person_is_not_a_speaker(nlp):
    from pipeline.nlp.mentions import Mention
    from pipeline.nlp.speakers import nearest_person_before

    ms = [
        Mention("1", 0, 0, 10, "Lukashenko", "PERSON"),
        Mention("2", 0, 20, 27, "Belarus", "GPE"),
        Mention("3", 1, 40, 47, "Belarus", "GPE"),
        Mention("4", 2, 60, 67, "Belarus", "PERSON"),
    ]
    assert nearest_person_before(80, ms).text == "Lukashenko"


def test_she_skips_a_man_named_closer(nlp):
    text = (
        "Ms. Maria Lopez chairs the committee. Mr. John Carter, a senator, spoke first. "
        "She said that the budget would pass."
    )
    rows, mentions = claims(nlp, text)
    [claim] = [r for r in rows if r["speaker_text"] == "She"]
    assert mentions[claim["speaker_mention_id"]].endswith("Maria Lopez")


def test_he_skips_a_woman_named_closer(nlp):
    text = (
        "Mr. Tomas Novak arrived on Monday. Spokeswoman Anna Berg welcomed him at the airport. "
        "He said that the talks would start soon."
    )
    rows, mentions = claims(nlp, text)
    [claim] = [r for r in rows if r["speaker_text"] == "He"]
    assert mentions[claim["speaker_mention_id"]] == "Tomas Novak"


def test_description_takes_the_person_with_that_title(nlp):
    text = (
        "Belarusian Foreign Minister Maksim Ryzhenkov met Chinese envoy Li Wei in Minsk on Tuesday. "
        "The foreign minister said that the talks had been useful."
    )
    rows, mentions = claims(nlp, text)
    [claim] = [r for r in rows if r["speaker_text"] == "The foreign minister"]
    assert mentions[claim["speaker_mention_id"]] == "Maksim Ryzhenkov"


def test_an_agency_quoted_as_speaker_is_linked_to_its_source(nlp):
    text = "BelTA reported that the border crossing would reopen on Friday."
    rows, _ = claims(nlp, text)
    [claim] = rows
    from pipeline.nlp.annotate import source_id

    assert claim["speaker_source_id"] == source_id("belta")
