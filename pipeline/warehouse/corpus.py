"""Writing a scanned corpus into the raw ingest tables (caller holds the warehouse lock).

One transaction per scan: a run killed here leaves the previous scan's state, never half of one.

- documents: keyed by the hash of their text, inserted once, never rewritten (so an unchanged
  article is never processed again);
- document_occurrences: one row per (input folder, path): which text the file holds now, and
  whether it was there on the last scan. A file that disappears is kept and marked absent; a file
  whose text changed points at the new document (a new version) and the old document stays;
- document_versions: every text a path has ever held (history for changed files and `forget`);
- rejected_documents: this folder's rejections as of this scan; `detected_at` is when a path was
  first rejected for its current reason;
- ingest_files: each file read and how far (read_corpus's `known` on the next scan), so an
  unchanged file is not read again and a grown feed is read on from where it stopped.

Metadata (url, publisher, published_at, author, ...) belongs to each occurrence: the same text can
arrive from two feeds. The publisher is normalised like a cited source (`publisher_source`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from pipeline.ids import stable_id
from pipeline.ingest.files import SPILL_SCHEMA, Corpus, FileStates, Occurrence
from pipeline.nlp.known_sources import normalise
from pipeline.warehouse import changes, killpoints
from pipeline.warehouse.schema import arrow_schema
from pipeline.warehouse.store import transaction
from pipeline.warehouse.views import registered


#: document_occurrences columns this module sets from the scan itself, not from the files read.
SCAN_STATE = ("first_seen_at", "last_seen_at", "present")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def publisher_source(publisher: str | None) -> tuple[str | None, str | None, str | None]:
    """(source_id, name, kind) of a publisher, normalised exactly as a cited source is (so
    "Reuters" the publisher and "Reuters" the cited agency are one dim_sources row); a publisher
    is an outlet unless the known-sources list or its name says otherwise."""
    if not publisher or not publisher.strip():
        return None, None, None
    key, name, kind = normalise(publisher)
    if not key:
        return None, None, None
    return stable_id("source", key), name, "outlet" if kind == "organization" else kind


def load_file_states(con, input_dir: Path) -> FileStates:
    """The last scan's state of each file it read in this input folder (read_corpus's `known`)."""
    root = str(Path(input_dir).resolve())
    return FileStates(
        con.execute(
            "select path, fingerprint, format, read_bytes, prefix_sha256, next_line, header from raw.ingest_files "
            "where input_dir = ?",
            [root],
        ).fetchall()
    )


def _occurrence_row(root: str, o: Occurrence) -> dict:
    m = o.meta
    source_id, name, kind = publisher_source(m.publisher)
    return dict(
        input_dir=root,
        path=o.path,
        document_id=o.document_id,
        size_bytes=o.size_bytes,
        modified_at=o.modified_at,
        encoding=o.encoding,
        decode_errors=o.decode_errors,
        file_path=o.file_path or o.path,
        format=o.format,
        line=o.line,
        title=m.title,
        url=m.url,
        publisher=m.publisher,
        published_at=m.published_at,
        published_at_text=m.published_at_text,
        author=m.author,
        declared_language=m.language,
        record_id=m.record_id,
        metadata=m.extra_json(),
        metadata_error="; ".join(m.problems) or None,
        publisher_source_id=source_id,
        publisher_name=name,
        publisher_kind=kind,
    )


def write_corpus(con, corpus: Corpus, input_dir: Path) -> dict[str, int]:
    """Upsert documents, occurrences, versions and rejections for one input folder.

    Files the scan kept (unchanged) or read from where it stopped (a grown feed) keep their
    earlier occurrences and rejections; every other path of the folder not seen is marked absent.
    Returns counts for materialisation metadata.
    """
    now = _now()
    root = str(Path(input_dir).resolve())
    docs = corpus.documents_table()
    occ = pa.Table.from_pylist(
        [_occurrence_row(root, o) for o in corpus.occurrences],
        schema=arrow_schema("document_occurrences", skip=SCAN_STATE),
    )
    rej = pa.Table.from_pylist(
        [
            dict(
                input_dir=root,
                path=r.path,
                reason=r.reason,
                detail=r.detail,
                size_bytes=r.size_bytes,
                file_path=r.file_path or r.path,
            )
            for r in corpus.rejections
        ],
        schema=arrow_schema("rejected_documents", skip=("detected_at",)),
    )
    kept = pa.Table.from_pylist(
        [dict(path=p, from_line=None) for p in sorted(corpus.kept_files)]
        + [dict(path=p, from_line=line) for p, line in sorted(corpus.appended_files.items())],
        schema=pa.schema([pa.field("path", pa.string()), pa.field("from_line", pa.int64())]),
    )
    states = pa.Table.from_pylist(
        [
            dict(
                input_dir=root,
                path=st.path,
                fingerprint=st.fingerprint,
                format=st.format,
                read_bytes=st.read_bytes,
                prefix_sha256=st.prefix_sha256,
                next_line=st.next_line,
                header=st.header,
            )
            for st in corpus.file_states
        ],
        schema=arrow_schema("ingest_files"),
    )
    # documents the scan spilled to Parquet are read from there, in a stream (pyarrow.dataset is
    # imported here, not with the module: it brings pandas, 0.4 s of every run's start)
    import pyarrow.dataset as ds

    spilled = (
        ds.dataset([str(p) for p in corpus.spilled_parts], format="parquet", schema=SPILL_SCHEMA)
        if corpus.spilled_parts
        else SPILL_SCHEMA.empty_table()
    )
    tables = dict(_docs=docs, _spilled=spilled, _occ=occ, _rej=rej, _kept=kept, _states=states)
    with registered(con, **tables), transaction(con):
        # for the marts keyed by document (pipeline/warehouse/changes.py): the documents of the
        # files read now (new or changed), the ones those paths held before, the ones whose last
        # file is about to be marked absent, and old ones about to get their language
        changes.mark(con, "select document_id from _occ")
        changes.mark(
            con,
            """select o.document_id from raw.document_occurrences o join _occ x using (path)
               where o.input_dir = ?""",
            [root],
        )
        changes.mark(
            con,
            """select document_id from raw.document_occurrences
               where input_dir = ? and present and path not in (select path from _occ)
                 and coalesce(file_path, path) not in (select path from _kept)""",
            [root],
        )
        for name in ("_docs", "_spilled"):
            changes.mark(
                con,
                f"""select d.document_id from raw.documents d join {name} x using (document_id)
                    where d.language is null or d.decode_errors is null""",
            )
        new_docs = 0
        for name in ("_docs", "_spilled"):
            new_docs += con.execute(
                f"select count(*) from {name} where document_id not in (select document_id from raw.documents) "
                "and document_id in (select document_id from _occ)"
            ).fetchone()[0]
            con.execute(
                f"insert into raw.documents by name select *, ?::timestamp as first_seen_at from {name} "
                "where document_id not in (select document_id from raw.documents) "
                "and document_id in (select document_id from _occ)",
                [now],
            )
            # documents stored before language id (or decode_errors) existed get theirs (nothing else is
            # ever rewritten)
            con.execute(f"""
                update raw.documents d set language = x.language, language_confidence = x.language_confidence,
                    language_uncertain = x.language_uncertain
                from {name} x where d.document_id = x.document_id and d.language is null""")
            con.execute(f"""
                update raw.documents d set decode_errors = x.decode_errors
                from {name} x where d.document_id = x.document_id and d.decode_errors is null""")
        con.execute(
            """
            merge into raw.document_occurrences t
            using (select o.*, ?::timestamp as first_seen_at, ?::timestamp as last_seen_at, true as present
                   from _occ o) x
            on t.input_dir = x.input_dir and t.path = x.path
            when matched then update set
                document_id = x.document_id, size_bytes = x.size_bytes,
                modified_at = x.modified_at, encoding = x.encoding,
                decode_errors = x.decode_errors, file_path = x.file_path, format = x.format,
                line = x.line, title = x.title, url = x.url, publisher = x.publisher,
                published_at = x.published_at, published_at_text = x.published_at_text,
                author = x.author, declared_language = x.declared_language,
                record_id = x.record_id, metadata = x.metadata,
                metadata_error = x.metadata_error, publisher_source_id = x.publisher_source_id,
                publisher_name = x.publisher_name, publisher_kind = x.publisher_kind,
                last_seen_at = x.last_seen_at, present = true
            when not matched then insert by name
        """,
            [now, now],
        )
        # files not read again because unchanged (or read on from where they stopped) were seen
        # now: this scan's time (raw.input_scans) is their last_seen_at in the marts, rather than
        # an update of every such row on every run (and the checkpoint rewriting them after).
        # A file gone was last seen by the scan before: its time goes to the row it leaves.
        con.execute(
            """
            update raw.document_occurrences set present = false,
                last_seen_at = coalesce((select max(scanned_at) from raw.input_scans where input_dir = ?),
                                        last_seen_at)
            where input_dir = ? and present and path not in (select path from _occ)
              and coalesce(file_path, path) not in (select path from _kept)
        """,
            [root, root],
        )
        con.execute("delete from raw.input_scans where input_dir = ?", [root])
        con.execute("insert into raw.input_scans values (?, ?::timestamp)", [root, now])
        con.execute(
            """
            merge into raw.document_versions t
            using (select input_dir, path, document_id, ?::timestamp as first_seen_at,
                          ?::timestamp as last_seen_at from _occ) x
            on t.input_dir = x.input_dir and t.path = x.path and t.document_id = x.document_id
            when matched then update set last_seen_at = x.last_seen_at
            when not matched then insert by name
        """,
            [now, now],
        )
        con.execute(
            """
            delete from raw.rejected_documents r where r.input_dir = ? and (
                r.path in (select path from _occ)
                -- a grown feed's records from the line it was read on from were read again
                or exists (select 1 from _kept k where k.path = r.file_path and k.from_line is not null
                           and try_cast(substr(r.path, length(k.path) + 2) as bigint) >= k.from_line
                           and not exists (select 1 from _rej x where x.path = r.path))
                or (coalesce(r.file_path, r.path) not in (select path from _kept) and not exists (
                    select 1 from _rej x where x.path = r.path and x.reason = r.reason)))""",
            [root],
        )
        con.execute(
            """
            merge into raw.rejected_documents t
            using (select *, ?::timestamp as detected_at from _rej) x
            on t.input_dir = x.input_dir and t.path = x.path
            when matched then update set detail = x.detail, size_bytes = x.size_bytes, file_path = x.file_path
            when not matched then insert by name
        """,
            [now],
        )
        con.execute("delete from raw.ingest_files where input_dir = ? and path not in (select path from _kept)", [root])
        con.execute("""
            merge into raw.ingest_files t using _states x
            on t.input_dir = x.input_dir and t.path = x.path
            when matched then update set
                fingerprint = x.fingerprint, format = x.format, read_bytes = x.read_bytes,
                prefix_sha256 = x.prefix_sha256, next_line = x.next_line, header = x.header
            when not matched then insert by name""")
        killpoints.reached("ingest_before_commit")
    return dict(
        files=len(corpus.occurrences) + len(corpus.rejections),
        documents=corpus.document_count(),
        new_documents=new_docs,
        occurrences=len(corpus.occurrences),
        rejected=len(corpus.rejections),
        unchanged_files=len(corpus.kept_files),
        appended_files=len(corpus.appended_files),
    )
