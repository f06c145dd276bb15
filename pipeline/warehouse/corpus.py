"""Writing a scanned corpus into the raw ingest tables (caller holds the warehouse lock).

One transaction per scan: a run killed here leaves the previous scan's state, never half of one.

- documents: keyed by the hash of their text, inserted once, never rewritten (so an unchanged
  article is never processed again);
- document_occurrences: one row per (input folder, path): which text the file holds now, and
  whether it was there on the last scan. A file that disappears is kept and marked absent; a file
  whose text changed points at the new document (a new version) and the old document stays;
- document_versions: every text a path has ever held (history for changed files and `forget`);
- rejected_documents: this folder's rejections as of this scan; `detected_at` is when a path was
  first rejected for its current reason.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from pipeline.ingest.files import Corpus
from pipeline.warehouse import killpoints
from pipeline.warehouse.schema import arrow_schema
from pipeline.warehouse.store import transaction


#: document_occurrences columns this module sets from the scan itself, not from the files read.
SCAN_STATE = ("first_seen_at", "last_seen_at", "present")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def write_corpus(con, corpus: Corpus, input_dir: Path) -> dict[str, int]:
    """Upsert documents, occurrences, versions and rejections for one input folder.

    Returns counts for materialisation metadata.
    """
    now = _now()
    root = str(Path(input_dir).resolve())
    docs = pa.Table.from_pylist(
        [
            dict(
                document_id=d.document_id,
                text=d.text,
                title=d.title,
                char_count=d.char_count,
                encoding=d.encoding,
                first_seen_at=now,
                language=d.language,
                language_confidence=d.language_confidence,
                language_uncertain=d.language_uncertain,
                decode_errors=d.decode_errors,
            )
            for d in corpus.documents.values()
        ],
        schema=arrow_schema("documents"),
    )
    occ = pa.Table.from_pylist(
        [
            dict(
                input_dir=root,
                path=o.path,
                document_id=o.document_id,
                size_bytes=o.size_bytes,
                modified_at=o.modified_at,
                encoding=o.encoding,
                decode_errors=o.decode_errors,
            )
            for o in corpus.occurrences
        ],
        schema=arrow_schema("document_occurrences", skip=SCAN_STATE),
    )
    rej = pa.Table.from_pylist(
        [
            dict(input_dir=root, path=r.path, reason=r.reason, detail=r.detail, size_bytes=r.size_bytes)
            for r in corpus.rejections
        ],
        schema=arrow_schema("rejected_documents", skip=("detected_at",)),
    )
    con.register("_docs", docs)
    con.register("_occ", occ)
    con.register("_rej", rej)
    try:
        with transaction(con):
            new_docs = con.execute(
                "select count(*) from _docs where document_id not in (select document_id from raw.documents)"
            ).fetchone()[0]
            con.execute(
                "insert into raw.documents by name select * from _docs "
                "where document_id not in (select document_id from raw.documents)"
            )
            # documents stored before language id (or decode_errors) existed get theirs (nothing else is
            # ever rewritten)
            con.execute("""
                update raw.documents d set language = x.language, language_confidence = x.language_confidence,
                    language_uncertain = x.language_uncertain
                from _docs x where d.document_id = x.document_id and d.language is null""")
            con.execute("""
                update raw.documents d set decode_errors = x.decode_errors
                from _docs x where d.document_id = x.document_id and d.decode_errors is null""")
            con.execute(
                """
                insert into raw.document_occurrences by name
                select o.*, ?::timestamp as first_seen_at, ?::timestamp as last_seen_at, true as present from _occ o
                on conflict (input_dir, path) do update set
                    document_id = excluded.document_id, size_bytes = excluded.size_bytes,
                    modified_at = excluded.modified_at, encoding = excluded.encoding,
                    decode_errors = excluded.decode_errors, last_seen_at = excluded.last_seen_at, present = true
            """,
                [now, now],
            )
            con.execute(
                """
                update raw.document_occurrences set present = false
                where input_dir = ? and present and path not in (select path from _occ)
            """,
                [root],
            )
            con.execute(
                """
                insert into raw.document_versions by name
                select input_dir, path, document_id, ?::timestamp as first_seen_at, ?::timestamp as last_seen_at from _occ
                on conflict (input_dir, path, document_id) do update set last_seen_at = excluded.last_seen_at
            """,
                [now, now],
            )
            con.execute(
                """
                delete from raw.rejected_documents r where r.input_dir = ? and not exists (
                    select 1 from _rej x where x.path = r.path and x.reason = r.reason)""",
                [root],
            )
            con.execute(
                """
                insert into raw.rejected_documents by name select *, ?::timestamp as detected_at from _rej
                on conflict (input_dir, path) do update set detail = excluded.detail, size_bytes = excluded.size_bytes
            """,
                [now],
            )
            killpoints.reached("ingest_before_commit")
    finally:
        for name in ("_docs", "_occ", "_rej"):
            con.unregister(name)
    return dict(
        files=len(corpus.occurrences) + len(corpus.rejections),
        documents=len(corpus.documents),
        new_documents=new_docs,
        occurrences=len(corpus.occurrences),
        rejected=len(corpus.rejections),
    )
