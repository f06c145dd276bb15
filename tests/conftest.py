"""Shared fixtures: the real spaCy model, the seed articles, and one full pipeline run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_DATA = Path(os.environ.get("NEWSCLAIMS_SHARED_DATA", ROOT.parent / "shared" / "data"))
# nlp.pipe defaults to every core; the suite's runs stay in one process each (two pytest workers share
# the cores already). tests/unit/test_annotate_faults.py runs n_process=2 for real.
os.environ.setdefault("NEWSCLAIMS_N_PROCESS", "1")
# ... and a pytest worker runs the job dozens of times: it keeps the model loaded between runs rather
# than loading it again for each (tests/robustness/test_incremental.py checks the default, unloading)
os.environ.setdefault("NEWSCLAIMS_KEEP_MODEL", "1")

# under CI=true a browser, quality or shared-data test that would skip fails instead
pytest_plugins = ["tests.strict_skips", "tests.s3server"]


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp.model import load_model
    from pipeline.settings import default_model

    return load_model(default_model())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (it lives in ../shared/data beside the clone)")
    return SHARED_DATA


@pytest.fixture
def seed_dir(tmp_path) -> Path:
    """A private copy of seeds/ the test may change."""
    target = tmp_path / "input"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """The whole Definitions (ingest → spaCy → load → dbt build) run once on the seeds, via the CLI's path."""
    from pipeline.cli import run
    from pipeline.settings import Settings

    base = tmp_path_factory.mktemp("built")
    warehouse = base / "warehouse.duckdb"
    input_dir = base / "input"
    shutil.copytree(SEEDS, input_dir)
    assert run(Settings.from_env(input_dir=input_dir, warehouse=warehouse)), "the pipeline run failed"
    return warehouse


@pytest.fixture
def query(built_warehouse):
    import duckdb

    def _query(sql: str, params=None):
        con = duckdb.connect(str(built_warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return _query
