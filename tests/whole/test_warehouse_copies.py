"""A warehouse file copied, renamed or attached under another name answers every query, views too."""

from __future__ import annotations

import shutil

import duckdb


def _views(con, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, view_name from duckdb_views() where not internal and database_name = ? order by 1, 2",
        [catalog],
    ).fetchall()


def test_every_view_reads_in_a_renamed_copy_and_under_an_alias(built_warehouse, tmp_path):
    """DuckDB names a file's catalog after the file: a view whose query named the catalog it was built
    in ("warehouse") failed in `news 2026.duckdb` until the next run rebuilt it."""
    from pipeline.cli import summary

    copy = tmp_path / "news 2026.duckdb"
    shutil.copy(built_warehouse, copy)
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        views = _views(con, "warehouse")
        expected = {(s, v): con.execute(f'select count(*) from "{s}"."{v}"').fetchone()[0] for s, v in views}
    # staging and intermediate views, and the marts that are views (fct_sources, rejected_documents, ...)
    assert len(views) >= 15 and ("main", "fct_sources") in views and expected[("main", "fct_sources")] > 0

    with duckdb.connect(str(copy), read_only=True) as con:
        assert _views(con, "news 2026") == views
        got = {(s, v): con.execute(f'select count(*) from "{s}"."{v}"').fetchone()[0] for s, v in views}
    assert got == expected

    with duckdb.connect() as con:  # attached under a name of the reader's choosing
        con.execute(f"attach '{copy}' as wh (read_only)")
        assert (
            con.execute("select count(*) from wh.main.fct_sources").fetchone()[0] == expected[("main", "fct_sources")]
        )

    assert "documents 3 ·" in summary(copy)
