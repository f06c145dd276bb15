"""`newsclaims info --json`: what a run would use, resolved from the environment and the options."""

from __future__ import annotations

import json
from importlib import metadata

import spacy

from pipeline.cli import main
from pipeline.nlp.annotate import EXTRACTOR_VERSION
from pipeline.settings import Settings, cpu_count


def _info(capsys, *argv) -> dict:
    assert main(["info", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_info_reports_the_settings_a_run_resolves_and_the_versions(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("NEWSCLAIMS_BATCH_SIZE", "17")
    monkeypatch.delenv("NEWSCLAIMS_N_PROCESS", raising=False)
    monkeypatch.delenv("NEWSCLAIMS_STAGING", raising=False)
    monkeypatch.setenv("NEWSCLAIMS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSCLAIMS_DBT_MEMORY_LIMIT", "2GB")
    monkeypatch.setenv("NEWSCLAIMS_DUCKDB_MEMORY_LIMIT", "300MB")
    info = _info(capsys, "--input", str(tmp_path / "articles"))
    assert info["batch_size"] == 17
    assert info["n_process"] == cpu_count() == info["cpu_count"]  # every core by default
    assert info["warehouse"] == str(tmp_path / "w.duckdb")
    assert info["staging"] == str(tmp_path / "w.duckdb.batches")
    assert info["input_dir"] == str(tmp_path / "articles")
    assert info["cache_dir"] == str(tmp_path / "cache")
    assert info["dbt_memory_limit"] == "2GB"
    assert info["duckdb_memory_limit"] == "300MB"
    assert info["spacy_model"] == Settings.from_env().spacy_model
    versions = info["versions"]
    assert versions["spacy"] == spacy.__version__
    assert versions["duckdb"] == metadata.version("duckdb") and versions["dagster"] == metadata.version("dagster")
    assert versions["dbt-core"] == metadata.version("dbt-core") and versions["newsclaims"] == metadata.version(
        "newsclaims"
    )
    assert versions["extractor_version"].startswith(f"newsclaims-{EXTRACTOR_VERSION}+{info['spacy_model']}-")
    assert versions["python"].count(".") == 2


def test_options_override_the_environment_and_staging_can_be_a_url(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSCLAIMS_N_PROCESS", "3")
    monkeypatch.setenv("NEWSCLAIMS_STAGING", f"file://{tmp_path}/shared/batches/")
    info = _info(capsys, "--n-process", "1", "--batch-size", "5", "--warehouse", str(tmp_path / "x.duckdb"))
    assert (info["n_process"], info["batch_size"]) == (1, 5)
    assert info["staging"] == f"file://{tmp_path}/shared/batches"


def test_a_malformed_variable_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("NEWSCLAIMS_N_PROCESS", "many")
    assert main(["info", "--json"]) == 2
    assert "NEWSCLAIMS_N_PROCESS must be a whole number" in capsys.readouterr().err
