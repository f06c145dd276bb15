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

Every batch carries `manifest.json` (its extractor version, document ids, and per table the row
count, byte size and sha256 of the Parquet file), written last before the rename. A batch is
verified against it before its documents count as staged and again before it is loaded: one that
does not read back whole (cut short, filled with garbage, zero bytes — what a full or failing
disk leaves) is moved aside into `.rejected/` with the reason recorded in `raw.rejected_batches`,
and its documents are processed again in the same run.

A full disk while staging raises `StagingFull`, naming the folder and the space needed; the
temporary folder is removed, so nothing half-written is left to load.

On an object store (NEWSCLAIMS_STAGING=s3://..., staging.py) a batch is built in a local temporary
folder the same way, then uploaded with its manifest last as the commit (`ObjectStaging.publish`);
verifying and loading download it to a local temporary folder and run the code above on it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ids import file_sha256, stable_id
from pipeline.warehouse import changes, killpoints
from pipeline.warehouse import schema as raw_schema
from pipeline.warehouse.schema import ANNOTATION_TABLES
from pipeline.warehouse.staging import BATCH_PREFIX, MANIFEST, REJECTED_DIR, ObjectStaging
from pipeline.warehouse.store import transaction


def staging_dir(warehouse: Path) -> Path:
    return Path(f"{warehouse}.batches")


def arrow_schema(table: str) -> pa.Schema:
    """The columns a staged batch file holds: the raw table's, without batch_id (set when it is loaded)."""
    return raw_schema.arrow_schema(table, skip=("batch_id",))


LOCAL_TMP_PREFIX = ".newsclaims-stage-"  # a batch built in the system's temporary folder before its upload


class StagingFull(OSError):
    """The staging folder's file system is full."""


def free_bytes(path: Path) -> int | None:
    """Free space on the file system holding path (its nearest existing parent)."""
    for p in (Path(path), *Path(path).parents):
        try:
            return shutil.disk_usage(p).free
        except OSError:
            continue
    return None


def human_bytes(n: int | None) -> str:
    if n is None:
        return "unknown"
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{max(1, round(n / 2**10))} KiB"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_batch(staging: Path | ObjectStaging, rows: dict[str, list[dict]]) -> str:
    """Stage one batch; returns its id. Writing the same batch twice is a no-op."""
    annotations = rows["document_annotations"]
    if not annotations:
        raise ValueError("a batch needs at least one document")
    version = annotations[0]["extractor_version"]
    document_ids = sorted(a["document_id"] for a in annotations)
    batch_id = BATCH_PREFIX + stable_id("batch", version, *document_ids)
    if isinstance(staging, ObjectStaging):
        if not staging.has(batch_id):
            with _local_copy() as tmp:
                _write_files(Path(tmp), batch_id, version, document_ids, _arrow_tables(rows))
                staging.publish(Path(tmp), batch_id, part=_writer_tag())
        return batch_id
    final = staging / batch_id
    if final.exists():
        return batch_id
    tables = _arrow_tables(rows)
    tmp = staging / f".tmp-{batch_id}-{_writer_tag()}"
    try:
        staging.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        _write_files(tmp, batch_id, version, document_ids, tables)
        _fsync(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.exists():
                raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            shutil.rmtree(tmp, ignore_errors=True)
            needed = 2 * sum(t.nbytes for t in tables.values()) + (64 << 10)  # Parquet pages, footers, manifest
            raise StagingFull(
                exc.errno,
                (
                    f"no space left in the staging folder {staging} (file system free: {human_bytes(free_bytes(staging))}); "
                    f"this batch of {len(document_ids)} documents needs about {human_bytes(needed)} more. Free space there "
                    "(or set NEWSCLAIMS_WAREHOUSE to a disk with room) and run again: the batches already staged "
                    "and everything loaded are kept."
                ),
            ) from exc
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return batch_id


def _arrow_tables(rows: dict[str, list[dict]]) -> dict[str, pa.Table]:
    return {t: pa.Table.from_pylist(rows.get(t, []), schema=arrow_schema(t)) for t in ANNOTATION_TABLES}


def _write_files(folder: Path, batch_id: str, version: str, document_ids: list[str], tables: dict) -> None:
    """A batch's Parquet files and, last, its manifest, each fsynced."""
    manifest = dict(batch_id=batch_id, extractor_version=version, document_ids=document_ids, tables={})
    for table, data in tables.items():
        path = folder / f"{table}.parquet"
        pq.write_table(data, path)
        _fsync(path)
        manifest["tables"][table] = dict(rows=data.num_rows, bytes=path.stat().st_size, sha256=file_sha256(path))
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    _fsync(folder / MANIFEST)


def verify_batch(batch: Path) -> str | None:
    """Why a staged batch does not read back whole, or None if it does.

    Raises FileNotFoundError if the folder itself is gone (loaded and removed by another run).
    """
    if not batch.is_dir():
        raise FileNotFoundError(batch)
    try:
        manifest = json.loads((batch / MANIFEST).read_text())
        tables = manifest["tables"]
    except FileNotFoundError:
        if not batch.is_dir():
            raise
        return f"no {MANIFEST} (staged by an older newsclaims, or cut short)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{MANIFEST} unreadable ({type(exc).__name__}: {exc})"
    for table in ANNOTATION_TABLES:
        path = batch / f"{table}.parquet"
        want = tables.get(table) if isinstance(tables, dict) else None
        if not want:
            return f"{MANIFEST} lists no {table}.parquet"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            if not batch.is_dir():
                raise
            return f"{table}.parquet is missing"
        if size != want.get("bytes"):
            return f"{table}.parquet is {size} bytes, {want.get('bytes')} were written"
        if file_sha256(path) != want.get("sha256"):
            return f"{table}.parquet does not match its checksum (sha256)"
        try:
            meta = pq.read_metadata(path)
            schema = pq.read_schema(path)
        except Exception as exc:  # noqa: BLE001 - any reader error means the file is bad
            return f"{table}.parquet does not read as Parquet ({exc})"
        if meta.num_rows != want.get("rows"):
            return f"{table}.parquet holds {meta.num_rows} rows, {want.get('rows')} were written"
        if not schema.remove_metadata().equals(arrow_schema(table)):
            return f"{table}.parquet has columns {schema.names}, expected {arrow_schema(table).names}"
    return None


def manifest_document_ids(batch: Path) -> list[str]:
    """The documents a batch's manifest lists ([] when it cannot be read)."""
    try:
        ids = json.loads((batch / MANIFEST).read_text())["document_ids"]
        return [i for i in ids if isinstance(i, str)]
    except (OSError, ValueError, KeyError, TypeError):
        return []


@dataclass
class RejectedBatch:
    batch_id: str
    reason: str
    document_ids: list[str]
    moved_to: str


def reject_batch(staging: Path, batch: Path, reason: str) -> RejectedBatch:
    """Move a batch that failed verification into `<staging>/.rejected/` (kept for inspection)."""
    ids = manifest_document_ids(batch)
    target_dir = staging / REJECTED_DIR
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{batch.name}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    try:
        os.rename(batch, target)
    except OSError:
        shutil.rmtree(batch, ignore_errors=True)  # cannot even be moved: it must not be loaded
        target = Path("(removed)")
    return RejectedBatch(batch.name, reason, ids, str(target))


def record_rejected_batches(con, rejected: list[RejectedBatch]) -> None:
    for r in rejected:
        con.execute(
            "insert into raw.rejected_batches values (?, 'corrupt', ?, ?, ?, now())",
            [r.batch_id, r.reason, len(r.document_ids), r.moved_to],
        )


def verify_staged(staging: Path | ObjectStaging) -> list[RejectedBatch]:
    """Verify every staged batch and move aside the ones that do not read back whole (caller
    holds the warehouse lock, so no load step removes a batch meanwhile). On an object store each
    batch is downloaded to be verified, as the load step does."""
    rejected = []
    if isinstance(staging, ObjectStaging):
        for name in staging.committed():
            with _local_copy() as tmp:
                try:
                    local = staging.fetch(name, Path(tmp))
                except FileNotFoundError:
                    continue
                if reason := verify_batch(local):
                    rejected.append(_reject_stored(staging, local, reason))
        return rejected
    for batch in pending_batches(staging):
        try:
            reason = verify_batch(batch)
        except FileNotFoundError:
            continue
        if reason:
            rejected.append(reject_batch(staging, batch, reason))
    return rejected


def remove_batch(staging: Path | ObjectStaging, batch) -> None:
    """Delete a staged batch (one of `pending_batches`): its folder, or on an object store
    everything under its name."""
    if isinstance(staging, ObjectStaging):
        staging.remove(batch)
    else:
        shutil.rmtree(batch, ignore_errors=True)


def _reject_stored(staging: ObjectStaging, local: Path, reason: str) -> RejectedBatch:
    """reject_batch for a batch on an object store (`local` is its downloaded copy)."""
    return RejectedBatch(local.name, reason, manifest_document_ids(local), staging.reject(local.name))


_HOST = socket.gethostname().replace("-", "_") or "host"


def _writer_tag() -> str:
    """`<host>-<pid>-<random>`: names what this process writes, so a cleaner can tell when its writer is gone."""
    return f"{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def check_staging(staging: Path | ObjectStaging) -> None:
    """On an object store, fail now (StagingUnreachable) if a batch could not be written there; a
    folder is created when its first batch is written, and says so itself if it cannot be."""
    if isinstance(staging, ObjectStaging):
        staging.probe()


def _local_copy() -> tempfile.TemporaryDirectory:
    """A folder in the system's temporary folder for a batch on its way to or from an object store
    (named `<LOCAL_TMP_PREFIX><random>-<writer tag>`, so clean_temporaries can tell when its writer is gone)."""
    return tempfile.TemporaryDirectory(prefix=LOCAL_TMP_PREFIX, suffix=f"-{_writer_tag()}")


def pending_batches(staging: Path | ObjectStaging) -> list:
    """The staged batches waiting to load: their folders, or on an object store their names."""
    if isinstance(staging, ObjectStaging):
        return staging.committed()
    if not staging.is_dir():
        return []
    return sorted(p for p in staging.iterdir() if p.is_dir() and p.name.startswith(BATCH_PREFIX))


def _manifests(staging: Path | ObjectStaging):
    """The manifests of the staged batches that can still be read (the others were loaded and
    removed meanwhile by another run's load step, or rejected)."""
    for batch in pending_batches(staging):
        try:
            if isinstance(staging, ObjectStaging):
                manifest = staging.manifest(batch)
            else:
                manifest = json.loads((batch / MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict):
            yield manifest


def staged_document_ids(staging: Path | ObjectStaging, version: str) -> set[str]:
    """Documents already in a staged batch of this extractor version (not yet loaded), as its
    manifest lists them (`verify_staged` has moved aside the batches that do not read back whole)."""
    found: set[str] = set()
    for manifest in _manifests(staging):
        if manifest.get("extractor_version") == version:
            found.update(i for i in manifest.get("document_ids", []) if isinstance(i, str))
    return found


def staged_bytes(staging: Path) -> int:
    """Bytes of the staged batches waiting to be loaded."""
    total = 0
    for batch in pending_batches(staging):
        for f in batch.glob("*.parquet"):
            try:
                total += f.stat().st_size
            except OSError:
                pass
    return total


def _writer_gone(name: str) -> bool:
    """Whether the process that wrote a `...-<host>-<pid>-<rand>` folder or part has exited."""
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


def clean_temporaries(staging: Path | ObjectStaging, older_than_s: float = 3600) -> int:
    """Remove `.tmp-*` folders left by killed runs (on an object store: parts no manifest names):
    at once when their writer process is gone, else after an hour (a live run may own a new one).
    Returns how many were removed. With an object store, this machine's local copies of batches
    whose process is gone are removed as well."""
    if isinstance(staging, ObjectStaging):
        _clean_folders(Path(tempfile.gettempdir()), LOCAL_TMP_PREFIX, older_than_s=None)
        stale = staging.stale_parts(older_than_s, _writer_gone)
        for name, part in stale:
            staging.remove(name, part)
        return len(stale)
    return _clean_folders(staging, ".tmp-", older_than_s)


def _clean_folders(parent: Path, prefix: str, older_than_s: float | None) -> int:
    """Remove parent's folders named prefix... whose writer is gone or (unless None) older than older_than_s."""
    if not parent.is_dir():
        return 0
    removed = 0
    now = time.time()
    for p in parent.iterdir():
        if not p.name.startswith(prefix):
            continue
        try:
            old = older_than_s is not None and now - p.stat().st_mtime > older_than_s
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
    rejected: list[RejectedBatch] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows inserted per raw table


#: Batches loaded per transaction. Each statement reads all of a group's files at once: loading
#: one batch after another (six deletes, six inserts and a commit each) cost 3.8 s of a whole-corpus
#: run's 67 batches; a group bounds what one transaction holds, whatever the corpus.
LOAD_GROUP = 64


def load_batches(con, staging: Path | ObjectStaging, current_version: str) -> LoadReport:
    """Load every staged batch into the raw tables (caller holds the warehouse lock).

    Each batch is verified first (one that does not read back whole is moved aside) and one of
    another extractor version is dropped. The others are loaded in groups of LOAD_GROUP, one
    transaction each: for every document still in raw.documents (not forgotten meanwhile) without
    rows of the current extractor version, the rows of any older version are replaced by those of
    the first batch (in name order) that holds it. Then the group's folders are deleted. On an
    object store, each group is downloaded to a local temporary folder first and loaded from there;
    the batches are deleted from the store once their transaction has committed.
    """
    report = LoadReport()
    if isinstance(staging, ObjectStaging):
        names = staging.committed()
        for start in range(0, len(names), LOAD_GROUP):
            with _local_copy() as tmp:
                ready = []
                for name in names[start : start + LOAD_GROUP]:
                    try:
                        local = staging.fetch(name, Path(tmp))
                    except FileNotFoundError:
                        continue  # loaded and removed meanwhile
                    reject, drop = partial(_reject_stored, staging, local), partial(remove_batch, staging, name)
                    if _ready(con, local, current_version, report, reject, drop):
                        ready.append(local)
                _load_ready(con, ready, current_version, report, lambda b: remove_batch(staging, b.name))
        return report
    ready: list[Path] = []
    for batch in pending_batches(staging):
        try:
            reject, drop = partial(reject_batch, staging, batch), partial(remove_batch, staging, batch)
            if _ready(con, batch, current_version, report, reject, drop):
                ready.append(batch)
        except FileNotFoundError:
            continue  # loaded and removed meanwhile
    for start in range(0, len(ready), LOAD_GROUP):
        _load_ready(con, ready[start : start + LOAD_GROUP], current_version, report, partial(remove_batch, staging))
    return report


def _ready(con, batch: Path, current_version: str, report: LoadReport, reject, drop) -> bool:
    """Whether a batch folder is ready to load. One that does not read back whole is rejected
    (`reject(reason)` moves it aside) and recorded; one of another extractor version is dropped."""
    if reason := verify_batch(batch):
        report.rejected.append(reject(reason))
        record_rejected_batches(con, report.rejected[-1:])
        return False
    ann = str(batch / "document_annotations.parquet")
    versions = {r[0] for r in con.execute("select distinct extractor_version from read_parquet(?)", [ann]).fetchall()}
    if versions != {current_version}:
        drop()
        report.skipped_stale += 1
        return False
    return True


def _load_ready(con, group: list[Path], current_version: str, report: LoadReport, remove) -> None:
    """One group in one transaction; then `remove(batch)` for each of its batches."""
    if not group:
        return
    with transaction(con):
        _load_group(con, group, current_version, report)
        killpoints.reached("load_before_commit")
    for batch in group:
        remove(batch)
    report.batches += len(group)


def _load_group(con, group: list[Path], current_version: str, report: LoadReport) -> None:
    """One transaction's work: the documents to load, each from the first batch holding it."""
    con.register("_group", pa.table({"batch_id": [b.name for b in group], "ord": list(range(len(group)))}))
    try:
        con.execute(
            """
            create or replace temp table _todo as
            with staged as (
                select b.document_id, g.batch_id, g.ord
                from read_parquet(?, filename = true) b
                join _group g on g.batch_id = parse_filename(parse_dirpath(b.filename))
            )
            select document_id, arg_min(batch_id, ord) as batch_id from staged
            where document_id in (select document_id from raw.documents)
              and document_id not in (select document_id from raw.document_annotations where extractor_version = ?)
            group by document_id""",
            [[str(b / "document_annotations.parquet") for b in group], current_version],
        )
        todo = con.execute("select count(*) from _todo").fetchone()[0]
        if todo:
            for table in ANNOTATION_TABLES:
                con.execute(f"delete from raw.{table} where document_id in (select document_id from _todo)")
            for table in ANNOTATION_TABLES:
                extra = ", t.batch_id" if table == "document_annotations" else ""
                inserted = con.execute(
                    f"""insert into raw.{table} by name
                    select b.* exclude (filename){extra}
                    from read_parquet(?, filename = true) b
                    join _todo t on t.document_id = b.document_id
                     and t.batch_id = parse_filename(parse_dirpath(b.filename))""",
                    [[str(b / f"{table}.parquet") for b in group]],
                ).fetchone()[0]
                report.rows[table] = report.rows.get(table, 0) + inserted
            changes.mark(con, "select document_id from _todo")
        con.execute(
            """merge into raw.loaded_batches t
               using (select g.batch_id, now()::timestamp as loaded_at, count(x.document_id)::integer as document_count
                      from _group g left join _todo x using (batch_id) group by g.batch_id) x
               on t.batch_id = x.batch_id
               when matched then update set loaded_at = x.loaded_at, document_count = x.document_count
               when not matched then insert by name"""
        )
        report.documents += todo
    finally:
        con.execute("drop table if exists _todo")
        con.unregister("_group")
