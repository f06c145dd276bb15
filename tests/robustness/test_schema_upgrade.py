"""A warehouse built before a column existed keeps working: columns are added, never renamed or
dropped, and documents stored before language id get theirs on the next scan."""

from __future__ import annotations

import duckdb

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
