"""The job as the UI runs it: every materialisation reports a row count, dbt tests run as checks."""

from __future__ import annotations

from dagster import AssetKey

from pipeline.definitions import build_definitions
from pipeline.settings import Settings, report_path_for


def test_job_reports_row_counts_and_check_results(seed_dir, tmp_path):
    from pipeline.assets.dbt import dbt_project, run_target_path

    warehouse = tmp_path / "w.duckdb"
    (seed_dir / "empty.txt").write_text("  \n")  # one file rejected, to be counted
    defs = build_definitions(Settings.from_env(input_dir=seed_dir, warehouse=warehouse))
    result = defs.resolve_job_def("newsclaims_job").execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    )
    assert result.success
    meta = {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }

    def rows(key):
        m = meta[key]
        return (m.get("dagster/row_count") or m.get("row_count")).value

    assert rows(AssetKey("fct_claims")) == rows(AssetKey(["raw", "claims"])) > 30
    assert rows(AssetKey("dim_sources")) == 1
    assert rows(AssetKey(["raw", "documents"])) == 3
    # what each Python step did this run, beside the table's row count
    ingest = meta[AssetKey(["raw", "documents"])]
    assert (
        ingest["this_run_files"].value,
        ingest["this_run_new_documents"].value,
        ingest["this_run_rejected"].value,
    ) == (4, 3, 1)
    assert ingest["this_run_rejected_by_reason"].value == {"empty": 1}
    nlp = meta[AssetKey("annotation_batches")]
    assert (nlp["documents_processed"].value, nlp["documents_failed"].value, nlp["documents_already_staged"].value) == (
        3,
        0,
        0,
    )
    assert nlp["batches_staged"].value == 1 and nlp["documents_per_second"].value > 0
    claims = meta[AssetKey(["raw", "claims"])]
    assert claims["this_run_rows_written"].value == rows(AssetKey(["raw", "claims"]))
    assert (claims["batches_loaded"].value, claims["documents_loaded"].value) == (1, 3)
    assert meta[AssetKey(["raw", "sentences"])]["this_run_rows_written"].value > 3
    links = meta[AssetKey(["raw", "entity_links"])]
    # a first run resolves every document: every link row is written this run
    assert links["this_run_rows_written"].value == links["row_count"].value > 10
    assert links["this_run_documents_resolved"].value == 3 and links["entity_count"].value > 10
    # what the search index and the report did this run
    search = meta[AssetKey(["search", "index"])]
    assert search["claims_indexed"].value == rows(AssetKey("fct_claims")) and search["documents_indexed"].value == 3
    assert search["this_run_rebuilt"].value is True
    report = meta[AssetKey("report")]
    assert report["report"].value == str(report_path_for(warehouse.resolve())) and report_path_for(warehouse).is_file()
    assert report["report_url"].value == report_path_for(warehouse.resolve()).as_uri()
    assert "| Alexander Lukashenko |" in report["top_speakers"].value
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(checks) >= 40
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    # dbt wrote into the warehouse's own target folder, not a new folder per invocation
    assert (run_target_path(warehouse) / "run_results.json").exists()
    # ... and nothing else of dbt's artifacts: the manifest is the project's (`dbt parse`), not rewritten per build
    assert not (run_target_path(warehouse) / "manifest.json").exists()
    assert run_target_path(warehouse).parent == dbt_project.project_dir / dbt_project.target_path
    # dbt started from the project as `dbt parse` left it: a first run on a new warehouse (whose path
    # is part of dbt's own partial-parse check) does not parse the project again
    dbt_log = (run_target_path(warehouse) / "dbt.log").read_text()
    assert "Found " in dbt_log  # the log is the run's
    assert "partial pars" not in dbt_log.lower(), dbt_log[:2000]


def test_the_parsed_project_is_moved_to_the_warehouse_catalog(tmp_path):
    """DuckDB names a file's catalog after the file's first dotted part: every table dbt builds
    and every source it reads must name that catalog, whatever the parse was made for."""
    from pipeline.assets.dbt import parsed_manifest

    manifest = parsed_manifest(str(tmp_path / ".my.store.duckdb"))
    assert manifest is not None
    nodes = [*manifest.nodes.values(), *manifest.sources.values()]
    assert len(nodes) > 100 and {n.database for n in nodes} == {"my"}
    assert {n.relation_name.split(".")[0] for n in nodes if n.relation_name} == {'"my"'}
    assert parsed_manifest(None) is None
