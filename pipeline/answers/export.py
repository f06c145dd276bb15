"""`newsclaims export`: every mart written to a folder as Parquet or CSV, with a manifest.

The marts are the tables and views dbt builds in the default schema (`main`): the warehouse
contract. manifest.json lists, per mart, its file, row count, columns with their DuckDB types and
the file's sha256, plus the warehouse it came from and when.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.ids import file_sha256

FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
        ).fetchall()
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def export_marts(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str, warehouse: Path) -> dict:
    """Write each mart to OUT_DIR/<mart>.<fmt> and OUT_DIR/manifest.json; return the manifest."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = []
    for name in mart_names(con):
        target = out_dir / f"{name}.{fmt}"
        # the name comes from the catalog and is quoted; the path goes through the relation API, never
        # into SQL text (con.table() cannot open a view by its qualified name: two marts are views)
        rel = con.sql(f"select * from main.{_quote(name)}")
        if fmt == "parquet":
            rel.write_parquet(str(target), compression="zstd")
        else:
            rel.write_csv(str(target), header=True)
        (rows,) = rel.count("*").fetchone()
        tables.append(
            {
                "table": name,
                "file": target.name,
                "rows": rows,
                "columns": [{"name": c, "type": str(t)} for c, t in zip(rel.columns, rel.types, strict=True)],
                "sha256": file_sha256(target),
            }
        )
    manifest = {
        "warehouse": str(Path(warehouse).resolve()),
        "format": fmt,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": tables,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
