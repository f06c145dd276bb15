"""The staged batches live behind one location setting: a folder, a URL fsspec resolves to local files,
or an object store (an S3 API on 127.0.0.1, tests/s3server.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, materialize

from pipeline.assets.python_assets import annotation_batches, ingest_files, load_annotations
from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
from pipeline.settings import Settings, default_model
from pipeline.warehouse.batches import pending_batches
from pipeline.warehouse.schema import ANNOTATION_TABLES
from pipeline.warehouse.staging import UnsupportedStaging, resolve_staging


def test_settings_resolve_the_staging_location(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSCLAIMS_STAGING", raising=False)
    assert Settings.from_env(warehouse=Path("w.duckdb")).staging == f"{tmp_path}/w.duckdb.batches"
    monkeypatch.setenv("NEWSCLAIMS_STAGING", "shared/batches")
    assert Settings.from_env().staging == f"{tmp_path}/shared/batches"
    monkeypatch.setenv("NEWSCLAIMS_STAGING", "file:///mnt/shared/batches/")
    assert Settings.from_env().staging == "file:///mnt/shared/batches"


def test_a_file_url_is_a_local_folder_and_a_process_local_store_is_refused_with_the_reason(tmp_path):
    assert resolve_staging(tmp_path / "b") == tmp_path / "b"
    assert resolve_staging(f"file://{tmp_path}/b") == tmp_path / "b"
    with pytest.raises(UnsupportedStaging, match="MemoryFileSystem lives inside one process"):
        resolve_staging("memory://newsclaims/batches")


@pytest.mark.parametrize("store", ["file", "s3"])
def test_the_assets_stage_to_and_load_from_the_configured_location(seed_dir, tmp_path, store, request):
    warehouse = tmp_path / "w.duckdb"
    if store == "s3":
        s3 = request.getfixturevalue("s3")
        location = s3.bucket() + "/shared/batches"
    else:
        location = f"file://{tmp_path}/shared/batches"
    shared = resolve_staging(location)
    resources = {
        "warehouse": WarehouseResource(database=str(warehouse), staging_location=location),
        "input_folder": InputFolderResource(path=str(seed_dir)),
        "spacy_model": SpacyResource(model=default_model(), batch_size=2),
    }
    staged = materialize([ingest_files, annotation_batches], resources=resources)
    assert staged.success
    assert len(pending_batches(shared)) == 2  # three documents, batches of two
    assert not Path(f"{warehouse}.batches").exists()
    if store == "s3":
        assert len(s3.keys(location)) == 2 * (len(ANNOTATION_TABLES) + 1)  # per batch: its files and manifest
    loaded = materialize([load_annotations], resources=resources)
    assert loaded.success
    meta = {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in loaded.get_asset_materialization_events()
    }
    assert meta[AssetKey(["raw", "document_annotations"])]["batches_loaded"].value == 2
    assert pending_batches(shared) == []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from raw.document_annotations").fetchone()[0] == 3
        assert con.execute("select count(*) from raw.loaded_batches").fetchone()[0] == 2
    finally:
        con.close()


def test_a_bucket_that_cannot_be_written_fails_the_run_before_any_spacy_work(seed_dir, tmp_path, s3):
    missing = s3.bucket().replace("s3://nc-", "s3://nc-never-made-") + "/batches"
    resources = {
        "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb"), staging_location=missing),
        "input_folder": InputFolderResource(path=str(seed_dir)),
        "spacy_model": SpacyResource(model=default_model()),
    }
    result = materialize([ingest_files, annotation_batches], resources=resources, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "annotation_batches.plan_shards"  # before the shards' spaCy work
    error = failure.step_failure_data.error
    text = error.message + "".join(c.message for c in [error.cause] if c)
    assert f"NEWSCLAIMS_STAGING={missing}: cannot write there" in text and "bucket" in text
