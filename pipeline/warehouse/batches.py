"""Annotation batches: immutable Parquet files staged beside the warehouse, loaded by one writer.

The NLP step writes each batch of documents as a folder of Parquet files (one per annotation
table), named by content (extractor version + document ids), into `<warehouse>.batches/`. It first
writes a hidden temporary folder, then renames it: a killed run leaves at most a `.tmp-*` folder,
never a half batch (the next run removes it once its writer is gone). The load step takes the
warehouse lock and, for each batch, writes the rows of its documents in one transaction, then
deletes the folder.

Loading is idempotent and the first writer wins: a document that already has rows from the current
extractor version is left as it is, so a batch loaded twice (two runs racing, a crash between
commit and delete) changes nothing, and `processed_at` keeps the time of the first processing.
Any run's load step loads every staged batch, whoever staged it, and a run's NLP step skips the
documents already staged: after a crash the spaCy work already done is not redone.
"""
from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ids import stable_id
from pipeline.warehouse import killpoints
from pipeline.warehouse.schema import ANNOTATION_TABLES, RAW_TABLES
from pipeline.warehouse.store import transaction

_ARROW_TYPES = {"varchar": pa.string(), "integer": pa.int32(), "bigint": pa.int64(),
                "boolean": pa.bool_(), "timestamp": pa.timestamp("us")}


def staging_dir(warehouse: Path) -> Path:
    return Path(f"{warehouse}.batches")


def arrow_schema(table: str, skip: tuple[str, ...] = ("batch_id",)) -> pa.Schema:
    fields = []
    for part in RAW_TABLES[table].split(","):
        words = part.split()
        if len(words) >= 2 and words[1] in _ARROW_TYPES and words[0] not in skip:
            fields.append(pa.field(words[0], _ARROW_TYPES[words[1]]))
    return pa.schema(fields)


def write_batch(staging: Path, rows: dict[str, list[dict]]) -> str:
    """Stage one batch; returns its id. Writing the same batch twice is a no-op."""
    annotations = rows["document_annotations"]
    if not annotations:
        raise ValueError("a batch needs at least one document")
    version = annotations[0]["extractor_version"]
    batch_id = "b-" + stable_id("batch", version, *sorted(a["document_id"] for a in annotations))
    final = staging / batch_id
    if final.exists():
        return batch_id
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f".tmp-{batch_id}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        for table in ANNOTATION_TABLES:
            pq.write_table(pa.Table.from_pylist(rows[table], schema=arrow_schema(table)), tmp / f"{table}.parquet")
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return batch_id


_HOST = socket.gethostname().replace("-", "_") or "host"


def pending_batches(staging: Path) -> list[Path]:
    if not staging.is_dir():
        return []
    return sorted(p for p in staging.iterdir() if p.is_dir() and p.name.startswith("b-"))


def staged_document_ids(staging: Path, version: str) -> set[str]:
    """Documents already in a complete staged batch of this extractor version (not yet loaded)."""
    found: set[str] = set()
    for batch in pending_batches(staging):
        try:
            table = pq.read_table(batch / "document_annotations.parquet", columns=["document_id", "extractor_version"])
        except Exception:  # noqa: BLE001 - removed meanwhile, or not a complete batch
            continue  # loaded and removed meanwhile by another run's load step
        rows = table.to_pylist()
        if rows and {r["extractor_version"] for r in rows} == {version}:
            found.update(r["document_id"] for r in rows)
    return found


def _writer_gone(name: str) -> bool:
    """Whether the process that wrote a `.tmp-<batch>-<host>-<pid>-<rand>` folder has exited."""
    parts = name.split("-")
    try:
        host, pid = parts[-3], int(parts[-2])
    except (IndexError, ValueError):
        return False
    if host != _HOST:
        return False  # another machine's writer: only the age rule applies
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clean_temporaries(staging: Path, older_than_s: float = 3600) -> int:
    """Remove `.tmp-*` folders left by killed runs: at once when their writer process is gone,
    else after an hour (a live run may own a new one)."""
    if not staging.is_dir():
        return 0
    removed = 0
    now = time.time()
    for p in staging.iterdir():
        if not p.name.startswith(".tmp-"):
            continue
        try:
            old = now - p.stat().st_mtime > older_than_s
        except FileNotFoundError:
            continue
        if old or _writer_gone(p.name):
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
    return removed


@dataclass
class LoadReport:
    batches: int = 0
    documents: int = 0
    skipped_stale: int = 0


def load_batches(con, staging: Path, current_version: str) -> LoadReport:
    """Load every staged batch into the raw tables (caller holds the warehouse lock).

    Per batch, one transaction: for each of its documents that is still in raw.documents (not
    forgotten meanwhile) and has no rows of the current extractor version yet, the rows of any
    older version are replaced by the batch's. Then the folder is deleted.
    """
    report = LoadReport()
    for batch in pending_batches(staging):
        ann = str(batch / "document_annotations.parquet")
        versions = {r[0] for r in con.execute("select distinct extractor_version from read_parquet(?)", [ann]).fetchall()}
        if versions != {current_version}:
            shutil.rmtree(batch, ignore_errors=True)
            report.skipped_stale += 1
            continue
        with transaction(con):
            todo = [r[0] for r in con.execute("""
                select distinct b.document_id from read_parquet(?) b
                where b.document_id in (select document_id from raw.documents)
                  and b.document_id not in (select document_id from raw.document_annotations
                                            where extractor_version = ?)
                order by 1""", [ann, current_version]).fetchall()]
            if todo:
                for table in ANNOTATION_TABLES:
                    con.execute(f"delete from raw.{table} where document_id in (select unnest(?::varchar[]))", [todo])
                for table in ANNOTATION_TABLES:
                    path = str(batch / f"{table}.parquet")
                    extra = ", ? as batch_id" if table == "document_annotations" else ""
                    params = [batch.name] if extra else []
                    con.execute(f"insert into raw.{table} by name select *{extra} from read_parquet(?) "
                                f"where document_id in (select unnest(?::varchar[]))", [*params, path, todo])
                con.execute("insert or replace into raw.loaded_batches values (?, now(), ?)", [batch.name, len(todo)])
            killpoints.reached("load_before_commit")
        shutil.rmtree(batch, ignore_errors=True)
        report.batches += 1
        report.documents += len(todo)
    return report
