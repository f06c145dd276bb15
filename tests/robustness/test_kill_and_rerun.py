"""`kill -9` of a real `newsclaims run` at several moments, then one more run: exactly the result of
one clean run (every table, every id), nothing staged left behind, no duplicate rows."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.robustness.conftest import alive, finish, kill9, snapshot, staging_leftovers, start_run, wait_for

pytestmark = pytest.mark.slow


def _count(warehouse: Path, sql: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _kill_at(point: str, messy_input: Path, warehouse: Path, log: Path) -> None:
    """Start a run that pauses at a kill point, wait until it is there, SIGKILL it."""
    marker = warehouse.parent / f"paused-{point}"
    proc = start_run(
        messy_input,
        warehouse,
        log,
        NEWSCLAIMS_TEST_PAUSE_AT=point,
        NEWSCLAIMS_TEST_PAUSE_MARKER=str(marker),
        NEWSCLAIMS_BATCH_SIZE="1",
    )
    wait_for(marker.exists, proc, log)
    kill9(proc)


def test_killed_at_every_stage_then_rerun_equals_one_clean_run(messy_input, clean_snapshot, tmp_path):
    warehouse = tmp_path / "killed.duckdb"
    log = tmp_path / "runs.log"

    # 1. inside the ingest transaction: nothing of it is visible afterwards
    _kill_at("ingest_before_commit", messy_input, warehouse, log)
    assert _count(warehouse, "select count(*) from raw.documents") == 0

    # 2. during spaCy, one batch staged and more to come: staged, not loaded
    _kill_at("spacy_after_first_batch", messy_input, warehouse, log)
    assert [n for n in staging_leftovers(warehouse) if n.startswith("b-")], staging_leftovers(warehouse)
    assert _count(warehouse, "select count(*) from raw.document_annotations") == 0

    # 3. inside a batch's load transaction: rolled back, the batch still staged
    _kill_at("load_before_commit", messy_input, warehouse, log)
    assert _count(warehouse, "select count(*) from raw.document_annotations") == 0
    assert _count(warehouse, "select count(*) from raw.claims") == 0

    # 4. during dbt build (dbt runs in the run's own process and dies with it), one node done
    _kill_at("dbt_during_build", messy_input, warehouse, log)

    # 5. one more run, undisturbed
    finish(start_run(messy_input, warehouse, log), log)
    assert snapshot(warehouse) == clean_snapshot
    assert staging_leftovers(warehouse) == []
    assert _count(warehouse, "select count(*) - count(distinct document_id) from raw.document_annotations") == 0
    assert _count(warehouse, "select count(*) - count(distinct claim_id) from raw.claims") == 0


def test_a_new_run_waits_for_the_orphaned_dbt_of_a_killed_run(tmp_path, capsys):
    """The dbt child of a killed run outlives it (and the lock): a new run waits for it to finish."""
    import os
    import subprocess
    import sys

    from pipeline.warehouse.store import orphaned_dbt, preflight

    warehouse = tmp_path / "w.duckdb"
    fake = tmp_path / "bin" / "dbt"
    fake.parent.mkdir()
    fake.write_text("import time\ntime.sleep(2.0)\n")
    env = {**os.environ, "NEWSCLAIMS_WAREHOUSE": str(warehouse)}
    # its parent exits at once, as a SIGKILLed run would: the "dbt" is reparented
    subprocess.run(["sh", "-c", f'"{sys.executable}" "{fake}" >/dev/null 2>&1 &'], env=env, check=True)
    deadline = time.monotonic() + 10
    while not orphaned_dbt(warehouse) and time.monotonic() < deadline:
        time.sleep(0.05)
    [pid] = orphaned_dbt(warehouse)
    started = time.monotonic()
    preflight(warehouse, lock_timeout=30)
    assert not alive(pid) and time.monotonic() - started > 0.5
    assert f"waiting for dbt (PID {pid})" in capsys.readouterr().err
