"""`dbt docs generate` on a built warehouse, offline: every model and every column the marts really
have (the catalog, read from the DuckDB file) is described, and the page loads no usage tracker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.assets.dbt import DBT_PROJECT_DIR
from pipeline.warehouse import store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs(built_warehouse, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("dbt-docs")
    env = {**os.environ, "NEWSCLAIMS_WAREHOUSE": str(built_warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    with store.warehouse_lock(built_warehouse, 120):
        out = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--static", "--target-path", str(target)],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return target


def test_every_mart_column_in_the_warehouse_is_described(docs):
    manifest = json.loads((docs / "manifest.json").read_text())
    catalog = json.loads((docs / "catalog.json").read_text())
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    undescribed_models = sorted(n["name"] for n in models.values() if not n["description"].strip())
    assert not undescribed_models, f"models without a description: {undescribed_models}"
    marts = {uid for uid, n in models.items() if n["fqn"][1] == "marts"}
    assert marts <= set(catalog["nodes"]), f"marts missing from the catalog: {sorted(marts - set(catalog['nodes']))}"
    missing = []
    for uid in marts:
        described = {c.lower(): (spec.get("description") or "").strip() for c, spec in models[uid]["columns"].items()}
        for column in catalog["nodes"][uid]["columns"]:
            if not described.get(column.lower()):
                missing.append(f"{models[uid]['name']}.{column}")
    assert not missing, f"mart columns without a description: {sorted(missing)}"
    # the catalog is the warehouse's own: its columns of a mart are the ones the YAML declares
    claims = next(uid for uid in marts if models[uid]["name"] == "fct_claims")
    assert {c.lower() for c in catalog["nodes"][claims]["columns"]} == set(models[claims]["columns"])


def test_the_docs_page_is_one_file_that_loads_no_tracker(docs):
    page = (docs / "static_index.html").read_text()
    manifest = json.loads((docs / "manifest.json").read_text())
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    # the page embeds the manifest it was made from, so its tracker (Snowplow, fetched from a CDN) stays off
    assert '"send_anonymous_usage_stats": false' in page or '"send_anonymous_usage_stats":false' in page
    assert "fct_claims" in page
