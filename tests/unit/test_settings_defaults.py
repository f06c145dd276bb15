"""Defaults live in `Settings` only: the environment reads over them, the resources, the dbt profile
and the README agree with them, and no module under pipeline/ writes one of them out again."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
from pipeline.settings import ENVIRONMENT, PROJECT_ROOT, Settings, cpu_count

README = PROJECT_ROOT / "README.md"
PROFILES = PROJECT_ROOT / "dbt_project" / "profiles.yml"


def _clear(monkeypatch):
    for variable, _ in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def test_every_setting_has_one_variable_and_unset_or_blank_means_the_default(monkeypatch, tmp_path):
    assert set(ENVIRONMENT) == {f.name for f in dataclasses.fields(Settings)}
    _clear(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSCLAIMS_BATCH_SIZE", "  ")
    s = Settings.from_env()
    assert s.batch_size == Settings.batch_size and s.lock_timeout == Settings.lock_timeout
    assert s.warehouse == tmp_path / Settings.warehouse and s.input_dir == tmp_path / Settings.input_dir


def test_variables_then_overrides_win(monkeypatch, tmp_path):
    _clear(monkeypatch)
    monkeypatch.setenv("NEWSCLAIMS_BATCH_SIZE", "7")
    monkeypatch.setenv("NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE", "0.5")
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    s = Settings.from_env(n_process=3, batch_size=None)
    assert (s.batch_size, s.n_process, s.language_min_confidence) == (7, 3, 0.5)
    assert s.warehouse == tmp_path / "w.duckdb"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("NEWSCLAIMS_BATCH_SIZE", "many", "must be a whole number"),
        ("NEWSCLAIMS_LOCK_TIMEOUT", "0", "must be at least 1"),
        ("NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE", "1.5", "must be between 0 and 1"),
        ("NEWSCLAIMS_DBT_MEMORY_LIMIT", "lots", "must be a size such as 500MB"),
        ("NEWSCLAIMS_DUCKDB_MEMORY_LIMIT", "256", "must be a size such as 500MB"),
    ],
)
def test_a_malformed_variable_is_named_in_the_error(monkeypatch, variable, value, message):
    _clear(monkeypatch)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=f"{variable} {message}"):
        Settings.from_env()


def test_the_readme_table_states_the_settings_defaults():
    table = dict(re.findall(r"^\| `(NEWSCLAIMS_\w+)` \| ([^|]+) \|", README.read_text(), re.M))
    assert set(table) == {variable for variable, _ in ENVIRONMENT.values()}
    for name, (variable, read) in ENVIRONMENT.items():
        field = next(f for f in dataclasses.fields(Settings) if f.name == name)
        if field.default is dataclasses.MISSING:  # computed: the first installed model, the CPU count
            assert field.default_factory() is not None
            continue
        if field.default is None:  # derived from another setting, described in words
            continue
        assert read(variable, table[variable].strip("`")) == field.default, variable


def test_resources_and_the_dbt_profile_take_the_same_defaults():
    assert WarehouseResource.model_fields["lock_timeout"].default == Settings.lock_timeout
    assert InputFolderResource.model_fields["max_file_bytes"].default == Settings.max_file_bytes
    assert SpacyResource.model_fields["batch_size"].default == Settings.batch_size
    assert SpacyResource.model_fields["n_process"].default_factory is cpu_count
    assert next(f for f in dataclasses.fields(Settings) if f.name == "n_process").default_factory is cpu_count
    # dbt cannot import Settings: its profile's fallback, relative to dbt_project/, must name the same file
    (fallback,) = re.findall(r"env_var\('NEWSCLAIMS_WAREHOUSE', '([^']+)'\)", PROFILES.read_text())
    assert (PROFILES.parent / fallback).resolve() == PROJECT_ROOT / Settings.warehouse
    assert WarehouseResource.model_fields["dbt_memory_limit"].default == Settings.dbt_memory_limit
    assert WarehouseResource.model_fields["duckdb_memory_limit"].default == Settings.duckdb_memory_limit
    (limit,) = re.findall(r"env_var\('NEWSCLAIMS_DBT_MEMORY_LIMIT', '([^']+)'\)", PROFILES.read_text())
    assert limit == Settings.dbt_memory_limit


#: How each default would look if a module wrote it out again.
REPEATED_DEFAULT = {
    "batch_size": r"batch_size\s*(?::\s*int\s*)?=\s*32\b",
    "n_process": r"n_process\s*(?::\s*int\s*)?=\s*1\b",
    "lock_timeout": r"lock_timeout\s*(?::\s*\w+\s*)?=\s*600\b|default=600\b",
    "max_file_bytes": r"5_?000_?000\b",
    "language": r"(?:MIN_CHARS|min_chars)\s*(?::\s*int\s*)?=\s*200\b"
    r"|(?:CONFIDENCE|confidence)\w*\s*(?::\s*\w+\s*)?=\s*0\.90?\b",
    "warehouse": r"[\"']warehouse\.duckdb[\"']",
    "input_dir": r"Path\([\"']seeds[\"']\)|or [\"']seeds[\"']",
}


def test_no_module_repeats_a_default():
    found = []
    for path in sorted((PROJECT_ROOT / "pipeline").rglob("*.py")):
        if path.name == "settings.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for name, pattern in REPEATED_DEFAULT.items():
                if re.search(pattern, line):
                    found.append(
                        f"{Path(path).relative_to(PROJECT_ROOT)}:{number} repeats the {name} default: {line.strip()}"
                    )
    assert not found, "\n".join(found)


def test_the_run_steps_connections_are_under_the_duckdb_memory_limit(monkeypatch, tmp_path):
    """NEWSCLAIMS_DUCKDB_MEMORY_LIMIT reaches DuckDB on every connection the warehouse resource opens
    for a step (DuckDB's own default would be 80 % of the RAM); unset, the default does."""
    from pipeline.resources import resources_for

    def limit_of(settings: Settings) -> str:
        with resources_for(settings)["warehouse"].get_connection() as con:
            return con.execute("select current_setting('memory_limit')").fetchone()[0]

    _clear(monkeypatch)
    monkeypatch.setenv("NEWSCLAIMS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert limit_of(Settings.from_env()) == "244.1 MiB"  # 256MB, as DuckDB prints it
    monkeypatch.setenv("NEWSCLAIMS_DUCKDB_MEMORY_LIMIT", "64MB")
    assert limit_of(Settings.from_env()) == "61.0 MiB"
