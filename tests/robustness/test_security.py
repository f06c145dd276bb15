"""Security basics: the UI listens on loopback only, and no value from the input ever becomes SQL
(the behavioural half, text and file names full of SQL, is in test_messy_input.py)."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

#: The only expressions allowed inside an f-string handed to execute(): names of raw tables and
#: columns taken from constants in pipeline/warehouse/schema.py, fixed SQL fragments written in the
#: code, dbt relation names from the manifest, and operator-given file paths escaped as literals.
#: Anything else (a document's text, a title, a file name from the input folder) must be a `?`.
ALLOWED_INTERPOLATIONS = {
    "t",
    "table",
    "name",
    "columns",
    "column",
    "sql_type",
    "where",
    "extra",
    "tables[unique_id]",
    # a model's relation as dbt named it in its own result event, counted by the build's connection
    # (assets/dbt_inprocess.py)
    "node.node_relation.relation_name",
    "_sql_string(str(fresh))",
    "_sql_ident(catalog)",
    # a mart name from the catalog, quoted as an identifier (answers/export.py)
    "_quote(name)",
    # the marts' change list: a fixed SELECT written by each caller (warehouse/changes.py), and the
    # entity resolver's fixed "value changes" conditions (warehouse/entities.py)
    "select_sql",
    # the claim clusterer's fixed speaker sets and condition, written in the code (warehouse/claim_clusters.py)
    "touched",
    "dropped",
    # the syndication regroup's fixed scope query and its conditions on it (warehouse/syndication.py)
    "_SCOPE",
    "scope",
    "moved",
    "renamed_links",
    # the entity resolver's fixed fragments: its column list, a join condition built from it, and a
    # surname expression written in the code (warehouse/entities.py)
    "SIGNATURE",
    "match",
    "short",
    # the pending-documents queries, written in the code (assets/shards.py, warehouse/syndication.py)
    "PENDING",
    "UNSIGNED",
    # the changed documents' ids, a fixed subquery (warehouse/changes.py)
    "CHANGED_DOCUMENTS",
    # the search index's fixed unit queries, written in the code, and its update's fixed CTEs and
    # condition (the pending documents' subquery, or nothing) (warehouse/search.py)
    "UNIT_TEXTS",
    "within",
    "sides",
    # a table rebuilt without its primary key: a schema and table name and a column list written in the
    # code (warehouse/schema.py's RAW_TABLES, warehouse/search.py's UNITS_COLUMNS)
    "schema",
    "columns_ddl",
}


def _sql_fstrings():
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "sql", "query", "executemany")
                and node.args
                and isinstance(node.args[0], ast.JoinedStr)
            ):
                for part in node.args[0].values:
                    if isinstance(part, ast.FormattedValue):
                        yield path.relative_to(ROOT), node.lineno, ast.unparse(part.value)


def test_sql_is_parameterised_everywhere():
    found = list(_sql_fstrings())
    assert found, "the audit found no f-string SQL at all: has the search broken?"
    bad = [f"{p}:{line}: {{{expr}}}" for p, line, expr in found if expr not in ALLOWED_INTERPOLATIONS]
    assert not bad, "values interpolated into SQL (use ? parameters):\n" + "\n".join(bad)


def test_ui_binds_to_loopback_only():
    makefile = (ROOT / "Makefile").read_text()
    ui = makefile[makefile.index("\nui:") :].split("\n\n")[0]
    assert re.search(r"dagster dev .*-h 127\.0\.0\.1", ui), ui
    assert "0.0.0.0" not in makefile
