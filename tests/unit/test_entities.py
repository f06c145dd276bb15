"""Canonical entities: each resolution rule on invented mentions, through the real incremental code
(a throwaway DuckDB database)."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.nlp.entities import (
    KIND_AMBIGUOUS,
    KIND_SURNAME,
    MentionRef,
    Override,
    choose,
    read_overrides,
    resolve_document,
    strip_titles,
)
from pipeline.warehouse import entities as entities_store
from pipeline.warehouse.entities import add_mentions, resolve_entities, update_entity_links
from pipeline.warehouse.schema import ensure_schema


def ids(mentions, overrides=()):
    return {m: (e, name, label) for m, e, name, label in resolve_entities(mentions, overrides)}


def M(mid, doc, text, label="PERSON"):
    return MentionRef(mid, doc, text, label)


def test_surname_and_full_name_are_one_person_across_documents():
    m = [
        M("a1", "d1", "Alexander Lukashenko"),
        M("a2", "d1", "Lukashenko"),
        M("b1", "d2", "Lukashenko’s", "ORG"),  # a label slip, beside the full name
        M("b2", "d2", "Alexander Lukashenko"),
        M("c1", "d3", "Lukashenko"),
    ]
    got = ids(m)
    assert len({v[0] for v in got.values()}) == 1
    assert {v[1] for v in got.values()} == {"Alexander Lukashenko"}
    assert {v[2] for v in got.values()} == {"PERSON"}


def test_blair_mr_blair_and_blair_are_one_person_and_cherie_blair_another():
    m = [
        M("a1", "d1", "Tony Blair"),
        M("a2", "d1", "Mr Blair"),
        M("a3", "d1", "Blair"),
        M("b1", "d2", "Prime Minister Tony Blair"),
        M("b2", "d2", "Mr Blair's"),
        M("c1", "d3", "Cherie Blair"),
        M("c2", "d3", "Mrs Blair"),
    ]
    got = ids(m)
    tony = got["a1"][0]
    assert {got[k][0] for k in ("a2", "a3", "b1", "b2")} == {tony}
    assert got["c1"][0] == got["c2"][0] != tony
    assert got["c2"][1] == "Cherie Blair" and got["a2"][1] == "Tony Blair"


def test_a_bare_surname_beside_two_people_with_it_stays_ambiguous():
    m = [M("a1", "d1", "Tony Blair"), M("a2", "d1", "Cherie Blair"), M("a3", "d1", "Blair")]
    links = {x.mention_id: x for x in resolve_document(m)}
    assert links["a3"].kind == KIND_AMBIGUOUS
    got = ids(m)
    assert got["a3"][0] not in (got["a1"][0], got["a2"][0])


def test_people_sharing_a_surname_stay_apart():
    m = [M("a", "d1", "Boris Johnson"), M("b", "d2", "Andrew Johnson"), M("c", "d3", "Johnson")]
    got = ids(m)
    assert got["a"][0] != got["b"][0]
    assert got["c"][0] not in (got["a"][0], got["b"][0])
    assert got["c"][1] == "Johnson"


def test_a_bare_surname_goes_to_a_dominant_full_name_only():
    many = [M(f"t{i}", f"d{i}", "Tony Blair") for i in range(9)]
    assert choose({"tony blair": 9, "cherie blair": 1}) == "tony blair"
    assert choose({"tony blair": 2, "cherie blair": 1}) is None
    got = ids(many + [M("c", "dc", "Cherie Blair"), M("x", "dx", "Mr Blair")])
    assert got["x"][0] == got["t0"][0]
    few = ids([M("t", "d1", "Tony Blair"), M("c", "d2", "Cherie Blair"), M("x", "d3", "Mr Blair")])
    assert few["x"][0] not in (few["t"][0], few["c"][0])


def test_titles_come_from_nameparser_and_nationalities_from_norp():
    assert strip_titles(["Belarusian", "Foreign", "Minister", "Maksim", "Ryzhenkov"]) == ["Maksim", "Ryzhenkov"]
    assert strip_titles(["Chancellor", "Gordon", "Brown"]) == ["Gordon", "Brown"]
    assert strip_titles(["Stephen", "King"]) == ["Stephen", "King"]  # the last word is the name
    assert strip_titles(["John", "Major"]) == ["John", "Major"]
    assert strip_titles(["Labour", "MP", "Kate", "Hoey"]) == ["Kate", "Hoey"]  # post-nominal letters
    m = [
        M("a", "d1", "Belarusian Alexander Lukashenko"),
        M("n", "d1", "Belarusian", "NORP"),
        M("b", "d2", "President Alexander Lukashenko"),
        M("c", "d3", "Gordon Brown"),
        M("d", "d3", "Mr Brown"),
    ]
    got = ids(m)
    assert got["a"][0] == got["b"][0] and got["a"][1] == "Alexander Lukashenko"
    assert got["c"][0] == got["d"][0]


def test_an_acronym_is_the_name_it_spells_in_the_document_and_elsewhere():
    m = [
        M("a", "d1", "the European Union", "ORG"),
        M("b", "d1", "EU", "ORG"),
        M("c", "d2", "EU", "GPE"),
        M("d", "d3", "European Union", "ORG"),
        M("e", "d4", "the Commonwealth of Independent States", "ORG"),
        M("f", "d4", "CIS", "ORG"),
    ]
    got = ids(m)
    assert got["a"][0] == got["b"][0] == got["c"][0] == got["d"][0]
    assert got["c"][1] == "European Union" and got["c"][2] == "ORG"
    assert got["e"][0] == got["f"][0]


def test_places_are_not_people_who_share_their_name():
    m = [
        M("a", "d1", "Jim Jordan"),
        M("b", "d1", "Jordan", "GPE"),
        M("c", "d2", "Jordan", "GPE"),
        M("d", "d3", "George Washington"),
        M("e", "d3", "Washington", "GPE"),
        M("f", "d4", "Washington", "GPE"),
        M("g", "d5", "Jordan"),
    ]
    got = ids(m)
    assert got["b"][0] == got["c"][0] != got["a"][0]
    assert got["e"][0] == got["f"][0] != got["d"][0]
    assert got["b"][2] == "GPE" and got["b"][1] == "Jordan"
    assert got["g"][0] == got["a"][0]  # a person called Jordan: the one Jordan in full


def test_known_source_alias_takes_the_source_name():
    got = ids([M("a", "d1", "BELTA", "ORG"), M("b", "d2", "BelTA", "ORG"), M("c", "d3", "BelTA", "PERSON")])
    assert got["a"][0] == got["b"][0] == got["c"][0] and got["a"][1] == "BelTA"


def test_one_name_labelled_gpe_and_org_is_one_entity_with_the_majority_label():
    got = ids([M("a", "d1", "Belarus", "GPE"), M("b", "d1", "Belarus", "GPE"), M("c", "d2", "Belarus", "ORG")])
    assert got["a"][0] == got["c"][0]
    assert got["c"][2] == "GPE"


def test_dates_numbers_money_and_percentages_have_no_entity():
    got = ids(
        [
            M("a", "d1", "Monday", "DATE"),
            M("b", "d1", "£5m", "MONEY"),
            M("c", "d1", "5%", "PERCENT"),
            M("d", "d1", "three", "CARDINAL"),
            M("e", "d1", "Minsk", "GPE"),
        ]
    )
    assert set(got) == {"e"}


def test_surname_kinds_in_a_document():
    links = {x.mention_id: x for x in resolve_document([M("a", "d", "Mr Brown"), M("b", "d", "Gordon")])}
    assert links["a"].kind == KIND_SURNAME and links["a"].key == "brown"


CORPUS = [
    M("a1", "A", "Tony Blair"),
    M("a2", "A", "Mr Blair"),
    M("a3", "A", "EU", "ORG"),
    M("b1", "B", "Mr Blair"),
    M("b2", "B", "the European Union", "ORG"),
    M("b3", "B", "EU", "ORG"),
    M("c1", "C", "Cherie Blair"),
    M("c2", "C", "Blair"),
    M("c3", "C", "Labour", "ORG"),
    M("d1", "D", "Labour", "NORP"),
    M("d2", "D", "Michael Howard"),
    M("d3", "D", "Howard"),
]


def _links(con):
    return con.execute(
        "select mention_id, entity_id, entity_name, entity_label from raw.entity_links order by mention_id"
    ).fetchall()


@pytest.mark.parametrize("chunk", [1, 3, 2_000])
@pytest.mark.parametrize("order", [["ABCD"], ["A", "B", "C", "D"], ["DC", "BA"], ["C", "ABD"]])
def test_incremental_runs_give_the_same_links_as_one_run(order, chunk, monkeypatch):
    """Whatever documents each run brings, and however many documents are resolved at once."""
    monkeypatch.setattr(entities_store, "RESOLVE_CHUNK_DOCUMENTS", chunk)
    whole = resolve_entities(CORPUS)
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    resolved = []
    for step in order:
        add_mentions(con, [m for m in CORPUS if m.document_id in step])
        stats = update_entity_links(con)
        resolved.append(stats["documents_resolved"])
    assert _links(con) == whole
    assert resolved == [len(step) for step in order]  # each run reads only its new documents
    assert update_entity_links(con)["documents_resolved"] == 0


def test_overrides_merge_split_and_rename_survive_new_input(tmp_path):
    csv = tmp_path / "entity_overrides.csv"
    csv.write_text(
        "action,name,target,label,note\n"
        "merge,Howard,Michael Howard,PERSON,bare surname\n"
        "split,Mr Blair,Tony Blair,PERSON,\n"
        "rename,European Union,The European Union,,\n"
    )
    overrides = read_overrides(csv)
    assert overrides[0] == Override("merge", "Howard", "Michael Howard", "PERSON")
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    add_mentions(con, [m for m in CORPUS if m.document_id in "AB"])
    update_entity_links(con, overrides)
    add_mentions(con, [m for m in CORPUS if m.document_id in "CD"])
    update_entity_links(con, overrides)
    got = {m: (e, n) for m, e, n, _ in _links(con)}
    assert got["d3"][0] == got["d2"][0]
    assert got["a2"][0] != got["a1"][0] and got["a2"][0] == got["b1"][0] and got["a2"][1] == "Blair"
    assert got["b2"][1] == got["a3"][1] == "The European Union"
    # removing the overrides puts everything back
    update_entity_links(con, [])
    assert _links(con) == resolve_entities(CORPUS)


def test_a_bad_override_action_is_refused(tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("action,name,target,label,note\nfuse,A,B,,\n")
    with pytest.raises(ValueError, match="action must be one of"):
        read_overrides(csv)


def test_on_invented_sentences_with_the_model(nlp):
    from pipeline.nlp.mentions import extract_mentions
    from pipeline.nlp.spans import sentence_index_map

    text = (
        "Prime Minister Tony Blair met Gordon Brown in London on Monday. Mr Blair said the European "
        "Union must act. Mr Brown said the EU had 25 members."
    )
    doc = nlp(text)
    mentions = [
        MentionRef(m.mention_id, "d", m.text, m.label) for m in extract_mentions(doc, "d", sentence_index_map(doc))
    ]
    text_of = {m.mention_id: m.text for m in mentions}
    by_text = {text_of[mid]: (e, name) for mid, e, name, _ in resolve_entities(mentions)}
    assert by_text["Mr Blair"] == by_text["Tony Blair"] == (by_text["Tony Blair"][0], "Tony Blair")
    assert by_text["Mr Brown"][0] == by_text["Gordon Brown"][0] != by_text["Tony Blair"][0]
    assert by_text["EU"] == by_text["European Union"] and by_text["EU"][1] == "European Union"
    assert "Monday" not in by_text and "25" not in by_text


def test_a_word_the_document_mostly_calls_a_place_is_the_place():
    got = ids(
        [
            M("a", "d1", "Minsk", "GPE"),
            M("b", "d1", "Minsk", "GPE"),
            M("c", "d1", "Minsk", "PERSON"),
            M("d", "d2", "Minsk", "GPE"),
            M("e", "d3", "Minsk", "PERSON"),
        ]
    )
    assert got["a"][0] == got["c"][0] == got["d"][0] != got["e"][0]
    assert got["c"][2] == "GPE"


def test_honorifics_keep_a_woman_and_a_man_with_one_surname_apart():
    # in one article: "Baroness Kennedy" beside Charles Kennedy, who is "Mr Kennedy" there
    m = [
        M("a", "d1", "Charles Kennedy"),
        M("b", "d1", "Mr Kennedy"),
        M("c", "d1", "Mr Kennedy"),
        M("d", "d1", "Baroness Kennedy"),
    ]
    got = ids(m)
    assert got["b"][0] == got["c"][0] == got["a"][0] != got["d"][0]


def test_a_bare_surname_beside_two_people_goes_to_the_one_its_honorific_fits_in_the_corpus():
    m = [
        M("t1", "d1", "Tony Blair"),
        M("t2", "d1", "Mr Blair"),
        M("c1", "d2", "Cherie Blair"),
        M("c2", "d2", "Mrs Blair"),
        M("x1", "d3", "Tony Blair"),
        M("x2", "d3", "Cherie Blair"),
        M("x3", "d3", "Mr Blair"),
        M("x4", "d3", "Mrs Blair"),
        M("x5", "d3", "Blair"),
    ]
    got = ids(m)
    assert got["x3"][0] == got["t1"][0] and got["x4"][0] == got["c1"][0]
    assert got["x5"][0] not in (got["t1"][0], got["c1"][0])  # no honorific: stays ambiguous


def test_a_title_before_a_given_name_names_someone_else():
    m = [
        M("a", "d1", "Charles Kennedy"),
        M("b", "d1", "Prince Charles"),
        M("c", "d1", "Sir Edward"),
        M("d", "d1", "Edward Heath"),
        M("e", "d1", "Charles"),
    ]
    got = ids(m)
    assert got["b"][0] != got["a"][0]
    assert got["c"][0] == got["d"][0] and got["e"][0] == got["a"][0]


def test_a_longer_span_ending_with_a_full_name_is_that_person():
    got = ids([M("a", "d1", "Tony Blair"), M("b", "d1", "Earlier Tony Blair")])
    assert got["a"][0] == got["b"][0] and got["b"][1] == "Tony Blair"


def test_a_part_of_a_hyphenated_surname_is_the_person():
    got = ids(
        [
            M("a", "d1", "Robert Kilroy-Silk"),
            M("b", "d1", "Mr Kilroy"),
            M("c", "d2", "Kilroy-Silk"),
            M("d", "d3", "Mr Kilroy"),
        ]
    )
    assert got["a"][0] == got["b"][0] == got["c"][0] == got["d"][0]


def test_links_of_an_older_resolver_are_redone():
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    add_mentions(con, CORPUS)
    # what the first, corpus-wide resolver left: no document, no signature, no state
    con.execute(
        "insert into raw.entity_links (mention_id, entity_id, entity_name, resolver_version) "
        "select mention_id, 'old', text, '1' from raw.mentions"
    )
    assert update_entity_links(con)["documents_resolved"] == 4
    assert _links(con) == resolve_entities(CORPUS)
