"""Each raw column is declared once (warehouse/schema.py's DDL) and goes somewhere on purpose.

The Arrow schemas the Python side writes with are derived from the DDL and agree with the tables
DuckDB creates from it; every raw column is read by its dbt staging model or listed in NOT_STAGED
with the reason, and that list names only columns that exist and are indeed left out.
"""

from __future__ import annotations

import json
import re

import duckdb
import pyarrow as pa
import pytest

from pipeline.assets.dbt import dbt_project, ensure_manifest
from pipeline.warehouse.batches import arrow_schema as staged_batch_schema
from pipeline.warehouse.schema import (
    ANNOTATION_TABLES,
    NOT_STAGED,
    RAW_TABLES,
    arrow_schema,
    column_names,
    ensure_schema,
)

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SQL_WORDS = {
    "select",
    "as",
    "from",
    "source",
    "coalesce",
    "varchar",
    "integer",
    "bigint",
    "double",
    "boolean",
    "timestamp",
    "timestamptz",
    "json",
    "cast",
    "null",
    "case",
    "when",
    "then",
    "else",
    "end",
    "and",
    "or",
    "not",
    "is",
}


@pytest.fixture(scope="module")
def staged_columns() -> dict[str, set[str]]:
    """raw table → the raw columns its staging model reads (the expressions of its select list, without
    the `as` names they get)."""
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    out: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["name"].startswith("stg_"):
            continue
        (source_id,) = node["depends_on"]["nodes"]
        table = manifest["sources"][source_id]["name"]
        select_list = node["raw_code"].split("renamed as (", 1)[1].split("from source", 1)[0]
        read = set()
        for line in select_list.splitlines():
            expression = re.sub(r"'[^']*'", "", re.sub(r"\bas\s+\w+\s*,?\s*$", "", line.strip()))
            read |= {w for w in IDENTIFIER.findall(expression) if w.lower() not in SQL_WORDS}
        out[table] = read
    return out


def test_arrow_schemas_agree_with_the_tables_duckdb_creates_from_the_ddl():
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")  # a timestamptz reads back in the session's zone (the machine's by default)
    ensure_schema(con)
    for table in RAW_TABLES:
        created = con.execute(f"select * from raw.{table}").to_arrow_table().schema.remove_metadata()
        assert created.equals(arrow_schema(table)), f"raw.{table}: DuckDB {created} vs derived {arrow_schema(table)}"
    # a subset keeps the order asked for; a column the DDL does not declare is an error, not a silent gap
    assert arrow_schema("documents", columns=("title", "document_id")).names == ["title", "document_id"]
    with pytest.raises(KeyError, match="no column headline"):
        arrow_schema("documents", columns=("headline",))


def test_staged_batch_files_hold_every_annotation_column_but_the_batch_id():
    for table in ANNOTATION_TABLES:
        assert staged_batch_schema(table).names == [c for c in column_names(table) if c != "batch_id"]
    assert pa.types.is_timestamp(staged_batch_schema("document_annotations").field("processed_at").type)


def test_every_raw_column_is_staged_or_listed_as_not_staged(staged_columns):
    unaccounted = []
    for table in RAW_TABLES:
        if table in NOT_STAGED:
            assert table not in staged_columns, f"raw.{table} is listed in NOT_STAGED but has a staging model"
            continue
        assert table in staged_columns, f"raw.{table} has no staging model (stage it or list it in NOT_STAGED)"
        for column in column_names(table):
            dropped = f"{table}.{column}" in NOT_STAGED
            staged = column in staged_columns[table]
            assert not (dropped and staged), f"raw.{table}.{column} is staged and listed in NOT_STAGED"
            if not (dropped or staged):
                unaccounted.append(f"{table}.{column}")
    assert not unaccounted, f"raw columns neither staged nor listed in NOT_STAGED: {unaccounted}"


def test_not_staged_names_real_tables_and_columns_with_a_reason():
    for entry, reason in NOT_STAGED.items():
        table, _, column = entry.partition(".")
        assert table in RAW_TABLES, entry
        assert not column or column in column_names(table), entry
        assert len(reason.split()) >= 5, f"{entry}: say why it is not staged"


def test_staging_reads_only_declared_columns(staged_columns):
    for table, read in staged_columns.items():
        assert read <= set(column_names(table)), (
            f"stg for raw.{table} reads undeclared {read - set(column_names(table))}"
        )
