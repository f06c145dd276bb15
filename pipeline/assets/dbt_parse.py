"""The dbt project's files and the parse `dbt parse` left of it, read without Dagster.

What a process that runs `dbt build` needs before it starts: where the project is, whether its parse
is still the project's, and that parse for one warehouse. `assets/dbt.py` (the Dagster assets) and
the process that builds ahead of a run (`assets/dbt_ahead.py`, forked before Dagster is imported)
both read it from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
#: dbt's target folder (DbtProject's default, which assets/dbt.py uses)
TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_DIR / "manifest.json"
#: dbt's own serialised parse of the project (written by `dbt parse` beside manifest.json): what
#: every in-process `dbt build` starts from instead of parsing the project again
PARSED_PROJECT = TARGET_DIR / "partial_parse.msgpack"


def project_files() -> Iterator[Path]:
    for pattern in ("*.yml", "models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*"):
        yield from (p for p in DBT_PROJECT_DIR.glob(pattern) if p.is_file())


def manifest_is_stale() -> bool:
    """True when manifest.json or dbt's serialised parse is missing or older than a project file."""
    built = [f.stat().st_mtime for f in (MANIFEST_PATH, PARSED_PROJECT) if f.exists()]
    if len(built) < 2:
        return True
    return any(p.stat().st_mtime > min(built) for p in project_files())


def read_manifest(warehouse: str | None):
    """The project as `dbt parse` left it (PARSED_PROJECT), for a dbt command on `warehouse`: dbt
    then skips parsing (about 5 s of the first run on a warehouse, whose path is part of what dbt's
    own partial parse checks, and 1-2 s of every later one, writing manifest.json included).

    The parse names the tables in the catalog of the warehouse it was made for; DuckDB names a
    file's catalog after the file, so every node and source is moved to this warehouse's catalog.
    None (dbt parses as usual) when the parse is older than a project file or cannot be read."""
    if not warehouse or manifest_is_stale():
        return None
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.graph.manifest import Manifest

    try:
        manifest = Manifest.from_msgpack(PARSED_PROJECT.read_bytes())
    except Exception:  # noqa: BLE001 - a parse dbt cannot read back is parsed again by dbt itself
        return None
    catalog = DuckDBCredentials.path_derived_database_name(warehouse)
    for node in [*manifest.nodes.values(), *manifest.sources.values()]:
        parsed_for = node.database
        if parsed_for == catalog:
            continue
        node.database = catalog
        relation = getattr(node, "relation_name", None)
        if relation and relation.startswith(f'"{parsed_for}".'):
            node.relation_name = f'"{catalog}".' + relation[len(parsed_for) + 3 :]
    return manifest


def prepared_build(warehouse: str | None):
    """Import what an in-process `dbt build` imports as it starts (its command line, its build task,
    the DuckDB adapter) and read the project's parse for `warehouse` (`read_manifest`): what a
    build's process can do while it waits for the build."""
    import dbt.adapters.duckdb  # noqa: F401 - the adapter the build's profile loads
    import dbt.cli.main  # noqa: F401
    import dbt.task.build  # noqa: F401

    return read_manifest(warehouse)
