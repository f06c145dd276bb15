"""`newsclaims watch` for real: the command in its own process on a copy of the seeds, a new article
dropped into the folder, the real job run again in the same process, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

import pytest

pytestmark = pytest.mark.slow

NEW_ARTICLE = """Harbour bridge to reopen in May, mayor says

The harbour bridge will reopen to traffic in May, Mayor Elena Varga said on Monday.
"The repairs are ahead of schedule and the bridge is safe," Varga told reporters at the city hall.
"""


def _wait_for(proc: subprocess.Popen, lines: list[str], text: str, timeout: float) -> str:
    """Read the watcher's output until a line contains `text`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return line
    raise AssertionError(f"no {text!r} from newsclaims watch in {timeout} s; it said:\n{''.join(lines)}")


def test_watch_runs_at_start_then_picks_up_a_new_article_and_stops_on_sigterm(seed_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "NEWSCLAIMS_INPUT_DIR": "", "NEWSCLAIMS_WAREHOUSE": "", "DAGSTER_HOME": ""}
    cmd = [sys.executable, "-m", "pipeline.cli", "watch", "--input", str(seed_dir), "--warehouse", str(warehouse)]
    proc = subprocess.Popen(
        [*cmd, "--interval", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        first = _wait_for(proc, lines, "run 1 ", 300)
        assert "run 1 (start: 3 files): ok" in first and "documents 3 ·" in first, first
        _wait_for(proc, lines, "watching ", 60)

        # idle, it holds no connection: another program can open the warehouse for writing
        con = duckdb.connect(str(warehouse))
        assert con.execute("select count(*) from dim_documents").fetchone()[0] == 3
        con.close()

        (seed_dir / "harbour_bridge.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        second = _wait_for(proc, lines, "run 2 ", 300)
        assert "run 2 (1 added, 0 changed, 0 removed): ok" in second and "documents 4 ·" in second, second

        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, err
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        claims = con.execute(
            """select c.speaker_name, c.content_text from fct_claims c join dim_documents d using (document_id)
               where d.path = 'harbour_bridge.txt' order by c.content_start_char"""
        ).fetchall()
        documents = con.execute("select count(*) from dim_documents").fetchone()[0]
    finally:
        con.close()
    assert documents == 4
    assert any("repairs are ahead of schedule" in content for _, content in claims), claims
    assert any(speaker and "Varga" in speaker for speaker, _ in claims), claims
