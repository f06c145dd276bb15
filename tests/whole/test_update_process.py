"""A one-article update leaves spaCy to the warm model's process (pipeline/nlp/warm.py): the run's own
process never imports it (importing it cost 0.3-0.8 s of every update), yet the article is processed
by the model and stamped with the version every other document carries. A new warehouse's run leaves
it to the fork server its workers are forked from (pipeline/nlp/preload.py), stopped once they are
done. And the command's process freezes its start-up heap (pipeline/collector.py): no longer walked
by full collections."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb

from tests.conftest import SEEDS

#: runs the CLI's `run` in this process and says which of its modules it imported
#: (as the `newsclaims` command does, holding the collector first) and how it collected garbage
PROBE = """
import gc, json, sys
from pipeline import collector
from pipeline.cli import run
from pipeline.settings import Settings
collector.hold()
full = gc.get_stats()[2]["collections"]
ok = run(Settings.from_env(input_dir=sys.argv[1], warehouse=sys.argv[2]))
from multiprocessing import forkserver
from dagster import AssetKey, DagsterInstance
claims = DagsterInstance.get().get_latest_materialization_event(AssetKey("fct_claims")).asset_materialization
print(json.dumps({"ok": ok, "spacy": sorted(m for m in sys.modules if m == "spacy" or m.startswith("spacy."))[:5],
                  "fork_server": forkserver._forkserver._forkserver_pid,
                  "dbt_built_here": "dbt.task.build" in sys.modules,
                  "charts_drawn_here": "matplotlib" in sys.modules,
                  "fct_claims_rows": claims.metadata["dagster/row_count"].value,
                  "collector": [gc.isenabled(), list(gc.get_threshold()), gc.get_freeze_count() > 100_000,
                                gc.get_stats()[2]["collections"] - full]}))
"""


def _ran(**where) -> dict:
    """What PROBE prints of a run that succeeded without spaCy in its own process and left no fork
    server behind, and where dbt built and the charts were drawn (`where`)."""
    return {"ok": True, "spacy": [], "fork_server": None, **where}


def test_a_one_article_update_imports_no_spacy_in_the_runs_own_process(built_warehouse, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, warehouse)
    folder = tmp_path / "input"
    shutil.copytree(built_warehouse.parent / "input", folder)
    (folder / "new.txt").write_text(
        "Talks to resume\nThe minister said on Monday that the talks with the unions would resume next week.\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder), str(warehouse)],
        capture_output=True,
        text=True,
        env={**env, "DAGSTER_HOME": str(tmp_path)},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    collected = probe.pop("collector")
    rows = probe.pop("fct_claims_rows")
    # and dbt's build ran in the process forked as the run began (pipeline/assets/dbt_ahead.py): this
    # one never imported dbt's build task, yet every mart's materialization has its row count
    # and the report's charts by the drawer the dbt step forked (pipeline/answers/drawer.py)
    assert probe == _ran(dbt_built_here=False, charts_drawn_here=False), probe
    # collecting again, less often, the start-up heap frozen: the default made 7 full collections here
    enabled, thresholds, frozen, full_collections = collected
    assert enabled and thresholds == [10_000, 10, 10] and frozen, collected
    assert full_collections <= 2, collected
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions = con.execute("select distinct extractor_version from raw.document_annotations").fetchall()
        claims = con.execute(
            "select count(*) from main.fct_claims c join main.dim_documents d using (document_id) where d.path = 'new.txt'"
        ).fetchone()[0]
        all_claims = con.execute("select count(*) from main.fct_claims").fetchone()[0]
    assert len(versions) == 1 and claims == 1, (versions, claims)
    assert rows == all_claims > 40, (rows, all_claims)


def test_a_new_warehouses_run_loads_its_model_in_the_fork_server_not_in_its_own_process(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(SEEDS), str(warehouse)],
        capture_output=True,
        text=True,
        env={**env, "DAGSTER_HOME": str(tmp_path), "NEWSCLAIMS_N_PROCESS": "2"},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    probe.pop("collector")
    rows = probe.pop("fct_claims_rows")
    # the workers were forked from the server, which is stopped once the NLP step is done; a new
    # warehouse's build runs here, the NLP's workers having kept the other core busy, and so do its
    # charts: a build of every mart forks no drawer (DRAWER_MAX_DOCUMENTS)
    assert probe == _ran(dbt_built_here=True, charts_drawn_here=True), probe
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute("select status, count(*) from raw.document_annotations group by 1").fetchall()
        claims = con.execute("select count(*) from main.fct_claims").fetchone()[0]
    assert statuses == [("processed", 3)] and claims >= 40 and rows == claims, (statuses, claims, rows)
