"""The Python asset checks on the raw tables (pipeline/assets/checks.py), invoked on copies of a built
warehouse into which a fault is put by hand."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipeline.assets.checks import no_duplicate_or_orphaned_rows
from pipeline.resources import WarehouseResource
from pipeline.warehouse import changes


@pytest.fixture
def warehouse(built_warehouse, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy)
    return copy


def _check(path):
    result = no_duplicate_or_orphaned_rows(warehouse=WarehouseResource(database=str(path)))
    return result.passed, result.metadata


def _two_documents(path) -> tuple[str, str]:
    with duckdb.connect(str(path)) as con:
        assert con.execute("select count(*) from raw.document_changes").fetchone()[0] == 0  # the build emptied it
        first, second = (
            r[0] for r in con.execute("select document_id from raw.documents order by 1 limit 2").fetchall()
        )
    return first, second


def test_a_clean_build_passes(warehouse):
    assert _check(warehouse)[0]


def test_a_mention_loaded_twice_in_a_changed_document_fails_it(warehouse):
    changed, unchanged = _two_documents(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for document in (changed, unchanged):
            con.execute("insert into raw.mentions select * from raw.mentions where document_id = ? limit 1", [document])
        changes.mark_ids(con, [changed])
    passed, metadata = _check(warehouse)
    # the unchanged document's duplicate is not looked at: its rows were checked when they changed
    assert not passed and metadata["duplicated_ids"].value == 1


def test_claims_left_behind_by_a_removed_document_fail_it(warehouse):
    changed, _ = _two_documents(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        claims = con.execute("select count(*) from raw.claims where document_id = ?", [changed]).fetchone()[0]
        assert claims > 0
        con.execute("delete from raw.documents where document_id = ?", [changed])  # a takedown half done
        changes.mark_ids(con, [changed])
    passed, metadata = _check(warehouse)
    assert not passed and metadata["orphaned_claims"].value == claims
