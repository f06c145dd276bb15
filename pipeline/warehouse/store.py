"""The single-writer discipline around one DuckDB file.

DuckDB lets one process open a file for writing at a time, and a second one fails at once with a
lock error. Every connection newsclaims opens (and every dbt invocation) first takes an advisory
file lock beside the database (`warehouse.duckdb.lock`), waiting up to `lock_timeout` seconds, so
two runs started together queue instead of failing. The lock is held only for short steps: loading
staged batches, rewriting small tables, `dbt build`. spaCy runs without it.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
from filelock import FileLock, Timeout

from pipeline.warehouse.schema import ensure_schema


class WarehouseBusy(RuntimeError):
    pass


def lock_path(warehouse: Path) -> Path:
    return Path(f"{warehouse}.lock")


_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(warehouse: Path) -> FileLock:
    """One FileLock object per lock file and process, so nested use (the dbt step holds the lock
    and then opens a connection) re-enters instead of deadlocking on a second descriptor."""
    key = str(lock_path(warehouse.resolve()))
    with _LOCKS_GUARD:
        if key not in _LOCKS:
            _LOCKS[key] = FileLock(key, thread_local=False)
        return _LOCKS[key]


@contextmanager
def warehouse_lock(warehouse: Path, timeout: float) -> Iterator[None]:
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(warehouse)
    try:
        with lock.acquire(timeout=timeout):
            yield
    except Timeout as exc:
        raise WarehouseBusy(
            f"another newsclaims run has held the warehouse {warehouse} for over {timeout:.0f}s; "
            "wait for it to finish or raise NEWSCLAIMS_LOCK_TIMEOUT") from exc


def _connect_retrying(path: Path, read_only: bool, attempts: int = 30) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while a process outside newsclaims (a DuckDB shell) holds it."""
    delay = 0.2
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise WarehouseBusy(
                    f"could not open {path}: {exc}. Is a DuckDB shell or notebook holding it open? "
                    "Close it and run again.") from exc
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
    raise AssertionError("unreachable")


@contextmanager
def connect(warehouse: Path, lock_timeout: float = 600, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse, under the lock, with the raw schema present."""
    with warehouse_lock(warehouse, lock_timeout):
        if read_only and not Path(warehouse).exists():
            read_only = False
        con = _connect_retrying(Path(warehouse), read_only)
        try:
            if not read_only:
                ensure_schema(con)
            yield con
        finally:
            con.close()
