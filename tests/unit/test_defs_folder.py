"""Dagster's `dg` project layout: pipeline/defs/ autoloaded, one thin file per concern.

The defs folder must hold every asset, check, job, schedule, sensor and resource the code defines
(gathered here straight from the modules that define them, as pipeline/definitions.py listed them
before the folder existed), each exactly once; `dg list defs` must see the same code location that
workspace.yaml loads; and build_definitions binds the resources and sensor to the settings given.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import build_sensor_context, load_asset_checks_from_modules, load_assets_from_modules

from pipeline.settings import PROJECT_ROOT, Settings

DEFS_DIR = PROJECT_ROOT / "pipeline" / "defs"
CONCERNS = {"ingest", "nlp", "warehouse", "dbt", "search", "report", "orchestration", "resources"}


def _summary(defs) -> dict:
    graph = defs.resolve_asset_graph()
    return {
        "assets": sorted("/".join(k.path) for k in graph.get_all_asset_keys()),
        "checks": sorted(f"{'/'.join(k.asset_key.path)}:{k.name}" for k in graph.asset_check_keys),
        "jobs": sorted(j.name for j in defs.jobs or []),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
        "resources": sorted(defs.resources or {}),
    }


@pytest.fixture(scope="module")
def definitions():
    from pipeline.definitions import defs

    return defs


def test_one_file_per_concern_and_each_only_imports_what_it_exposes():
    assert {p.stem for p in DEFS_DIR.glob("*.py")} - {"__init__"} == CONCERNS
    for path in DEFS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        # thin: no asset or check bodies here, only imports and the Definitions that gather them
        bodies = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name != "defs"]
        assert not bodies, f"{path.name} defines {bodies}: define it under pipeline/ and expose it here"


def test_the_defs_folder_holds_everything_the_code_defines(definitions):
    from pipeline.assets import checks, python_assets, report, search, syndication
    from pipeline.assets.dbt import dbt_models
    from pipeline.orchestration import daily_schedule, newsclaims_job
    from pipeline.resources import resources_for
    from pipeline.scaleout import SCALEOUT_JOB

    assets = [*load_assets_from_modules([python_assets, syndication]), dbt_models, search.search_index, report.report]
    keys = sorted("/".join(k.path) for a in assets for k in a.keys)
    check_keys = sorted(
        f"{'/'.join(k.asset_key.path)}:{k.name}"
        for c in [*load_asset_checks_from_modules([checks]), dbt_models]
        for k in c.check_keys
    )
    got = _summary(definitions)
    assert got["assets"] == keys
    assert got["checks"] == check_keys
    assert got["jobs"] == sorted([newsclaims_job.name, SCALEOUT_JOB]) and got["schedules"] == [daily_schedule.name]
    assert got["sensors"] == ["input_folder_sensor"]
    assert got["resources"] == sorted([*resources_for(Settings.from_env()), "dbt"])


def test_build_definitions_binds_resources_and_sensor_to_its_settings(tmp_path):
    from pipeline.definitions import build_definitions

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("An article.")
    settings = Settings.from_env(input_dir=tmp_path / "in", warehouse=tmp_path / "w.duckdb", batch_size=5)
    defs = build_definitions(settings)
    assert Path(defs.resources["warehouse"].database) == tmp_path / "w.duckdb"
    assert defs.resources["spacy_model"].batch_size == 5
    assert defs.resources["input_folder"].path == str(tmp_path / "in")
    # the sensor watches the bound folder, not the environment's
    (sensor,) = defs.sensors
    assert sensor(build_sensor_context(cursor=None)).run_key
    # and the environment's settings are back for whoever loads next
    assert build_definitions(Settings.from_env()).resources["warehouse"].database != str(tmp_path / "w.duckdb")


@pytest.mark.slow
def test_dg_lists_the_same_code_location(definitions):
    env = {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent), "NO_COLOR": "1"}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "list", "defs", "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    want = _summary(definitions)
    assert sorted(a["asset_key"] for a in listed["assets"]) == want["assets"]
    assert sorted(c["key"] for c in listed["asset_checks"]) == want["checks"]
    for section in ("jobs", "schedules", "sensors", "resources"):
        assert sorted(x["name"] for x in listed[section]) == want[section], section
