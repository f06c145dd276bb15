"""Thin Dagster assets over ingest/, nlp/ and warehouse/: files → raw tables.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import functools
import os
import shutil
import time
from collections import Counter

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, asset, multi_asset

# the enrichment fans out into shards (one graph-backed asset, pipeline/assets/shards.py)
from pipeline.assets.shards import (  # noqa: F401 - collected by load_assets_from_modules
    annotation_batches,
    count_pending,
    pending_ids,
    pending_texts,
    stage_documents,
)
from pipeline.assets.executors import runs_here
from pipeline.ingest.files import list_files, read_corpus
from pipeline.ingest.language import LanguagePolicy
from pipeline.nlp import preload, warm
from pipeline.nlp.entities import ENTITY_OVERRIDES_CSV
from pipeline.nlp.workers import IN_PROCESS_MAX_DOCS, process_map, run_in_child
from pipeline.progress import progress
from pipeline.resources import LET_GO_CHANGED_DOCUMENTS, InputFolderResource, SpacyResource, WarehouseResource
from pipeline.warehouse import killpoints
from pipeline.warehouse.corpus import load_file_states, write_corpus
from pipeline.warehouse.batches import load_batches, staged_document_ids
from pipeline.warehouse.store import transaction

INGEST_TABLES = {
    "documents": "One row per distinct article text (document_id = hash of the decoded text), kept verbatim.",
    "document_occurrences": "One row per input file seen: its path relative to the input folder, its document, "
    "whether it is still present.",
    "rejected_documents": "Files (and feed records, FILE#LINE) that were not loaded, with a human-readable reason "
    "(empty, binary, not_text, too_large, language, bad_record, ...).",
    "input_scans": "When each input folder was last scanned: when the files found there unchanged were last seen.",
}
LOAD_TABLES = {
    "document_annotations": "Which documents were processed, by which extractor version, and when.",
    "sentences": "Sentence boundaries (character offsets) per document; navigation lists flagged.",
    "mentions": "spaCy entity mentions with label, character offsets and sentence index.",
    "claims": "Reported statements: speaker, cue and content spans, speaker resolution, carrying source.",
    "source_citations": "Where the text names who carried the information (BelTA reported ..., according to ...).",
    "document_errors": "Documents spaCy or an extractor raised on (stage, exception, extractor version); "
    "retried when the extractor version changes.",
}


def prefetch_model(context, spacy_model: SpacyResource, warehouse: WarehouseResource) -> None:
    """Start loading the model in the background when this process's NLP step will need it: the
    run's steps all run here (`executors.runs_here`) and a document awaits the current extractor.
    A model already loading in a process of its own (`newsclaims run`, pipeline/nlp/warm.py) is kept
    when it will annotate the documents waiting, and stopped otherwise; one loading in a fork server
    (`newsclaims run` on a new warehouse, pipeline/nlp/preload.py) is left to it."""
    if not runs_here(context):
        warm.stop()
        return
    if preload.serving(spacy_model.model):
        return  # the fork server `newsclaims run` started loads it, and the workers are forked from it
    with warehouse.get_connection() as con:
        waiting = count_pending(con, spacy_model.extractor_version(), limit=IN_PROCESS_MAX_DOCS + 1)
    if warm.keep_for(spacy_model.model, waiting):
        return  # the model loading in its own process annotates them
    if waiting:
        spacy_model.prefetch()


def _counts(con, tables) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


@multi_asset(
    specs=[
        AssetSpec(AssetKey(["raw", t]), description=d, group_name="ingest", kinds={"duckdb", "python"})
        for t, d in INGEST_TABLES.items()
    ],
    name="ingest_files",
    description="Read every article under the input folder (*.txt with optional NAME.meta.json sidecars, JSON "
    "Lines / JSON / CSV / TSV feeds, HTML pages, each also gzipped): decode, hash, deduplicate, detect the "
    "language, keep each occurrence's metadata, reject what is not English text (a bad feed record with its line). "
    "Unchanged files are not read again; a grown feed is read from where the last run stopped.",
)
def ingest_files(
    context: AssetExecutionContext,
    input_folder: InputFolderResource,
    warehouse: WarehouseResource,
    spacy_model: SpacyResource,
):
    with warehouse.get_connection() as con:
        known = load_file_states(con, input_folder.path)
    # the folder is listed once: to tell a big delivery, then to scan
    listing = list_files(input_folder.path)
    scan = functools.partial(_scan_and_write, input_folder, warehouse, spacy_model, known, listing)
    if len(listing) - len(known) >= LET_GO_CHANGED_DOCUMENTS:
        # a big folder is scanned and written in a process of its own: what the scan allocates and
        # frees fragments that process's heap, not the run's (workers.start_child)
        warehouse.let_go()
        stats, counts, rejections = run_in_child(scan, then=warehouse.let_go)
    else:
        stats, counts, rejections = scan()
    for r in rejections:
        context.log.warning(f"rejected {r.path}: {r.reason} ({r.detail})")
    by_reason = dict(sorted(Counter(r.reason for r in rejections).items()))
    for table in INGEST_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={
                "row_count": counts[table],
                **{f"this_run_{k}": v for k, v in stats.items()},
                "this_run_rejected_by_reason": MetadataValue.json(by_reason),
                "input_dir": MetadataValue.path(str(input_folder.path)),
            },
        )


def _scan_and_write(
    input_folder: InputFolderResource, warehouse: WarehouseResource, spacy_model: SpacyResource, known, listing
):
    """Scan the folder and write what it found: (this run's counts, the tables' row counts, the
    rejections)."""
    # a big folder's texts go to Parquet files beside the warehouse while it is scanned, not all to memory
    # (the folder is made only when needed, and removed once they are written)
    spill_dir = warehouse.path.parent / f".{warehouse.path.name}.ingest-{os.getpid()}"
    try:
        # new texts' languages are detected in spacy_model.n_process processes, forked without the
        # warehouse this process kept open
        with (
            progress(None, "scanning files", unit="files") as advance,
            process_map(spacy_model.n_process, before_fork=warehouse.let_go) as map_,
        ):
            corpus = read_corpus(
                input_folder.path,
                max_file_bytes=input_folder.max_file_bytes,
                language_policy=LanguagePolicy.from_env(),
                on_file=advance,
                known=known,
                spill_dir=spill_dir,
                map_=map_,
                listing=listing,
            )
        with warehouse.get_connection() as con:
            stats = {k: int(v) for k, v in write_corpus(con, corpus, input_folder.path).items()}
            counts = _counts(con, INGEST_TABLES)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    return stats, counts, corpus.rejections


def _pending(con, version: str) -> list[tuple[str, str]]:
    """(document_id, text) of every document the current extractor version has not processed (the
    shards' own definition of pending, in one read)."""
    return pending_texts(con, version, pending_ids(con, version))


def _annotate_and_stage(context, nlp, spacy_model: SpacyResource, staging, pending) -> tuple[list[str], int]:
    """spaCy and the extractors over pending documents, staged in batches; (batch ids, failures)."""
    stats = dict(done=0, failed=0, chars=0)
    batch_ids = stage_documents(
        context.log,
        nlp,
        spacy_model.batch_size,
        spacy_model.n_process,
        staging,
        ((text, doc_id) for doc_id, text in pending),
        len(pending),
        stats,
    )
    return batch_ids, stats["failed"]


def _log_rejected(context, rejected) -> None:
    for r in rejected:
        context.log.warning(
            f"staged batch {r.batch_id} moved aside to {r.moved_to}: {r.reason}; "
            f"its {len(r.document_ids) or 'unknown number of'} documents are processed again"
        )


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", t]), description=d, group_name="warehouse", kinds={"duckdb"}, deps=["annotation_batches"]
        )
        for t, d in LOAD_TABLES.items()
    ],
    name="load_annotations",
    description="Load staged annotation batches into the raw tables, one transaction per batch, under the "
    "warehouse lock (the single writer). A batch that does not read back whole is moved aside "
    "and its documents are processed again before the step ends.",
)
def load_annotations(context: AssetExecutionContext, spacy_model: SpacyResource, warehouse: WarehouseResource):
    version = spacy_model.extractor_version()
    killpoints.reached("load_start")
    with warehouse.get_connection() as con:
        report = load_batches(con, warehouse.staging, version)
        redo = _pending(con, version) if report.rejected else []
    _log_rejected(context, report.rejected)
    batches, documents, rejected, rows = report.batches, report.documents, list(report.rejected), dict(report.rows)
    if redo:
        staged = staged_document_ids(warehouse.staging, version)
        redo = [(d, t) for d, t in redo if d not in staged]
        context.log.info(f"processing {len(redo)} documents of rejected batches again")
        _annotate_and_stage(context, spacy_model.load(), spacy_model, warehouse.staging, redo)
        spacy_model.release()  # as collect_shards does: the steps after need no spaCy
        with warehouse.get_connection() as con:
            again = load_batches(con, warehouse.staging, version)
        batches, documents = batches + again.batches, documents + again.documents
        rejected += again.rejected
        rows = {t: rows.get(t, 0) + again.rows.get(t, 0) for t in LOAD_TABLES}
    with warehouse.get_connection() as con:
        counts = _counts(con, LOAD_TABLES)
    warehouse.let_go_if_many_changed()
    context.log.info(f"loaded {batches} batches ({documents} documents)")
    for table in LOAD_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={
                "row_count": counts[table],
                "this_run_rows_written": rows.get(table, 0),
                "batches_loaded": batches,
                "documents_loaded": documents,
                "stale_batches_dropped": report.skipped_stale,
                "batches_rejected": len(rejected),
            },
        )


@asset(
    key=AssetKey(["raw", "entity_links"]),
    deps=[AssetKey(["raw", "mentions"])],
    group_name="warehouse",
    kinds={"duckdb", "python"},
    description='Link every named mention to a canonical entity across the corpus ("Lukashenko" and '
    '"Alexander Lukashenko" are one entity), incrementally: only documents not resolved yet are '
    "read; the overrides seed (entity_overrides.csv) is applied on every run.",
)
def entity_links(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    from pipeline.nlp.entities import read_overrides
    from pipeline.warehouse.entities import update_entity_links

    started = time.perf_counter()
    overrides = read_overrides(ENTITY_OVERRIDES_CSV)
    with warehouse.get_connection() as con:
        with transaction(con):
            stats = update_entity_links(con, overrides)
        rows, entities = con.execute("select count(*), count(distinct entity_id) from raw.entity_links").fetchone()
    warehouse.let_go_if_many_changed()
    return MaterializeResult(
        metadata={
            "row_count": rows,
            "entity_count": entities,
            "overrides": len(overrides),
            **{f"this_run_{k}": v for k, v in stats.items()},
            "this_run_seconds": round(time.perf_counter() - started, 3),
        }
    )
