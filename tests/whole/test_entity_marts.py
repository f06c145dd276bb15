"""Entities in the built seed warehouse: dim_entities, fct_mentions' entity_id, co-mentions and
the entities of claims."""

from __future__ import annotations


def test_dates_and_numbers_are_mentions_without_an_entity(query):
    rows = dict(
        query("""select label in ('DATE', 'TIME', 'PERCENT', 'MONEY', 'QUANTITY', 'ORDINAL', 'CARDINAL'),
                         count(*) filter (where entity_id is null) from fct_mentions group by 1""")
    )
    assert rows[False] == 0  # every named mention has its entity
    assert (
        rows[True]
        == query(
            "select count(*) from fct_mentions where label in "
            "('DATE', 'TIME', 'PERCENT', 'MONEY', 'QUANTITY', 'ORDINAL', 'CARDINAL')"
        )[0][0]
        > 0
    )
    assert query("select count(*) from dim_entities where label in ('DATE', 'CARDINAL', 'MONEY', 'PERCENT')") == [(0,)]


def test_the_european_union_and_eu_are_one_entity_first_seen_with_its_first_document(query):
    rows = query("select name, label, aliases, first_seen_at from dim_entities where list_contains(aliases, 'EU')")
    assert len(rows) == 1
    name, label, aliases, first_seen = rows[0]
    assert name == "European Union" and label == "ORG" and "European Union" in aliases
    assert (
        first_seen
        == query("""select min(d.first_seen_at) from fct_mentions m
                                  join raw.documents d using (document_id) where m.text in ('EU', 'European Union')""")[
            0
        ][0]
    )


def test_lukashenkos_claims_about_the_eu_and_ukraine_are_one_join_away(query):
    rows = query("""
        select distinct a.entity_name, c.content_text
        from fct_claim_entities s
        join fct_claim_entities a on a.claim_id = s.claim_id and a.role = 'mentioned in content'
        join fct_claims c on c.claim_id = s.claim_id
        where s.role = 'speaker' and s.entity_name = 'Alexander Lukashenko'""")
    about = {name for name, _ in rows}
    assert {"European Union", "Ukraine"} <= about
    eu = [content for name, content in rows if name == "European Union"]
    assert any("European Union" in c or "EU" in c for c in eu)


def test_claim_entity_roles(query):
    roles = dict(query("select role, count(*) from fct_claim_entities group by 1"))
    assert set(roles) <= {"speaker", "mentioned in content", "addressee"}
    # every resolved speaker is there, once per claim
    assert roles["speaker"] == query("select count(*) from fct_claims where speaker_entity_id is not null")[0][0]
    # a content mention lies inside the content span
    bad = query("""
        select count(*) from fct_claim_entities e join fct_claims c using (claim_id)
        where e.role = 'mentioned in content' and not exists (
            select 1 from fct_mentions m where m.entity_id = e.entity_id and m.document_id = c.document_id
            and m.start_char >= c.content_start_char and m.end_char <= c.content_end_char)""")
    assert bad == [(0,)]


def test_co_mentions_are_ordered_pairs_with_documents_and_sentences(query):
    rows = query("""select entity_name_a, entity_name_b, document_count, sentence_count
                    from fct_entity_cooccurrence where entity_id_a >= entity_id_b""")
    assert rows == []
    pair = query("""select document_count, sentence_count from fct_entity_cooccurrence
                    where 'Alexander Lukashenko' in (entity_name_a, entity_name_b)
                      and 'Belarus' in (entity_name_a, entity_name_b)""")
    assert len(pair) == 1 and pair[0][0] >= 2 and pair[0][1] >= 1
    # document_count is the number of documents mentioning both
    [(docs,)] = query("""
        select count(*) from (select document_id from fct_mentions m join dim_entities e using (entity_id)
                              where e.name in ('Alexander Lukashenko', 'Belarus')
                              group by document_id having count(distinct e.name) = 2)""")
    assert pair[0][0] == docs


def test_the_addressee_of_a_warning_is_its_object(query):
    rows = query("""
        select c.cue_text, a.entity_name, s.entity_name from fct_claim_entities a
        join fct_claims c using (claim_id)
        left join fct_claim_entities s on s.claim_id = a.claim_id and s.role = 'speaker'
        where a.role = 'addressee'""")
    assert ("warned", "Ukraine", "Alexander Lukashenko") in rows
    # only tell/warn-like cues have addressees: "said" never does
    assert all(
        cue.lower().startswith(
            (
                "warn",
                "told",
                "tell",
                "urg",
                "ask",
                "assur",
                "inform",
                "remind",
                "promis",
                "notif",
                "brief",
                "advis",
                "reassur",
                "caution",
            )
        )
        for cue, _, _ in rows
    )
