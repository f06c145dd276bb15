"""Two `newsclaims run` subprocesses started at once on one warehouse: both succeed (one waits for
the lock at each short writing step) and the result is that of one clean run. A DuckDB shell
holding the file gets a plain message, not a stack trace."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.robustness.conftest import BIN, NEWSCLAIMS, finish, run_env, snapshot, staging_leftovers, start_run

pytestmark = pytest.mark.slow


def test_two_runs_started_at_once_both_succeed_and_equal_one_clean_run(messy_input, clean_snapshot, tmp_path):
    warehouse = tmp_path / "shared.duckdb"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_run(messy_input, warehouse, log) for log in logs]
    for proc, log in zip(procs, logs, strict=True):
        finish(proc, log)
    assert snapshot(warehouse) == clean_snapshot
    assert staging_leftovers(warehouse) == []


def test_a_duckdb_shell_holding_the_warehouse_gets_a_clear_message(tmp_path):
    warehouse = tmp_path / "held.duckdb"
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text("Ryzhenkov said that the conference will take place in November.")
    shell = subprocess.Popen(
        [str(BIN / "duckdb"), str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not warehouse.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shell.stdin.write(b"create table hold as select 1;\n")
        shell.stdin.flush()
        time.sleep(0.5)
        out = subprocess.run(
            [NEWSCLAIMS, "run", "--input", str(inp), "--warehouse", str(warehouse)],
            capture_output=True,
            text=True,
            env=run_env(NEWSCLAIMS_LOCK_TIMEOUT="2"),
            timeout=120,
        )
    finally:
        shell.stdin.close()
        shell.wait(timeout=20)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    # names the holder (the venv's `duckdb` is a launcher: the PID is its child's)
    assert "is open in another program (PID " in out.stderr and "duckdb" in out.stderr, out.stderr
    assert "quit the DuckDB shell" in out.stderr
