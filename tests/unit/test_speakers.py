"""Pronoun and description speakers resolve to the nearest preceding person."""
from __future__ import annotations

from pipeline.nlp.annotate import annotate_doc


def claims(nlp, text):
    from datetime import datetime

    rows = annotate_doc(nlp(text), "doc", "test", datetime(2026, 1, 1))
    return rows["claims"], {m["mention_id"]: m["text"] for m in rows["mentions"]}


def test_he_resolves_to_the_person_before(nlp):
    text = ("Belarusian President Alexander Lukashenko spoke in Minsk on Monday. "
            "He said Belarus remains a place where humanitarian considerations guide official actions.")
    rows, mentions = claims(nlp, text)
    [claim] = rows
    assert claim["speaker_text"] == "He" and claim["speaker_kind"] == "pronoun"
    assert mentions[claim["speaker_mention_id"]] == "Alexander Lukashenko"


def test_description_resolves_to_the_person_before(nlp):
    text = ("Lukashenko met the ambassadors in Minsk. The president stressed that Minsk would not bow "
            "to mischaracterizations.")
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

    ms = [Mention("1", 0, 0, 10, "Lukashenko", "PERSON"), Mention("2", 0, 20, 27, "Belarus", "GPE"),
          Mention("3", 1, 40, 47, "Belarus", "GPE"), Mention("4", 2, 60, 67, "Belarus", "PERSON")]
    assert nearest_person_before(80, ms).text == "Lukashenko"
