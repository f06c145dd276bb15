"""The warehouse kept open between a run's steps (pipeline/warehouse/store.py `keep`): the lock is
held as long as the file is open, other processes get both back at `let_go` or at the run's end,
and what the steps wrote is in the file."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pyarrow as pa
from dagster import asset, build_asset_context, materialize

from pipeline.resources import LET_GO_CHANGED_DOCUMENTS, WarehouseResource
from pipeline.warehouse import store

_TRY_LOCK = """
import sys
from filelock import FileLock, Timeout
try:
    FileLock(sys.argv[1]).acquire(timeout=0.5)
except Timeout:
    sys.exit(3)
"""

_READ = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(*) from raw.document_changes where document_id = 'kept'").fetchone()[0])
"""


def _another_process_gets_the_lock(warehouse) -> bool:
    done = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(store.lock_path(warehouse))], timeout=60)
    assert done.returncode in (0, 3), done
    return done.returncode == 0


def _another_process_reads(warehouse) -> int:
    done = subprocess.run([sys.executable, "-c", _READ, str(warehouse)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_kept_warehouse_holds_the_lock_until_let_go(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with store.connect(warehouse, keep_open=True) as con:
        con.execute("insert into raw.document_changes values ('kept', now()::timestamp)")
    # the connection closed, the file and the lock did not: another process waits for both
    assert not _another_process_gets_the_lock(warehouse)
    # a connection asked read-only meanwhile opens on the database kept open (writable)
    with store.connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from raw.document_changes").fetchone() == (1,)
    store.let_go(warehouse)
    assert _another_process_gets_the_lock(warehouse)
    assert _another_process_reads(warehouse) == 1
    store.let_go(warehouse)  # nothing kept: nothing to do


def test_a_run_of_the_steps_lets_go_of_the_warehouse_when_it_ends(tmp_path):
    """The resource keeps the warehouse open from one step to the next and lets go at the run's end
    (`teardown_after_execution`), whatever ran it: `newsclaims run`, the UI, `materialize`."""
    warehouse = tmp_path / "w.duckdb"

    @asset
    def writes(warehouse: WarehouseResource) -> None:
        with warehouse.get_connection() as con:
            con.execute("insert into raw.document_changes values ('kept', now()::timestamp)")
        assert not _another_process_gets_the_lock(warehouse.path)

    @asset(deps=[writes])
    def reads(warehouse: WarehouseResource) -> None:
        with warehouse.get_connection(read_only=True) as con:
            assert con.execute("select count(*) from raw.document_changes").fetchone() == (1,)

    @asset(deps=[reads])
    def reads_between_long_work(warehouse: WarehouseResource) -> None:
        """What the NLP of many documents does: the lock for each read only."""
        warehouse.let_go()
        with warehouse.get_connection(keep_open=False) as con:
            assert con.execute("select count(*) from raw.document_changes").fetchone() == (1,)
        assert _another_process_gets_the_lock(warehouse.path)

    assets = [writes, reads, reads_between_long_work]
    assert materialize(assets, resources={"warehouse": WarehouseResource(database=str(warehouse))}).success
    assert _another_process_gets_the_lock(warehouse)
    assert _another_process_reads(warehouse) == 1
    duckdb.connect(str(warehouse), read_only=True).close()  # nothing of the run holds it in this process either


def test_a_step_that_changed_many_documents_closes_the_warehouse_and_a_small_update_keeps_it(tmp_path):
    """`let_go_if_many_changed`: after a step that left LET_GO_CHANGED_DOCUMENTS documents or more
    awaiting the marts, the warehouse closes (DuckDB hands its memory back) and the lock is free;
    after one that changed fewer, it stays open for the next step. Arrow's buffers in the run's
    steps come from the system allocator, which hands back what a step freed."""
    warehouse = tmp_path / "w.duckdb"
    seen = {}

    def change(n: int):
        def step(warehouse: WarehouseResource) -> None:
            with warehouse.get_connection() as con:
                con.execute(
                    "insert into raw.document_changes select 'd' || (range + ?)::varchar, now()::timestamp from range(?)",
                    [seen.get("n", 0), n],
                )
            seen["n"] = seen.get("n", 0) + n
            warehouse.let_go_if_many_changed()
            seen[n] = (store.is_kept(warehouse.path), _another_process_gets_the_lock(warehouse.path))
            seen["pool"] = pa.default_memory_pool().backend_name

        return step

    few, rest = 3, LET_GO_CHANGED_DOCUMENTS - 3
    small = asset(name="small")(change(few))
    large = asset(name="large", deps=[small])(change(rest))
    assert materialize([small, large], resources={"warehouse": WarehouseResource(database=str(warehouse))}).success
    assert seen[few] == (True, False)  # 3 changed: kept open, the lock held
    assert seen[rest] == (False, True)  # 500 changed in all: closed, the lock free
    assert seen["pool"] == "system"
    assert _another_process_reads_changes(warehouse) == LET_GO_CHANGED_DOCUMENTS


def _another_process_reads_changes(warehouse) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _READ.replace(" where document_id = 'kept'", ""), str(warehouse)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_big_step_releases_what_it_loaded_and_a_small_one_keeps_it(tmp_path):
    """The claim-clusters step's `release` (MiniLM's weights) runs only after a step that left many
    documents changed, once the warehouse is closed; a small update keeps the model for the next run
    in the same process (`newsclaims watch`)."""
    from pipeline.assets.syndication import _materialize
    from pipeline.nlp.embeddings import encoder, release_encoder

    warehouse = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    released = []

    def step(n):
        def insert(con):
            con.execute(
                "insert into raw.document_changes select ? || range::varchar, now()::timestamp from range(?)",
                [f"{n}-", n],
            )
            return {"documents": n}

        context = build_asset_context()
        list(
            _materialize(
                context, warehouse, insert, {"document_changes": ""}, lambda *_: "", lambda: released.append(n)
            )
        )

    warehouse.setup_for_execution(None)
    try:
        step(3)  # 3 documents changed: kept open, nothing released
        assert store.is_kept(warehouse.path) and released == []
        step(LET_GO_CHANGED_DOCUMENTS - 3)  # 500 in all
        assert not store.is_kept(warehouse.path)
        assert released == [LET_GO_CHANGED_DOCUMENTS - 3]
    finally:
        warehouse.teardown_after_execution(None)
    encoder()
    assert encoder.cache_info().currsize == 1
    release_encoder()
    assert encoder.cache_info().currsize == 0
