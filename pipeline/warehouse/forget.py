"""Takedown: remove a document and every row derived from it (`newsclaims forget`).

What is removed, in one transaction under the warehouse lock: the document's text (raw.documents),
its files (document_occurrences, document_versions), every annotation row of every extractor
version (document_annotations, sentences, mentions, claims, source_citations), the entity links of
its mentions, its entries in the syndication index, its claims' embeddings and clusters, and any
rejection recorded for the path given. Staged batches that contain it are deleted too. The caller
then rebuilds the entity links, the syndication groups, the claim clusters and the marts, and
compacts the file.

Deleted rows stay in a DuckDB file's free blocks until they are overwritten, so after a takedown
the database is copied into a fresh file that replaces the old one atomically (`compact`): the text
is then gone from the disk image as well, not just from every query.

A document is forgotten whole, by content: forgetting one path forgets the text, and every other
file holding the same text loses its row too. Nothing remembers it afterwards (no tombstone): if a
file with that text is in an input folder at the next run, it is new input and is loaded again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ids import text_id
from pipeline.warehouse import changes, syndication
from pipeline.warehouse.batches import pending_batches, remove_batch
from pipeline.warehouse.schema import ANNOTATION_TABLES
from pipeline.warehouse.staging import ObjectStaging
from pipeline.warehouse.store import transaction

DOCUMENT_ID = re.compile(r"[0-9a-f]{6,20}")


@dataclass
class ForgetPlan:
    target: str
    document_ids: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    #: (input_dir, path) of every file that held one of the documents, present or not
    files: list[tuple[str, str]] = field(default_factory=list)
    #: (input_dir, path) of rejections matching the path given
    rejections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.document_ids and not self.rejections


def _path_keys(target: str, input_dirs: list[str], input_dir: Path | None) -> set[tuple[str, str]]:
    """Every (input_dir, relative path) the target may name."""
    keys: set[tuple[str, str]] = set()
    given = Path(target).expanduser()
    absolute = Path(os.path.abspath(given))
    roots = [str(Path(input_dir).resolve())] if input_dir else input_dirs
    for root in roots:
        try:
            keys.add((root, absolute.relative_to(root).as_posix()))
        except ValueError:
            pass
        # and the form the file resolves to (the input folder is stored resolved)
        try:
            keys.add((root, Path(os.path.realpath(absolute)).relative_to(root).as_posix()))
        except ValueError:
            pass
        if not given.is_absolute():
            keys.add((root, given.as_posix()))
    return keys


def plan(con, target: str, input_dir: Path | None = None) -> ForgetPlan:
    """What `forget target` would remove: a document id (or a unique prefix of one) or a path."""
    p = ForgetPlan(target)
    if DOCUMENT_ID.fullmatch(target):
        ids = [
            r[0]
            for r in con.execute(
                "select document_id from raw.documents where starts_with(document_id, ?) order by 1", [target]
            ).fetchall()
        ]
        if len(ids) > 1:
            raise ValueError(f"{target!r} is the start of {len(ids)} document ids; give more of it")
        p.document_ids = ids
    if not p.document_ids:
        input_dirs = sorted(
            {
                r[0]
                for r in con.execute("""
            select input_dir from raw.document_occurrences union select input_dir from raw.document_versions
            union select input_dir from raw.rejected_documents""").fetchall()
            }
        )
        keys = _path_keys(target, input_dirs, input_dir)
        held = con.execute("""
            select input_dir, path, document_id from raw.document_versions
            union select input_dir, path, document_id from raw.document_occurrences""").fetchall()
        p.document_ids = sorted({d for i, path, d in held if (i, path) in keys})
        p.rejections = sorted(
            {
                (i, path)
                for i, path in con.execute("select input_dir, path from raw.rejected_documents").fetchall()
                if (i, path) in keys
            }
        )
    if p.document_ids:
        ids = p.document_ids
        p.titles = dict(
            con.execute(
                "select document_id, title from raw.documents where document_id in (select unnest(?::varchar[]))", [ids]
            ).fetchall()
        )
        p.files = sorted(
            {
                (i, path)
                for i, path in con.execute(
                    """
            select input_dir, path from raw.document_versions where document_id in (select unnest(?::varchar[]))
            union select input_dir, path from raw.document_occurrences
            where document_id in (select unnest(?::varchar[]))""",
                    [ids, ids],
                ).fetchall()
            }
        )
    return p


def remove(con, p: ForgetPlan) -> dict[str, int]:
    """Delete everything the plan names, in one transaction. Returns rows removed per table."""
    ids = p.document_ids
    removed: dict[str, int] = {}

    def delete(table: str, where: str, params: list) -> None:
        n = con.execute(f"select count(*) from raw.{table} where {where}", params).fetchone()[0]
        con.execute(f"delete from raw.{table} where {where}", params)
        removed[table] = removed.get(table, 0) + n

    by_doc = "document_id in (select unnest(?::varchar[]))"
    with transaction(con):
        delete(
            "entity_links",
            "mention_id in (select mention_id from raw.mentions where document_id in (select unnest(?::varchar[])))",
            [ids],
        )
        for table in ("claim_embeddings", "claim_clusters"):  # keyed by claim: before the claims go
            delete(
                table,
                "claim_id in (select claim_id from raw.claims where document_id in (select unnest(?::varchar[])))",
                [ids],
            )
        for table in ANNOTATION_TABLES:
            delete(table, by_doc, [ids])
        # the syndication index, and the groups the documents were in (one may split)
        old_groups = syndication.groups_of(con, ids)
        for table, n in syndication.remove_documents(con, ids).items():
            removed[table] = removed.get(table, 0) + n
        syndication.regroup_after_removal(con, old_groups)
        # the files that held them are read again on the next run (a file still holding the text loads it again)
        delete(
            "ingest_files",
            "exists (select 1 from raw.document_occurrences o where o.input_dir = ingest_files.input_dir "
            "and coalesce(o.file_path, o.path) = ingest_files.path and o.document_id in (select unnest(?::varchar[])))",
            [ids],
        )
        for table in ("document_occurrences", "document_versions", "documents"):
            delete(table, by_doc, [ids])
        for root, path in p.rejections:
            delete("rejected_documents", "input_dir = ? and path = ?", [root, path])
        changes.mark_ids(con, ids)
    return removed


def drop_staged_batches(staging: Path | ObjectStaging, document_ids: list[str]) -> int:
    """Delete staged (not yet loaded) batches holding any of these documents. Their other documents
    are simply processed again by the next run."""
    import pyarrow.parquet as pq

    wanted, dropped = set(document_ids), 0
    for batch in pending_batches(staging):
        try:
            if isinstance(staging, ObjectStaging):  # the manifest lists the documents (verified when loaded)
                ids = set(staging.manifest(batch).get("document_ids", []))
            else:
                ids = set(
                    pq.read_table(batch / "document_annotations.parquet", columns=["document_id"])
                    .column("document_id")
                    .to_pylist()
                )
        except Exception:  # noqa: BLE001 - removed meanwhile, or not a complete batch
            continue
        if ids & wanted:
            remove_batch(staging, batch)
            dropped += 1
    return dropped


def still_on_disk(p: ForgetPlan, max_bytes: int = 50_000_000) -> list[Path]:
    """Files in an input folder that still hold one of the forgotten texts (the next run would
    load them again)."""
    from pipeline.ingest.decode import Undecodable, decode_bytes

    found = []
    for root, path in p.files:
        f = Path(root) / path
        try:
            if not f.is_file() or f.stat().st_size > max_bytes:
                continue
            if text_id(decode_bytes(f.read_bytes()).text) in p.document_ids:
                found.append(f)
        except (OSError, Undecodable):
            continue
    return found


def compact(con, warehouse: Path) -> Path:
    """Copy the open database into a fresh file and put it in place of the old one (atomic rename).

    The caller holds the warehouse lock and must not use `con` afterwards (it is closed here).
    Returns the path of the replaced file.
    """
    warehouse = Path(warehouse).resolve()
    fresh = warehouse.with_name(f".{warehouse.name}.compact-{os.getpid()}")
    for leftover in (fresh, Path(f"{fresh}.wal")):
        leftover.unlink(missing_ok=True)
    (catalog,) = con.execute("select current_database()").fetchone()
    con.execute("checkpoint")
    con.execute(f"attach '{_sql_string(str(fresh))}' as newsclaims_compact")
    try:
        con.execute(f'copy from database "{_sql_ident(catalog)}" to newsclaims_compact')
    finally:
        con.execute("detach newsclaims_compact")
    con.close()
    with open(fresh, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(fresh, warehouse)
    Path(f"{warehouse}.wal").unlink(missing_ok=True)  # checkpointed above: belongs to the old file
    return warehouse


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


def _sql_ident(value: str) -> str:
    return value.replace('"', '""')
