"""dbt's unit tests run here, not in every run's build (dbt Labs: their inputs are fixed rows, so
production builds need not pay for them again); the run's own build leaves them out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.assets.dbt import DBT_PROJECT_DIR, dbt_project, run_target_path


def _unit_tests_in_manifest() -> set[str]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return set(manifest.get("unit_tests", {}))


def test_the_dbt_unit_tests_pass_on_their_fixed_rows(built_warehouse, tmp_path):
    expected = _unit_tests_in_manifest()
    assert expected, "the dbt project lost its unit tests"
    warehouse = tmp_path / "warehouse.duckdb"  # a copy: dbt opens it to learn the inputs' column types
    shutil.copy(built_warehouse, warehouse)
    target = tmp_path / "target"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "test", "--select", "test_type:unit", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "NEWSCLAIMS_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert {r["unique_id"] for r in results} == expected
    assert {r["status"] for r in results} == {"pass"}


def test_a_run_builds_the_marts_without_the_unit_tests(built_warehouse):
    results = json.loads((run_target_path(built_warehouse) / "run_results.json").read_text())["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test"} <= kinds
    assert "unit_test" not in kinds
