"""Thin Dagster assets over ingest/, nlp/ and warehouse/: files → raw tables.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import time

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, asset, multi_asset

from pipeline.ingest.files import read_corpus
from pipeline.ingest.language import LanguagePolicy
from pipeline.nlp.annotate import annotate_texts, extractor_version
from pipeline.nlp.entities import ENTITY_OVERRIDES_CSV
from pipeline.resources import InputFolderResource, SpacyResource, WarehouseResource
from pipeline.warehouse import killpoints
from pipeline.warehouse.ingest import write_corpus
from pipeline.warehouse.batches import (
    clean_temporaries,
    load_batches,
    record_rejected_batches,
    staged_document_ids,
    verify_staged,
    write_batch,
)
from pipeline.warehouse.schema import ANNOTATION_TABLES
from pipeline.warehouse.store import transaction

INGEST_TABLES = {
    "documents": "One row per distinct article text (document_id = hash of the decoded text), kept verbatim.",
    "document_occurrences": "One row per input file seen: its path relative to the input folder, its document, "
                            "whether it is still present.",
    "rejected_documents": "Files that were not loaded, with a human-readable reason (empty, binary, not_text, "
                          "too_large, language, ...).",
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


def _counts(con, tables) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


@multi_asset(
    specs=[AssetSpec(AssetKey(["raw", t]), description=d, group_name="ingest", kinds={"duckdb", "python"})
           for t, d in INGEST_TABLES.items()],
    name="ingest_files",
    description="Read every *.txt under the input folder: decode, hash, deduplicate, detect the language, "
                "reject what is not English text.",
)
def ingest_files(context: AssetExecutionContext, input_folder: InputFolderResource, warehouse: WarehouseResource):
    corpus = read_corpus(input_folder.path, max_file_bytes=input_folder.max_file_bytes,
                         language_policy=LanguagePolicy.from_env())
    for r in corpus.rejections:
        context.log.warning(f"rejected {r.path}: {r.reason} ({r.detail})")
    with warehouse.get_connection() as con:
        stats = {k: int(v) for k, v in write_corpus(con, corpus, input_folder.path).items()}
        counts = _counts(con, INGEST_TABLES)
    for table in INGEST_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={
            "row_count": counts[table], **{f"this_run_{k}": v for k, v in stats.items()},
            "input_dir": MetadataValue.path(str(input_folder.path))})


def _pending(con, version: str) -> list[tuple[str, str]]:
    """(document_id, text) of every document the current extractor version has not processed."""
    return con.execute("""
        select d.document_id, d.text from raw.documents d
        where not exists (select 1 from raw.document_annotations a
                          where a.document_id = d.document_id and a.extractor_version = ?)
        order by d.document_id""", [version]).fetchall()


def _annotate_and_stage(context, nlp, spacy_model: SpacyResource, staging, pending) -> tuple[list[str], int]:
    """spaCy and the extractors over pending documents, staged in batches; (batch ids, failures)."""
    batch: dict[str, list] = {t: [] for t in ANNOTATION_TABLES}
    batch_ids, in_batch, done, failed = [], 0, 0, 0
    items = ((text, doc_id) for doc_id, text in pending)
    for doc_id, rows in annotate_texts(nlp, items, spacy_model.batch_size, spacy_model.n_process):
        for table, table_rows in rows.items():
            batch[table].extend(table_rows)
        for err in rows.get("document_errors", []):
            failed += 1
            context.log.warning(f"document {doc_id}: {err['stage']} raised {err['error_type']}: {err['message'][:300]}")
        in_batch += 1
        done += 1
        if in_batch >= spacy_model.batch_size:
            batch_ids.append(write_batch(staging, batch))
            batch, in_batch = {t: [] for t in ANNOTATION_TABLES}, 0
            context.log.info(f"staged {done}/{len(pending)} documents")
            if len(batch_ids) == 1 and done < len(pending):
                killpoints.reached("spacy_after_first_batch")
    if in_batch:
        batch_ids.append(write_batch(staging, batch))
    return batch_ids, failed


def _log_rejected(context, rejected) -> None:
    for r in rejected:
        context.log.warning(f"staged batch {r.batch_id} moved aside to {r.moved_to}: {r.reason}; "
                            f"its {len(r.document_ids) or 'unknown number of'} documents are processed again")


@asset(
    deps=[AssetKey(["raw", "documents"])],
    group_name="nlp",
    kinds={"spacy", "parquet"},
    description="Run spaCy (nlp.pipe) over every document not yet processed by the current extractor "
                "version (nor already staged by an earlier, interrupted run) and stage the mentions, claims "
                "and source citations as Parquet batches. A document spaCy or an extractor raises on is "
                "recorded as failed (raw.document_errors); the others go on.",
)
def annotation_batches(context: AssetExecutionContext, spacy_model: SpacyResource, warehouse: WarehouseResource) -> MaterializeResult:
    nlp = spacy_model.load()
    version = extractor_version(nlp)
    clean_temporaries(warehouse.staging)
    with warehouse.get_connection() as con:
        # under the lock: no load step removes a batch while it is checked
        rejected = verify_staged(warehouse.staging)
        record_rejected_batches(con, rejected)
        pending = _pending(con, version)
    _log_rejected(context, rejected)
    staged = staged_document_ids(warehouse.staging, version)
    if staged:
        pending = [(d, t) for d, t in pending if d not in staged]
        context.log.info(f"{len(staged)} documents already staged by an earlier run: loaded, not processed again")
    context.log.info(f"{len(pending)} documents to process with {version}")
    started = time.perf_counter()
    chars = sum(len(t) for _, t in pending)
    batch_ids, failed = _annotate_and_stage(context, nlp, spacy_model, warehouse.staging, pending)
    elapsed = time.perf_counter() - started
    return MaterializeResult(metadata={
        "documents_processed": len(pending), "documents_failed": failed, "batches_staged": len(batch_ids),
        "batches_rejected": len(rejected), "characters": chars,
        "seconds": round(elapsed, 3), "chars_per_second": round(chars / elapsed) if elapsed and chars else 0,
        "model": spacy_model.model, "extractor_version": version,
        "staging_dir": MetadataValue.path(str(warehouse.staging))})


@multi_asset(
    specs=[AssetSpec(AssetKey(["raw", t]), description=d, group_name="warehouse", kinds={"duckdb"},
                     deps=["annotation_batches"]) for t, d in LOAD_TABLES.items()],
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
    batches, documents, rejected = report.batches, report.documents, list(report.rejected)
    if redo:
        staged = staged_document_ids(warehouse.staging, version)
        redo = [(d, t) for d, t in redo if d not in staged]
        context.log.info(f"processing {len(redo)} documents of rejected batches again")
        _annotate_and_stage(context, spacy_model.load(), spacy_model, warehouse.staging, redo)
        with warehouse.get_connection() as con:
            again = load_batches(con, warehouse.staging, version)
        batches, documents = batches + again.batches, documents + again.documents
        rejected += again.rejected
    with warehouse.get_connection() as con:
        counts = _counts(con, LOAD_TABLES)
    context.log.info(f"loaded {batches} batches ({documents} documents)")
    for table in LOAD_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={
            "row_count": counts[table], "batches_loaded": batches,
            "documents_loaded": documents, "stale_batches_dropped": report.skipped_stale,
            "batches_rejected": len(rejected)})


@asset(
    key=AssetKey(["raw", "entity_links"]),
    deps=[AssetKey(["raw", "mentions"])],
    group_name="warehouse",
    kinds={"duckdb", "python"},
    description="Link every named mention to a canonical entity across the corpus (\"Lukashenko\" and "
                "\"Alexander Lukashenko\" are one entity), incrementally: only documents not resolved yet are "
                "read; the overrides seed (entity_overrides.csv) is applied on every run.",
)
def entity_links(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    from pipeline.nlp.entities import read_overrides
    from pipeline.warehouse.entities import update_entity_links

    overrides = read_overrides(ENTITY_OVERRIDES_CSV)
    with warehouse.get_connection() as con:
        with transaction(con):
            stats = update_entity_links(con, overrides)
        rows, entities = con.execute("select count(*), count(distinct entity_id) from raw.entity_links").fetchone()
    return MaterializeResult(metadata={"row_count": rows, "entity_count": entities, "overrides": len(overrides),
                                       **{f"this_run_{k}": v for k, v in stats.items()}})
