"""dbt run in this process (pipeline/assets/dbt_inprocess.py): a reader that stops part way does not
leave the build blocked, holding the lock the next dbt command waits for."""

from __future__ import annotations

import os

from pipeline.assets.dbt import DBT_PROJECT_DIR
from pipeline.assets.dbt_inprocess import InProcessDbt


def _ls(tmp_path) -> InProcessDbt:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "NEWSCLAIMS_WAREHOUSE": str(tmp_path / "w.duckdb"),
    }
    return InProcessDbt(["dbt", "ls", "--output", "json", "--project-dir", str(DBT_PROJECT_DIR)], env=env)


def test_a_command_nobody_reads_still_finishes_and_the_next_one_runs(tmp_path):
    """`dbt ls --output json` prints well over a pipe's 64 kB: the lines wait in memory instead."""
    unread = _ls(tmp_path)
    assert unread.wait(timeout=300) == 0  # finished with not one line read
    lines = list(unread.stdout)
    assert len(lines) > 100 and sum(map(len, lines)) > 65536
    unread.stdout.close()  # a reader that gives up part way
    after = _ls(tmp_path)
    assert after.wait(timeout=300) == 0
    with after.stdout as out:
        assert sum(1 for _ in out) > 100
