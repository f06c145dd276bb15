"""`dbt build` in the process forked as an update starts (pipeline/assets/dbt_ahead.py): the build
dagster-dbt starts goes there, its lines and row counts come back as they come, the warehouse is
free once it is done; a process that died first leaves the build to this one, and one that dies
during the build fails it with a reason."""

from __future__ import annotations

import os
import shutil
import signal

import duckdb
import pytest

from pipeline.assets import dbt_ahead
from pipeline.assets.dbt import DBT_PROJECT_DIR
from pipeline.assets.dbt_inprocess import InProcessDbt, _start


@pytest.fixture
def warehouse(built_warehouse, tmp_path):
    copy = tmp_path / "update.duckdb"
    shutil.copy(built_warehouse, copy)
    yield copy
    dbt_ahead.end()


def _env(warehouse) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(warehouse.parent / "target"),
        "NEWSCLAIMS_WAREHOUSE": str(warehouse),
    }


def _build(warehouse):
    args = ["dbt", "build", "--project-dir", str(DBT_PROJECT_DIR), "--select", "dim_sources", "fct_claims"]
    return _start(args, env=_env(warehouse), cwd=str(DBT_PROJECT_DIR))


def test_the_build_runs_in_the_process_forked_ahead_and_reports_row_counts(warehouse):
    dbt_ahead.start(warehouse)
    dbt_ahead.prepare()
    build = _build(warehouse)
    assert isinstance(build, dbt_ahead.AheadBuild) and build.pid != os.getpid()
    assert not dbt_ahead.waiting(warehouse)  # one build per forked process
    assert build.wait(timeout=300) == 0
    lines = b"".join(build.stdout)
    assert lines.count(b'"name": "LogModelResult"') == 2 and b"LogTestResult" in lines
    with duckdb.connect(str(warehouse)) as con:  # dbt let the file go: it opens for writing
        claims, sources = (
            con.execute(f"select count(*) from main.{t}").fetchone()[0] for t in ("fct_claims", "dim_sources")
        )
    assert build.row_counts == {"model.newsclaims.fct_claims": claims, "model.newsclaims.dim_sources": sources}
    assert claims > 40 and sources == 1
    assert (warehouse.parent / "target" / "run_results.json").exists()


def test_a_process_that_died_before_its_build_leaves_the_build_to_this_one(warehouse):
    dbt_ahead.start(warehouse)
    ahead = dbt_ahead._AHEAD[str(warehouse.resolve())]
    os.kill(ahead.process.pid, signal.SIGKILL)
    ahead.process.join(10)
    build = _build(warehouse)
    assert isinstance(build, InProcessDbt) and build.wait(timeout=300) == 0


def test_a_process_that_dies_during_its_build_fails_it_with_a_reason(warehouse):
    dbt_ahead.start(warehouse)
    build = _build(warehouse)
    assert isinstance(build, dbt_ahead.AheadBuild)
    os.kill(build.pid, signal.SIGKILL)
    assert build.wait(timeout=60) == 2
    assert b"dbt's process ended before its build did (exit code -9)" in b"".join(build.stdout)


def test_the_parse_read_without_dagster_is_the_one_dagster_dbt_reads():
    from pipeline.assets import dbt_parse
    from pipeline.assets.dbt import dbt_project

    assert dbt_parse.MANIFEST_PATH == dbt_project.manifest_path
    assert dbt_parse.PARSED_PROJECT.parent == dbt_project.project_dir / dbt_project.target_path
