"""`newsclaims search`: the BM25 index the pipeline builds over claim contents and document text."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from pipeline.warehouse import search as index

D000, D003, D004 = "000_e42f40467c54dca3.txt", "003_46c50872f9ce8b1f.txt", "004_57c9e20f4240cf42.txt"


def search(capsys, warehouse, *args):
    code = main(["search", *args, "--json", "--warehouse", str(warehouse)])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out else None), out.err


def test_the_pipeline_built_the_index_over_every_claim_and_document(query):
    (claims,), (docs,) = query("select count(*) from fct_claims")[0], query("select count(*) from dim_documents")[0]
    stats = dict(query("select kind, unit_count from search.stats"))
    assert stats == {"claim": claims, "document": docs}
    # stems, not words: "accusations" and "accused" share one term
    assert index.term_of("accusations") == index.term_of("accused") == "accus"
    (with_name,) = query("select count(*) from dim_documents where text ilike '%lukashenko%'")[0]
    assert with_name >= 2
    assert query("select count(*) from search.postings where kind = 'document' and term = 'lukashenko'") == [
        (with_name,)
    ]


def test_claims_ranked_with_snippets_whose_offsets_point_into_the_document(capsys, built_warehouse, query):
    code, rows, _ = search(capsys, built_warehouse, "illegal migration", "--in", "claims")
    assert code == 0 and rows
    assert {r["kind"] for r in rows} == {"claim"}
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    texts = dict(query("select document_id, text from dim_documents"))
    for r in rows:
        assert r["matches"], r
        for start, end in r["matches"]:
            assert texts[r["document_id"]][start:end].lower() in ("illegal", "migration"), r
    # a claim holding both words outranks one holding only one
    best = rows[0]
    words = {texts[best["document_id"]][s:e].lower() for s, e in best["matches"]}
    assert words == {"illegal", "migration"}
    assert "migration" in best["snippet"].lower()


def test_stemming_finds_other_forms(capsys, built_warehouse):
    code, rows, _ = search(capsys, built_warehouse, "accused", "--in", "claims")
    assert code == 0
    assert any("accusations about encouraging illegal immigration" in r["snippet"] for r in rows)


def test_documents_ranked_by_bm25(capsys, built_warehouse, query):
    texts = {path: text.lower() for path, text in query("select path, text from dim_documents")}
    code, rows, _ = search(capsys, built_warehouse, "Ryzhenkov", "--in", "documents")
    assert code == 0 and [r["path"] for r in rows] == [p for p, t in texts.items() if "ryzhenkov" in t] == [D003]
    assert "Ryzhenkov" in rows[0]["snippet"] and len(rows[0]["snippet"]) < 260
    either = {p for p, t in texts.items() if "lukashenko" in t or "ryzhenkov" in t}
    both = {p for p, t in texts.items() if "lukashenko" in t and "ryzhenkov" in t}
    code, rows, _ = search(capsys, built_warehouse, "Lukashenko Ryzhenkov", "--in", "documents")
    assert {r["path"] for r in rows} == either
    code, rows, _ = search(capsys, built_warehouse, "Lukashenko Ryzhenkov", "--in", "documents", "--all-words")
    assert {r["path"] for r in rows} == both
    assert code == (0 if both else 1)


def test_both_kinds_by_default_and_nothing_found_exits_1(capsys, built_warehouse):
    code, rows, _ = search(capsys, built_warehouse, "conference")
    assert code == 0 and {r["kind"] for r in rows} == {"claim", "document"}
    assert [r["kind"] for r in rows] == sorted((r["kind"] for r in rows))  # claims, then documents
    assert search(capsys, built_warehouse, "zeppelin")[:2] == (1, [])
    code, rows, err = search(capsys, built_warehouse, "the of and")
    assert code == 2 and "stop word" in err


def test_table_output_shows_snippets(capsys, built_warehouse):
    assert main(["search", "humanitarian", "--warehouse", str(built_warehouse)]) == 0
    out = capsys.readouterr().out
    assert "humanitarian" in out and "claim" in out and "document" in out


@pytest.mark.parametrize(
    "text, terms, width",
    [
        ("a" * 50 + " Lukashenko said " + "b" * 300, ["lukashenko"], 100),
        ("short text about Minsk", ["minsk"], 200),
    ],
)
def test_snippet_windows_keep_the_match(text, terms, width):
    cut = index.snippet(text, terms, width)
    assert cut.highlights
    for (s, e), (src_s, src_e) in zip(cut.highlights, cut.source_spans, strict=True):
        assert cut.text[s:e] == text[src_s:src_e]
        assert index.term_of(text[src_s:src_e]) in terms
    assert len(cut.text) <= width + 60


def test_index_is_rebuilt_only_when_what_it_indexes_changed(built_warehouse, tmp_path):
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        before = con.execute("select * from search.stats order by kind").fetchall()
        assert index.build_index(con)["rebuilt"] == 0  # the pipeline built it from this very input
        assert con.execute("select * from search.stats order by kind").fetchall() == before
        # a claim's text is fixed by its id (of its document and offsets): a new text is a new claim
        con.execute(
            "insert into main.fct_claims select * replace (claim_id || 'z' as claim_id, "
            "content_text || ' zeppelin' as content_text) from main.fct_claims "
            "where claim_id = (select min(claim_id) from main.fct_claims)"
        )
        assert index.build_index(con)["rebuilt"] == 1
        assert con.execute("select count(*) from search.postings where term = 'zeppelin'").fetchone() == (1,)
    finally:
        con.close()


def test_an_update_indexes_only_what_changed_and_equals_a_whole_rebuild(built_warehouse, tmp_path):
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))

    def state():
        return [
            con.execute(
                "select unit_id, kind, document_id, claim_id, length, text_hash from search.units order by 1"
            ).fetchall(),
            con.execute("select * from search.postings order by all").fetchall(),
            con.execute("select * from search.terms order by all").fetchall(),
            con.execute("select kind, unit_count, round(avg_length, 9) from search.stats order by kind").fetchall(),
        ]

    keyed = "select count(*) from duckdb_constraints() where schema_name = 'search' and constraint_type = 'PRIMARY KEY'"
    try:
        # an index built before search.units lost its PRIMARY KEY (the update rebuilds it without)
        con.execute(f"create table search.units_keyed ({index.UNITS_COLUMNS.replace('not null', 'primary key', 1)})")
        con.execute("insert into search.units_keyed select * from search.units")
        con.execute("drop table search.units")
        con.execute("alter table search.units_keyed rename to units")
        assert con.execute(keyed).fetchone() == (2,)  # units and stats
        gone = con.execute("select max(claim_id) from main.fct_claims").fetchone()[0]
        con.execute("delete from main.fct_claims where claim_id = ?", [gone])
        # one claim goes, one is replaced by a claim with another text (a claim's text is fixed by its id)
        replaced = "(select min(claim_id) from main.fct_claims)"
        con.execute(
            "insert into main.fct_claims select * replace (claim_id || 'z' as claim_id, "
            f"'the zeppelin landed' as content_text) from main.fct_claims where claim_id = {replaced}"
        )
        con.execute(f"delete from main.fct_claims where claim_id = {replaced}")
        counts = index.build_index(con)
        # no build listed what changed (the marts were edited by hand): every id is compared
        assert (counts["rebuilt"], counts["whole"], counts["checked_all"]) == (1, 0, 1)
        assert (counts["added"], counts["removed"]) == (1, 2)
        assert con.execute("select count(*) from search.units where unit_id = ?", ["c-" + gone]).fetchone() == (0,)
        assert con.execute("select df from search.terms where term = 'zeppelin'").fetchall() == [(1,)]
        assert con.execute(keyed).fetchone() == (1,)  # stats alone
        updated = state()
        assert index.build_index(con, force=True)["whole"] == 1
        assert updated == state()
    finally:
        con.close()


def test_a_build_in_small_chunks_equals_one_in_a_single_chunk(built_warehouse, tmp_path, monkeypatch):
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))

    def state():
        return [
            con.execute("select * exclude (length) from search.units order by all").fetchall(),
            con.execute("select * from search.postings order by all").fetchall(),
            con.execute("select * from search.terms order by all").fetchall(),
        ]

    try:
        whole = index.build_index(con, force=True)
        single = state()
        monkeypatch.setattr(index, "INDEX_CHUNK", 7)
        chunked = index.build_index(con, force=True)
        assert chunked["added"] == whole["added"] > 7 * 3
        assert state() == single
    finally:
        con.close()


def test_a_whole_build_cut_short_is_built_whole_again_by_the_next_run(built_warehouse, tmp_path, monkeypatch):
    """A whole build commits chunk by chunk (its postings never all in one transaction's memory); the
    stats row is written last, so a build that dies half way is never taken for a finished index."""
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        expected = con.execute("select * from search.postings order by all").fetchall()
        monkeypatch.setattr(index, "INDEX_CHUNK", 7)
        real, calls = index._index_chunk, []

        def dies_on_the_third(c, first, last):
            calls.append(first)
            if len(calls) == 3:
                raise KeyboardInterrupt("killed")
            return real(c, first, last)

        monkeypatch.setattr(index, "_index_chunk", dies_on_the_third)
        with pytest.raises(KeyboardInterrupt):
            index.build_index(con, force=True)
        # two chunks were committed, and nothing says the index is whole
        assert con.execute("select count(*) from search.units").fetchone() == (14,)
        assert con.execute("select count(*) from search.stats").fetchone() == (0,)
        assert not index.has_index(con)
        monkeypatch.setattr(index, "_index_chunk", real)
        counts = index.build_index(con)
        assert counts["whole"] == 1 and counts["rebuilt"] == 1
        assert con.execute("select * from search.postings order by all").fetchall() == expected
        assert index.build_index(con)["rebuilt"] == 0
    finally:
        con.close()


def test_an_update_after_a_build_looks_only_at_the_documents_the_build_redid(built_warehouse, tmp_path):
    """The dbt asset lists the documents it redid (note_changed_documents): the update finds every
    change there, compares nothing else, and equals a whole rebuild; the list is emptied."""
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))

    def state():
        return [
            con.execute(f"select * from search.{t} order by all").fetchall() for t in ("units", "postings", "terms")
        ]

    try:
        document = con.execute("select min(document_id) from main.fct_claims").fetchone()[0]
        gone = con.execute("select max(claim_id) from main.fct_claims where document_id = ?", [document]).fetchone()[0]
        con.execute("delete from main.fct_claims where claim_id = ?", [gone])
        con.execute(
            "insert into main.fct_claims select * replace (claim_id || 'z' as claim_id, "
            "'the zeppelin landed' as content_text) from main.fct_claims "
            "where claim_id = (select min(claim_id) from main.fct_claims where document_id = ?)",
            [document],
        )
        con.execute("delete from raw.document_changes")
        con.execute("insert into raw.document_changes values (?, now()::timestamp)", [document])
        index.note_changed_documents(con)
        assert con.execute("select document_id from search.pending_documents").fetchall() == [(document,)]
        counts = index.build_index(con)
        assert (counts["rebuilt"], counts["whole"], counts["checked_all"]) == (1, 0, 0)
        assert (counts["added"], counts["removed"]) == (1, 1)
        assert con.execute("select count(*) from search.units where unit_id = ?", ["c-" + gone]).fetchone() == (0,)
        assert con.execute("select df from search.terms where term = 'zeppelin'").fetchall() == [(1,)]
        assert con.execute("select count(*) from search.pending_documents").fetchone() == (0,)
        updated = state()
        assert index.build_index(con, force=True)["whole"] == 1
        assert updated == state()
    finally:
        con.close()
