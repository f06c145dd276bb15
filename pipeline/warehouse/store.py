"""The single-writer discipline around one DuckDB file.

DuckDB lets one process open a file for writing at a time, and a second one fails at once with a
lock error. Every connection newsclaims opens (and every dbt invocation) first takes an advisory
file lock beside the database (`warehouse.duckdb.lock`), waiting up to `lock_timeout` seconds, so
two runs started together queue instead of failing. A run holds it through its short steps
(ingest, loading staged batches, rewriting small tables; the file kept open between them, see
`keep`) and `dbt build`; spaCy on more than a few documents runs without it.

A program outside newsclaims that holds the file (a DuckDB shell, a notebook, the dbt of a run that
was killed) is waited for up to a minute (at most the lock timeout); then the error says which
program it is and what to do, instead of DuckDB's lock error.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
from filelock import FileLock, Timeout

from pipeline.settings import Settings
from pipeline.warehouse.schema import ensure_schema


class WarehouseBusy(RuntimeError):
    pass


class WarehouseFull(OSError):
    """The file system holding the warehouse is full (DuckDB could not write its file or WAL)."""


#: How DuckDB and the OS word a full disk.
_FULL = re.compile(r"no space left on device|disk (is )?full|not enough space|ENOSPC|quota exceeded", re.I)


def is_disk_full(exc: BaseException) -> bool:
    return bool(_FULL.search(str(exc)))


def disk_full_message(warehouse: Path) -> str:
    """What is full, how much is free, and roughly how much more a run needs."""
    from pipeline.warehouse.batches import free_bytes, human_bytes, staged_bytes, staging_dir

    warehouse = Path(warehouse)
    size = 0
    for p in (warehouse, Path(f"{warehouse}.wal")):
        try:
            size += p.stat().st_size
        except OSError:
            pass
    waiting = staged_bytes(staging_dir(warehouse))
    free = free_bytes(warehouse.parent)
    needed = 2 * waiting + size // 2 + (16 << 20)

    return (
        f"no space left on the file system holding the warehouse {warehouse} (folder {warehouse.parent}; "
        f"free: {human_bytes(free)}; the warehouse file is {human_bytes(size)} and {human_bytes(waiting)} of staged batches wait "
        f"to load). Free at least {human_bytes(needed)} there (DuckDB also needs room to checkpoint) and run again: "
        "the last committed state is kept, and the next run carries on from it."
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


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


def _forget_locks() -> None:
    """In a process just forked from this one: lock objects of its own. filelock refuses an instance
    inherited across a fork, and a child forked for a step (workers.start_child) takes the lock
    itself once this process let it go."""
    global _LOCKS_GUARD
    _LOCKS_GUARD = threading.Lock()
    _LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks)


@contextmanager
def warehouse_lock(warehouse: Path, timeout: float) -> Iterator[None]:
    lock = _acquire(warehouse, timeout)
    try:
        yield
    finally:
        lock.release()


def _acquire(warehouse: Path, timeout: float) -> FileLock:
    """The warehouse's lock, taken (entered again when this process holds it already), or
    WarehouseBusy after `timeout` seconds; the caller releases it."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(warehouse)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise WarehouseBusy(
            f"another newsclaims run has held the warehouse {warehouse} for over {timeout:.0f}s; "
            "wait for it to finish or raise NEWSCLAIMS_LOCK_TIMEOUT"
        ) from exc
    return lock


#: Longest wait for a program outside newsclaims (a DuckDB shell, a notebook, an orphaned dbt of a
#: killed run) to let go of the file, within the lock timeout.
OUTSIDE_HOLDER_WAIT = 60.0
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def describe_holder(message: str) -> str:
    """'PID 123, /usr/bin/duckdb' from DuckDB's lock error, or a generic phrase."""
    m = _HOLDER.search(message)
    if not m:
        return "another program"
    return f"PID {m['pid']}, {m['program']}"


def _connect_retrying(path: Path, read_only: bool, timeout: float = OUTSIDE_HOLDER_WAIT) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while a process outside newsclaims holds it, then give a clear message."""
    deadline = time.monotonic() + max(0.0, min(timeout, OUTSIDE_HOLDER_WAIT))
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise WarehouseBusy(f"could not open the warehouse {path}: {text}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is open in another program ({describe_holder(text)}), and DuckDB "
                    "lets only one process use a file it writes. Close that program (quit the DuckDB shell "
                    "or notebook) and run again."
                ) from None
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)


def orphaned_dbt(warehouse: Path) -> list[int]:
    """PIDs of `dbt` processes working on this warehouse whose newsclaims parent is gone.

    A run killed during `dbt build` releases the lock, but a dbt child lives on and writes the
    file until it finishes; a new run's own dbt would then fail to open it. By default dbt runs in
    the run's own process and dies with it; a child exists with NEWSCLAIMS_DBT_IN_PROCESS=0 or a
    dbt from PATH. Linux only (/proc); elsewhere nothing is found.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    wanted = f"NEWSCLAIMS_WAREHOUSE={Path(warehouse).resolve()}".encode()
    me = os.getpid()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\x00")
            if not any(part.endswith(b"dbt") for part in cmdline[:2]):
                continue
            if wanted not in (entry / "environ").read_bytes().split(b"\x00"):
                continue
            stat = (entry / "stat").read_text()
            state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
            if state == "Z":
                continue
            parent = (proc / ppid / "cmdline").read_bytes() if ppid != "1" else b""
            if b"newsclaims" not in parent and b"dagster" not in parent:
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def preflight(warehouse: Path, lock_timeout: float = Settings.lock_timeout, wait_for_orphans: float = 120) -> None:
    """Before a run: let the dbt of a killed earlier run finish, then open the warehouse once
    (under the lock) so a run that cannot write says so before it starts."""
    deadline = time.monotonic() + min(lock_timeout, wait_for_orphans)
    told = False
    while (pids := orphaned_dbt(warehouse)) and time.monotonic() < deadline:
        if not told:
            print(
                f"newsclaims: waiting for dbt (PID {', '.join(map(str, pids))}) of an interrupted earlier run "
                "to finish with the warehouse",
                file=sys.stderr,
            )
            told = True
        time.sleep(0.25)
    with connect(warehouse, lock_timeout):
        pass


@contextmanager
def connect(
    warehouse: Path,
    lock_timeout: float = Settings.lock_timeout,
    read_only: bool = False,
    memory_limit: str | None = None,
    keep_open: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse, under the lock, with the raw schema present; under DuckDB's
    `memory_limit` when one is given (DuckDB's own default is 80 % of the RAM). With `keep_open`,
    the file stays open in this process, and the lock held, after the connection closes, until
    `let_go` (see `keep`); a connection while it is kept opens on the kept database (writable
    whatever `read_only` asks: DuckDB opens one file one way in a process)."""
    with warehouse_lock(warehouse, lock_timeout):
        if keep_open:
            keep(warehouse, lock_timeout, memory_limit)
        kept = is_kept(warehouse)
        if kept or (read_only and not Path(warehouse).exists()):
            read_only = False
        with _full_disk_named(warehouse):
            con = _connect_retrying(Path(warehouse), read_only, lock_timeout)
        try:
            with _full_disk_named(warehouse):
                if memory_limit and not kept:
                    con.execute("set memory_limit = ?", [memory_limit])
                if not read_only and not kept:  # the kept database's schema was ensured when it opened
                    ensure_schema(con)
                yield con
        finally:
            _close(con, warehouse)


def allocate_arrow_from_system() -> None:
    """Arrow's buffers in this process come from the system allocator (glibc's malloc) rather than
    Arrow's default pool (mimalloc on Linux), which keeps what it freed for reuse. A run's steps read
    and write the warehouse through Arrow one after another (staged batches, entity links, claim
    embeddings), and on a 10x corpus the pool grew from step to step: in a replay of the steps after
    the NLP, the run's process held 1.20-1.21 GB in the claim-clusters step, 1.15-1.18 GB with this
    (0.97-1.08 GB with ARROW_DEFAULT_MEMORY_POOL=system from the process's start), 0.87-1.09 GB with
    the warehouse also closed after big steps (benchmarks/README.md, session 40)."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


@contextmanager
def _full_disk_named(warehouse: Path) -> Iterator[None]:
    """DuckDB's error for a full disk raised as WarehouseFull, which says what is full and how much
    a run needs; any other error as it is."""
    try:
        yield
    except (duckdb.Error, WarehouseBusy) as exc:
        if is_disk_full(exc):
            raise WarehouseFull(28, disk_full_message(Path(warehouse))) from exc
        raise


def _close(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    with _full_disk_named(warehouse):  # the checkpoint on close can hit a full disk too
        con.close()


# ---------------------------------------------------------------------- kept open between steps
# Opening the file costs 15-30 ms (its catalog is read again), and closing the last connection
# checkpoints the write-ahead log; a one-article update's steps opened it 20 times, about 0.5 s of
# the update. A run's steps therefore keep it open (`keep`) from one step to the next, and the lock
# with it, so no other process waits on DuckDB's own lock instead of newsclaims's; each connection
# is then a connection to the database already open (DuckDB keeps one database per file and
# process). A run lets go (`let_go`) before what takes long without the file (the NLP of many
# documents, `dbt build`, which opens it its own way) and when it ends.

#: warehouse path -> the connection that keeps it open in this process
_KEPT: dict[str, duckdb.DuckDBPyConnection] = {}


def _key(warehouse: Path) -> str:
    return str(Path(warehouse).resolve())


def keep(warehouse: Path, lock_timeout: float = Settings.lock_timeout, memory_limit: str | None = None) -> None:
    """Keep the warehouse open in this process, and the lock held, until `let_go`."""
    key = _key(warehouse)
    if key in _KEPT:
        return
    lock = _acquire(warehouse, lock_timeout)
    try:
        with _full_disk_named(warehouse):
            con = _connect_retrying(Path(warehouse), False, lock_timeout)
            if memory_limit:
                con.execute("set memory_limit = ?", [memory_limit])
            ensure_schema(con)
    except BaseException:
        lock.release()
        raise
    _KEPT[key] = con


def is_kept(warehouse: Path) -> bool:
    """Whether `keep` holds this warehouse open in this process."""
    return _key(warehouse) in _KEPT


def let_go(warehouse: Path | None = None) -> None:
    """Close what `keep` kept open (every warehouse when none is named) and release its lock. The
    last connection's close checkpoints the write-ahead log into the file."""
    for key in [_key(warehouse)] if warehouse is not None else list(_KEPT):
        con = _KEPT.pop(key, None)
        if con is None:
            continue
        try:
            _close(con, Path(key))
        finally:
            _lock_for(Path(key)).release()
