"""`newsclaims export`: every mart as Parquet or CSV, with a manifest that matches the files."""

from __future__ import annotations

import csv
import hashlib
import json

import duckdb
import pytest

from pipeline.cli import main

MARTS = {
    "dim_documents",
    "dim_entities",
    "dim_sources",
    "document_occurrences",
    "fct_claims",
    "fct_mentions",
    "fct_sources",
    "rejected_documents",
    "fct_document_occurrences",
    "fct_rejected_documents",
    "fct_source_citations",
}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_mart_with_a_manifest(fmt, built_warehouse, query, tmp_path, capsys):
    out_dir = tmp_path / "export"
    assert main(["export", "--format", fmt, str(out_dir), "--warehouse", str(built_warehouse)]) == 0
    assert "exported" in capsys.readouterr().err
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["format"] == fmt and manifest["warehouse"] == str(built_warehouse.resolve())
    assert manifest["exported_at"]
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) >= MARTS
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([*(t["file"] for t in tables.values()), "manifest.json"])
    for name, t in tables.items():
        path = out_dir / t["file"]
        assert t["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert t["rows"] == query(f"select count(*) from {name}")[0][0]
        assert [c["name"] for c in t["columns"]] == [r[0] for r in query(f"describe {name}")]
        if fmt == "parquet":
            con = duckdb.connect()
            back = con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]
            cols = [r[0] for r in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
            con.close()
            assert back == t["rows"] and cols == [c["name"] for c in t["columns"]]
        else:
            with open(path, newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            assert rows[0] == [c["name"] for c in t["columns"]]
            assert len(rows) - 1 == t["rows"]
    assert tables["fct_claims"]["rows"] > 30 and tables["dim_documents"]["rows"] == 3
    # the document text survives the round trip verbatim
    if fmt == "parquet":
        con = duckdb.connect()
        exported = dict(
            con.execute(
                "select document_id, text from read_parquet(?)", [str(out_dir / "dim_documents.parquet")]
            ).fetchall()
        )
        con.close()
        assert exported == dict(query("select document_id, text from dim_documents"))


def test_export_needs_a_warehouse(tmp_path, capsys):
    assert main(["export", str(tmp_path / "out"), "--warehouse", str(tmp_path / "none.duckdb")]) == 3
    assert not (tmp_path / "out").exists()
