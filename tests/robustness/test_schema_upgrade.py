"""A warehouse built before a column existed keeps working: columns are added, never renamed or
dropped, and documents stored before language id get theirs on the next scan."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.ids import text_id
from pipeline.ingest.files import read_corpus
from pipeline.warehouse.corpus import write_corpus
from pipeline.warehouse.schema import ensure_schema

TEXT = (
    "Belarusian Foreign Minister Maksim Ryzhenkov said on Monday that talks with Lithuania on the "
    "border crossings would resume next week, BelTA reported."
)


def test_an_older_warehouse_gains_new_columns_and_backfills_language(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute("""create table raw.documents (document_id varchar primary key, text varchar not null,
                   title varchar, char_count integer, encoding varchar, first_seen_at timestamp)""")
    con.execute(
        "insert into raw.documents values (?, ?, 'Talks', ?, 'utf-8', '2026-01-01')", [text_id(TEXT), TEXT, len(TEXT)]
    )
    ensure_schema(con)
    ensure_schema(con)  # idempotent
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "talks.txt").write_text(TEXT, encoding="utf-8")
    write_corpus(con, read_corpus(inp), inp)
    assert con.execute(
        "select first_seen_at::date::varchar, language, language_uncertain from raw.documents"
    ).fetchall() == [("2026-01-01", "en", False)]


def test_an_older_warehouse_loses_the_primary_keys_of_the_tables_appended_per_document(tmp_path):
    """raw.documents, raw.entity_links and raw.document_minhash had a PRIMARY KEY (each small update's
    checkpoint then rewrote their last row group): an older warehouse's are rebuilt without it, rows
    and the columns the old table lacked (NULL) as before, and a view over the table still reads it."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.documents (document_id varchar primary key, text varchar not null, title varchar)")
    con.execute("create table raw.entity_links (mention_id varchar primary key, entity_id varchar not null)")
    con.execute("insert into raw.documents values ('d1', ?, 'Talks')", [TEXT])
    con.execute("insert into raw.entity_links values ('m1', 'e1'), ('m2', 'e1')")
    con.execute("create view stg_documents as select document_id, title from raw.documents")
    keys = (
        "select table_name from duckdb_constraints() where schema_name = 'raw' and constraint_type = 'PRIMARY KEY'"
        " and table_name in ('documents', 'entity_links', 'document_minhash') order by 1"
    )
    assert [r[0] for r in con.execute(keys).fetchall()] == ["documents", "entity_links"]
    ensure_schema(con)
    assert con.execute(keys).fetchall() == []
    assert con.execute("select document_id, text, title, char_count from raw.documents").fetchall() == [
        ("d1", TEXT, "Talks", None)
    ]
    assert con.execute("select mention_id, entity_id from raw.entity_links order by 1").fetchall() == [
        ("m1", "e1"),
        ("m2", "e1"),
    ]
    assert con.execute("select * from stg_documents").fetchall() == [("d1", "Talks")]
    # the columns stay NOT NULL where the DDL says so
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into raw.documents (document_id, text) values (null, 'x')")
    ensure_schema(con)  # idempotent
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1


def test_an_older_warehouse_loses_the_keys_of_the_tables_kept_by_file_and_merges_into_them(tmp_path):
    """raw.ingest_files (and document_occurrences, document_versions, rejected_documents,
    loaded_batches, syndication_pairs) had a PRIMARY KEY, and DuckDB rewrote such a table whole at
    the checkpoint after any insert: an older warehouse's are rebuilt without it, and the writers'
    MERGE keeps one row per key, updating the row a key already has."""
    from pipeline.warehouse.schema import UNKEYED

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.ingest_files (input_dir varchar not null, path varchar not null, fingerprint varchar not null,"
        " primary key (input_dir, path))"
    )
    con.execute("insert into raw.ingest_files values ('in', 'a.txt', 'f1')")
    ensure_schema(con)
    keyed = con.execute(
        "select table_name from duckdb_constraints() where schema_name = 'raw' and constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert not {t for (t,) in keyed} & set(UNKEYED)
    assert {"ingest_files", "syndication_pairs", "document_occurrences"} <= set(UNKEYED)
    assert con.execute("select path, fingerprint, format from raw.ingest_files").fetchall() == [("a.txt", "f1", None)]
    con.execute("create temp table _states as select * from raw.ingest_files limit 0")
    con.execute(
        "insert into _states (input_dir, path, fingerprint) values ('in', 'a.txt', 'f2'), ('in', 'b.txt', 'f3')"
    )
    con.execute("""merge into raw.ingest_files t using _states x on t.input_dir = x.input_dir and t.path = x.path
                   when matched then update set fingerprint = x.fingerprint when not matched then insert by name""")
    assert con.execute("select path, fingerprint from raw.ingest_files order by 1").fetchall() == [
        ("a.txt", "f2"),
        ("b.txt", "f3"),
    ]
