"""The dbt span test can fail: a span moved by one character, or missing an offset, fails the build (on
the documents the build redoes, as listed in raw.document_changes); and dbt builds under the memory
limit the settings give it."""

from __future__ import annotations

import shutil

import duckdb

from pipeline.definitions import build_definitions
from pipeline.settings import Settings
from pipeline.warehouse import changes


def _run_on_copy(built_warehouse, tmp_path, writes: list[str], changed_sql: str | None, dbt_only: bool, **settings):
    """A run of the whole job (or of its dbt assets alone) on a copy of the built warehouse after
    `writes` to its raw tables, with these settings. A write to raw tables outside newsclaims' steps
    lists its documents (`changed_sql`), as theirs do, so the marts keyed by document redo and check
    their rows."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        for sql in writes:
            con.execute(sql)
        if changed_sql is not None:
            changes.mark(con, changed_sql)
    finally:
        con.close()
    defs = build_definitions(
        Settings.from_env(input_dir=built_warehouse.parent / "input", warehouse=warehouse, **settings)
    )
    selection = None
    if dbt_only:
        from pipeline.assets.dbt import dbt_models

        selection = list(dbt_models.keys)
    return defs.resolve_job_def("newsclaims_job").execute_in_process(
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        asset_selection=selection,
    )


def _failed_checks(built_warehouse, tmp_path, writes: list[str], changed_sql: str, dbt_only: bool = False) -> set[str]:
    """The names of the asset checks that fail in `_run_on_copy`."""
    result = _run_on_copy(built_warehouse, tmp_path, writes, changed_sql, dbt_only)
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return {c.check_name for c in checks if not c.passed}


def test_a_wrong_or_missing_offset_fails_its_span_test(built_warehouse, tmp_path):
    failed = _failed_checks(
        built_warehouse,
        tmp_path,
        [
            "update raw.claims set content_start_char = content_start_char + 1 "
            "where claim_id = (select min(claim_id) from raw.claims)",
            "update raw.mentions set end_char = null where mention_id = (select min(mention_id) from raw.mentions)",
        ],
        """select document_id from raw.claims where claim_id = (select min(claim_id) from raw.claims)
           union all select document_id from raw.mentions where end_char is null""",
    )
    assert sorted(failed) == [
        "span_matches_text_fct_claims_content_text__content_end_char__content_start_char",
        "span_matches_text_fct_mentions_text__end_char__start_char",
    ], failed


def test_a_duplicate_key_in_a_changed_document_fails_its_unique_tests(built_warehouse, tmp_path):
    """The unique tests on keys made from the document id check only the documents the build redoes
    (`where: changed documents`): a duplicated mention in a listed document still fails its test.
    In the whole job the raw tables' blocking check (pipeline/assets/checks.py) fails first, and
    nothing downstream is built from the duplicate; dbt's own tests, run by themselves, fail too."""
    first = "(select min(mention_id) from raw.mentions)"
    writes = [f"insert into raw.mentions select * from raw.mentions where mention_id = {first}"]
    listed = f"select document_id from raw.mentions where mention_id = {first}"
    (tmp_path / "job").mkdir()
    assert _failed_checks(built_warehouse, tmp_path / "job", writes, listed) == {"no_duplicate_or_orphaned_rows"}
    (tmp_path / "dbt").mkdir()
    failed = _failed_checks(built_warehouse, tmp_path / "dbt", writes, listed, dbt_only=True)
    assert "unique_stg_mentions_mention_id" in failed, failed


def test_dbt_builds_under_the_memory_limit_setting(built_warehouse, tmp_path, monkeypatch):
    """NEWSCLAIMS_DBT_MEMORY_LIMIT reaches DuckDB in dbt's build: under 1MB the whole rebuild of the
    marts stops with DuckDB's out-of-memory error (a limit that never arrived would build them)."""
    # the dbt asset hands the limit to dbt's profile in this process's environment: put back after
    monkeypatch.setenv("NEWSCLAIMS_DBT_MEMORY_LIMIT", Settings.dbt_memory_limit)
    # another project built the marts: the dbt assets rebuild them whole
    rebuild = [f"update raw.mart_state set value = 'another project' where name = '{changes.PROJECT_STATE}'"]
    result = _run_on_copy(built_warehouse, tmp_path, rebuild, None, dbt_only=True, dbt_memory_limit="1MB")
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures and "memory" in str(failures[0].event_specific_data.error).lower(), failures
