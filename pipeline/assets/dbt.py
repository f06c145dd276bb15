"""The dbt project (staging views and marts) as Dagster assets, one per model, tests as checks."""

import json
import os
import shutil
import sys
import threading
from functools import cached_property, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator, Mapping

from dagster import AssetExecutionContext, AssetMaterialization, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from pipeline.answers import drawer
from pipeline.assets import dbt_ahead
from pipeline.assets.dbt_inprocess import dbt_in_this_process
from pipeline.assets.dbt_parse import (
    DBT_PROJECT_DIR,
    PARSED_PROJECT,
    manifest_is_stale,
    prepared_build,
    project_files,
    read_manifest,
)
from pipeline.assets.executors import follows_here
from pipeline.assets.report import REPORT
from pipeline.resources import WarehouseResource
from pipeline.warehouse import changes, search, store, syndication
from pipeline.settings import dbt_in_process


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class NewsclaimsDbtCli(DbtCliResource):
    """dagster-dbt's DbtCliResource with dbt in the run's own process (`dbt_inprocess`: no second
    Python importing dbt again, about 4 s of every run) and without two start-up costs it pays on
    every `dbt build` that newsclaims does not use (about 5 s of a one-article update):

    - `dbt --version` in a subprocess to learn the version: the dbt beside this Python is the
      dbt-core package installed here, whose version the package metadata gives;
    - a dbt adapter built in this process (dbt's project, profile and every macro parsed again) for
      fetching column metadata, which no asset here asks for (row counts are read after dbt exits,
      see `with_row_counts`).

    Any other dbt executable (one on PATH) keeps dagster-dbt's own behaviour."""

    def _is_ours(self) -> bool:
        return Path(self.dbt_executable) == Path(sys.executable).parent / "dbt"

    @cached_property
    def _cli_version(self) -> version.Version:
        if self._is_ours():
            try:
                return version.parse(metadata.version("dbt-core"))
            except metadata.PackageNotFoundError:
                pass
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None if self._is_ours() else super()._initialize_dbt_core_adapter(args)

    def cli(self, args, **kwargs):
        """The dbt beside this Python runs in this process (`dbt_inprocess`), unless
        NEWSCLAIMS_DBT_IN_PROCESS=0 asks for dagster-dbt's subprocess."""
        if not self._is_ours() or not dbt_in_process():
            return super().cli(args, **kwargs)
        with dbt_in_this_process(manifest=parsed_manifest):
            return super().cli(args, **kwargs)


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than a project file.

    Used instead of DbtProject.prepare_if_dev(): under `dagster dev` that re-parses in every
    process the UI starts (each step of each run, about 6 s each) and looks for `dbt` on PATH
    rather than in this environment.
    """
    if not manifest_is_stale():
        return
    import subprocess

    from filelock import FileLock

    dbt_project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dbt_project.manifest_path.parent / ".parse.lock")):
        if manifest_is_stale():  # another process may have parsed while this one waited
            # without its old serialised parse dbt parses everything and writes both files anew (with
            # one it may find nothing to do and leave the old file's time)
            PARSED_PROJECT.unlink(missing_ok=True)
            subprocess.run(
                [dbt_executable(), "parse", "--quiet"],
                cwd=DBT_PROJECT_DIR,
                check=True,
                env={**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)},
            )


ensure_manifest()


#: warehouse path -> the thread reading its parse ahead of the build (`prepare_build`), and what it read
_PREPARED: dict[str, tuple[threading.Thread, list]] = {}


def prepare_build(warehouse: Path) -> None:
    """Import what an in-process `dbt build` imports as it starts (its command line, the build
    task) and read the project's parse for `warehouse` (`parsed_manifest`), in a thread: about
    0.55 s of a one-article update's build, done instead while the run waits on another process
    (its NLP step, on the model's). The build takes what was read (`parsed_manifest`); forks of
    this process wait for the thread (`workers.start_loading`)."""
    from pipeline.nlp.workers import start_loading

    key = str(Path(warehouse).resolve())
    if key in _PREPARED or not dbt_in_process() or dbt_ahead.waiting(key):
        return  # read, or being read, or read by the process that will build (assets/dbt_ahead.py)
    _PREPARED.clear()  # one parse at a time: one for a warehouse whose build never came is let go
    read: list = []

    def prepare() -> None:
        read.append(prepared_build(key))

    _PREPARED[key] = (start_loading(prepare, "newsclaims-dbt-prepare"), read)


def parsed_manifest(warehouse: str | None):
    """`read_manifest(warehouse)`, read ahead by `prepare_build` when it was called for this
    warehouse (its thread is waited for)."""
    prepared = _PREPARED.pop(str(Path(warehouse).resolve()), None) if warehouse else None
    if prepared is not None:
        thread, read = prepared
        thread.join()
        if read:
            return read[0]
    return read_manifest(warehouse)


class NewsclaimsTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (staging, marts); seeds go to `reference`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


#: dbt's unit tests check the SQL of a model on fixed rows, not the data: they run in the test suite
#: (tests/whole/test_dbt_unit_tests.py), as dbt Labs advises, and not in every run's build
RUN_BUILD_ARGS = ("--exclude-resource-type", "unit_test")

#: dbt threads for a build of every mart from scratch (a new warehouse, a changed project): the
#: profile's one thread leaves the second core idle through a build that is mostly DuckDB work on
#: whole tables. An incremental build stays on one (its nodes are small, mostly dbt's own Python:
#: more threads only contend for the interpreter lock).
FULL_BUILD_THREADS = "2"

#: A build of the whole project by the project that built the marts, with every view and seed it
#: made in place, leaves those out: a view is its SQL and a seed its CSV, both part of the project,
#: so creating them again changes nothing (22 of a build's 122 nodes, 10-60 ms each in dbt's own
#: timing on the BBC warehouse, besides dbt's work per node). The seeds' own tests (`path:seeds`,
#: declared beside them) are left out too: they read nothing but the CSV, so their verdicts stand
#: until it changes, which makes the next build a whole one. Every other test still runs, the
#: views' included: the whole project's selection (dagster-dbt's `fqn:*`) selects each test
#: itself, and `empty` keeps dbt from dropping the tests of the nodes left out along with them.
UNCHANGED_BUILD_ARGS = (
    "--exclude",
    "resource_type:seed config.materialized:view,resource_type:model path:seeds",
    "--indirect-selection",
    "empty",
)


#: the report's charts are drawn by a process forked as the build starts (answers/drawer.py) only for
#: an incremental build of this many changed documents at most: its 0.3 s matter in an update of a few
#: documents, not in a build of every mart, where it would be a fork of a large process (1 GB after
#: the claim clusters of 10x the BBC corpus). Measured on such a run, it did not change the build's
#: memory: 1.25 GB with the drawer (0.90 + 0.35, PSS splitting the pages they share), 1.25 without
DRAWER_MAX_DOCUMENTS = 100


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=NewsclaimsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build`: staging views, mart tables, and every dbt test (shown as asset checks).

    The marts keyed by document are incremental (pipeline/warehouse/changes.py): they are rebuilt
    whole (`--full-refresh`) when the project differs from the one that last built them."""
    # the dbt profile reads the same path the Python assets write, and the memory DuckDB may use there
    os.environ["NEWSCLAIMS_WAREHOUSE"] = str(warehouse.path)
    os.environ["NEWSCLAIMS_DBT_MEMORY_LIMIT"] = warehouse.dbt_memory_limit
    project = changes.project_fingerprint(project_files(), DBT_PROJECT_DIR)
    whole_project = set(context.selected_asset_keys) >= set(context.assets_def.keys)
    with warehouse.lock():
        with warehouse.get_connection() as con:
            full_refresh = changes.built_fingerprint(con) != project
            present = _relations_present(con)
            in_place = _views_and_seeds_in_place(present)
            if not full_refresh:
                _mark_regrouped(con, present if in_place else set())
            changed = changes.pending(con)
            unchanged = whole_project and not full_refresh and in_place
        warehouse.let_go()  # dbt opens the file its own way
        if follows_here(context, [REPORT]) and not full_refresh and changed <= DRAWER_MAX_DOCUMENTS:
            drawer.start()  # matplotlib is imported on the other core while dbt builds (answers/drawer.py)
        context.log.info(
            "dbt build: the marts keyed by document rebuilt whole (the dbt project changed since they were built)"
            if full_refresh
            else f"dbt build: the marts keyed by document redo {changed} changed documents"
            + ("; views and seeds left as the same project made them" if unchanged else "")
        )
        # dagster-dbt's own fetch_row_counts() would open the file while dbt holds it (DuckDB allows
        # one process): a build newsclaims runs itself (in this process, `InProcessDbt`, or in the
        # one forked ahead, `dbt_ahead.AheadBuild`) counts each table's rows as its result comes
        # (`row_counts`), and its events go on while it builds; a dbt subprocess's events wait for it
        # to exit, and then get their row counts.
        invocation = dbt.cli(
            [
                "build",
                *RUN_BUILD_ARGS,
                *(["--full-refresh", "--threads", FULL_BUILD_THREADS] if full_refresh else []),
                *(UNCHANGED_BUILD_ARGS if unchanged else ()),
            ],
            context=context,
            target_path=run_target_path(warehouse.path),
            raise_on_error=False,
        )
        counted = getattr(invocation.process, "row_counts", None)
        if counted is not None:
            yield from (_with_row_count(event, counted) for event in invocation.stream())
        else:
            events = list(invocation.stream())
        if invocation.is_successful() and whole_project:
            with warehouse.get_connection() as con:
                search.note_changed_documents(con)  # the search index's update looks there first
                changes.built(con, project)
        if counted is None:
            # the checks that ran are reported even when one failed (the UI shows which one)
            yield from with_row_counts(events, warehouse) if invocation.is_successful() else events
    error = invocation.get_error()
    if error is not None:
        if store.is_disk_full(error):
            raise store.WarehouseFull(28, store.disk_full_message(warehouse.path)) from error
        raise error


def run_target_path(warehouse: Path) -> Path:
    """dbt's target folder for runs on this warehouse: one per warehouse, reused run after run.

    dagster-dbt's default is a new folder per invocation (about 4 MB each, never removed); runs on
    one warehouse are serialised by its lock, so they can share one, and dbt reuses its partial
    parse from the previous run.
    """
    from pipeline.ids import stable_id

    return (
        DBT_PROJECT_DIR
        / dbt_project.target_path
        / f"run-{Path(warehouse).stem}-{stable_id(str(Path(warehouse).resolve()), length=8)}"
    )


def _manifest_nodes() -> dict[str, Any]:
    """manifest.json's nodes, read once per version of the file (a process may run many builds)."""
    return _nodes_of(dbt_project.manifest_path.stat().st_mtime_ns)


@lru_cache(maxsize=1)
def _nodes_of(mtime_ns: int) -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text())["nodes"]


def _views_and_seeds_in_place(present: set[tuple[str, str]]) -> bool:
    """Whether every view and seed of the project is in the warehouse (one dropped by hand, or a
    warehouse whose build stopped part way, gets them built again)."""
    wanted = {
        (node["schema"], node["alias"])
        for node in _manifest_nodes().values()
        if node["resource_type"] == "seed"
        or (node["resource_type"] == "model" and node["config"].get("materialized") == "view")
    }
    return wanted <= present


def _relations_present(con) -> set[tuple[str, str]]:
    """(schema, name) of every table and view in the warehouse."""
    return set(
        con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            " union all select schema_name, view_name from duckdb_views() where database_name = current_database()"
        ).fetchall()
    )


def _mark_regrouped(con, present: set[tuple[str, str]]) -> None:
    """List the documents whose syndication group changed name (syndication.mark_regrouped), read
    from the project's own view and mart when both are `present` (the warehouse's relations, or
    none when a view is missing: dropped by hand, a build stopped part way), else every document
    with a copy."""
    nodes = _manifest_nodes()
    groups, documents = (nodes[f"model.newsclaims.{name}"] for name in ("int_document_syndication", "dim_documents"))
    if {(groups["schema"], groups["alias"]), (documents["schema"], documents["alias"])} <= present:
        syndication.mark_regrouped(con, _relation(groups), _relation(documents))
    else:
        changes.mark(con, "select document_id from raw.syndication_components")


def _relation(node: Mapping[str, Any]) -> str:
    # schema.alias, not relation_name: that names the catalog the manifest was parsed against
    return f'"{node["schema"]}"."{node["alias"]}"'


def with_row_counts(events: list, warehouse: WarehouseResource) -> Iterator:
    """The events of a build that has exited, each table's with its rows counted now."""
    tables = _table_relations()
    counts: dict[str, int] = {}
    wanted = {_unique_id(e) for e in events} & set(tables)
    if wanted:
        with warehouse.get_connection(read_only=True) as con:
            for unique_id in wanted:
                counts[unique_id] = con.execute(f"select count(*) from {tables[unique_id]}").fetchone()[0]
    return (_with_row_count(event, counts) for event in events)


def _with_row_count(event, counts: Mapping[str, int]):
    unique_id = _unique_id(event)
    if unique_id in counts and isinstance(event, (Output, AssetMaterialization)):
        return event.with_metadata({**event.metadata, "dagster/row_count": counts[unique_id]})
    return event


def _unique_id(event) -> str | None:
    value = getattr(event, "metadata", {}).get("unique_id") if hasattr(event, "metadata") else None
    return getattr(value, "value", value)


def _table_relations() -> dict[str, str]:
    """unique_id → relation name of every dbt model built as a table, incremental or not (views are
    not counted)."""
    return {
        uid: _relation(node)
        for uid, node in _manifest_nodes().items()
        if node["resource_type"] == "model" and node["config"].get("materialized") in ("table", "incremental")
    }
