"""Canonical entities: pure function over mention records."""
from __future__ import annotations

from pipeline.nlp.entities import MentionRef, resolve_entities


def ids(links):
    return {link.mention_id: (link.entity_id, link.entity_name, link.entity_label) for link in links}


def test_surname_and_full_name_are_one_person_across_documents():
    m = [MentionRef("a1", "d1", "Alexander Lukashenko", "PERSON"),
         MentionRef("a2", "d1", "Lukashenko", "PERSON"),
         MentionRef("b1", "d2", "Lukashenko’s", "ORG"),  # the small model's label slips
         MentionRef("b2", "d2", "Alexander Lukashenko", "PERSON"),
         MentionRef("c1", "d3", "Lukashenko", "PERSON")]
    got = ids(resolve_entities(m))
    assert len({v[0] for v in got.values()}) == 1
    assert {v[1] for v in got.values()} == {"Alexander Lukashenko"}
    assert {v[2] for v in got.values()} == {"PERSON"}


def test_people_sharing_a_surname_stay_apart():
    m = [MentionRef("a", "d1", "Boris Johnson", "PERSON"),
         MentionRef("b", "d2", "Andrew Johnson", "PERSON"),
         MentionRef("c", "d3", "Johnson", "PERSON")]
    got = ids(resolve_entities(m))
    assert got["a"][0] != got["b"][0]
    assert got["c"][0] not in (got["a"][0], got["b"][0])


def test_titles_are_not_part_of_the_name():
    m = [MentionRef("a", "d1", "President Alexander Lukashenko", "PERSON"),
         MentionRef("b", "d2", "Alexander Lukashenko", "PERSON")]
    got = ids(resolve_entities(m))
    assert got["a"][0] == got["b"][0]


def test_known_source_alias_takes_the_source_name():
    m = [MentionRef("a", "d1", "BELTA", "ORG"), MentionRef("b", "d2", "BelTA", "ORG")]
    got = ids(resolve_entities(m))
    assert got["a"][0] == got["b"][0] and got["a"][1] == "BelTA"


def test_one_name_labelled_gpe_and_org_is_one_entity():
    m = [MentionRef("a", "d1", "Belarus", "GPE"), MentionRef("b", "d1", "Belarus", "GPE"),
         MentionRef("c", "d2", "Belarus", "ORG")]
    got = ids(resolve_entities(m))
    assert got["a"][0] == got["c"][0]
    assert got["c"][2] == "GPE"
