"""Real runs whose staged batches are damaged on disk (what a full or failing disk leaves): the run
is green, the batch is moved aside and recorded, its documents are processed again, and the
warehouse equals one clean run."""

from __future__ import annotations

import pytest

from tests.robustness.conftest import finish, kill9, query, snapshot, start_run, wait_for

pytestmark = pytest.mark.slow


def _without_rejections(snap: dict) -> dict:
    return {k: v for k, v in snap.items() if k != "raw.rejected_batches"}


def _staged(warehouse):
    staging = warehouse.parent / f"{warehouse.name}.batches"
    return sorted(p for p in staging.glob("b-*") if p.is_dir()) if staging.is_dir() else []


def test_a_batch_damaged_after_a_killed_run_is_redone_by_the_next_run(messy_input, clean_snapshot, tmp_path):
    warehouse, log = tmp_path / "w.duckdb", tmp_path / "runs.log"
    marker = tmp_path / "paused"
    proc = start_run(
        messy_input,
        warehouse,
        log,
        NEWSCLAIMS_TEST_PAUSE_AT="spacy_after_first_batch",
        NEWSCLAIMS_TEST_PAUSE_MARKER=str(marker),
        NEWSCLAIMS_BATCH_SIZE="1",
    )
    wait_for(marker.exists, proc, log)
    kill9(proc)
    (batch,) = _staged(warehouse)
    (batch / "mentions.parquet").write_bytes(b"")  # left at 0 bytes
    finish(start_run(messy_input, warehouse, log), log)
    assert _without_rejections(snapshot(warehouse)) == _without_rejections(clean_snapshot)
    [(batch_id, reason, detail)] = query(warehouse, "select batch_id, reason, detail from raw.rejected_batches")
    assert (batch_id, reason) == (batch.name, "corrupt") and "mentions.parquet" in detail
    assert list((warehouse.parent / f"{warehouse.name}.batches" / ".rejected").iterdir())
    assert _staged(warehouse) == []


def test_a_batch_damaged_between_staging_and_loading_is_redone_in_the_same_run(messy_input, clean_snapshot, tmp_path):
    warehouse, log = tmp_path / "w.duckdb", tmp_path / "runs.log"
    marker = tmp_path / "paused"
    proc = start_run(
        messy_input,
        warehouse,
        log,
        NEWSCLAIMS_TEST_PAUSE_AT="load_start",
        NEWSCLAIMS_TEST_PAUSE_MARKER=str(marker),
        NEWSCLAIMS_TEST_PAUSE_SECONDS="6",
        NEWSCLAIMS_BATCH_SIZE="4",
    )
    wait_for(marker.exists, proc, log, timeout=300)
    batches = _staged(warehouse)
    assert len(batches) >= 2
    claims = batches[0] / "claims.parquet"
    claims.write_bytes(claims.read_bytes()[: claims.stat().st_size // 2])  # cut in half
    finish(proc, log)
    assert _without_rejections(snapshot(warehouse)) == _without_rejections(clean_snapshot)
    [(batch_id, detail)] = query(warehouse, "select batch_id, detail from raw.rejected_batches")
    assert batch_id == batches[0].name and "claims.parquet" in detail
