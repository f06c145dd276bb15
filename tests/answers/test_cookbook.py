"""docs/cookbook.md: every query runs on the seeds' warehouse, returns rows, and has the columns shown."""

from __future__ import annotations

import importlib.util
import re

from tests.conftest import ROOT


def _cookbook():
    spec = importlib.util.spec_from_file_location("cookbook", ROOT / "docs" / "cookbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_cookbook_query_answers_on_the_seeds(built_warehouse):
    import duckdb

    cookbook = _cookbook()
    text = cookbook.COOKBOOK.read_text(encoding="utf-8")
    found = cookbook.queries(text)
    assert len(found) == 10, [title for title, _ in found]
    # the header row printed under each query, in order
    shown = re.findall(r"<!-- output -->\n\| (.*?) \|\n", text)
    assert len(shown) == len(found), "every query has its output written (run docs/cookbook.py)"
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        for (title, sql), header in zip(found, shown, strict=True):
            columns, rows = cookbook.run_query(con, sql)
            assert rows, f"no rows on the seeds: {title}"
            assert " | ".join(columns) == header, f"{title}: the output shown is stale"
    finally:
        con.close()


def test_the_output_table_is_markdown_with_long_values_cut():
    cookbook = _cookbook()
    table = cookbook.markdown_table(["a", "b"], [("x" * 200, None), ("p|q", 2)] * 6)
    lines = table.splitlines()
    assert lines[0] == "| a | b |" and lines[1] == "|---|---|"
    assert lines[2] == f"| {'x' * (cookbook.MAX_CELL - 1)}… | NULL |" and lines[3] == "| p\\|q | 2 |"
    assert len([line for line in lines if line.startswith("| ")]) == 1 + cookbook.MAX_ROWS
    assert lines[-1] == f"_12 rows, the first {cookbook.MAX_ROWS} shown_"
