"""The enrichment (spaCy + the extractors) as one graph-backed asset that fans out into shards.

`annotation_batches` is computed by three ops:

    plan_shards ──(DynamicOut: one shard = a list of document ids)──► annotate_shard[...] ──► collect_shards

- `plan_shards` (short, under the warehouse lock) verifies the staged batches, lists the documents
  the current extractor version has not processed (and no earlier run has staged), and cuts them
  into shards of `shard_size` documents (0: one shard holding them all).
- each `annotate_shard` reads its documents' text from DuckDB in chunks, each chunk under the lock
  and released at once, runs spaCy and the extractors with no lock held, and writes immutable
  content-named Parquet batches to the staging location. Shards share nothing but the staging
  folder, so they can run one after another in one process, in parallel processes (Dagster's
  multiprocess executor) or on other machines (dagster-celery), and the result is the same.
- `collect_shards` sums what the shards did into the asset's metadata.

The single writer stays `load_annotations`: it loads every staged batch, whoever staged it.
The everyday `newsclaims_job` plans one shard (it runs in-process, spaCy's own `n_process` uses the
cores); `newsclaims_scaleout_job` (pipeline/scaleout.py) plans shards of NEWSCLAIMS_SHARD_SIZE
documents with one spaCy process each, and its executor spreads them.

No `from __future__ import annotations` here: Dagster inspects the annotations.
"""

import time

from dagster import (
    Config,
    DynamicOut,
    DynamicOutput,
    In,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    Output,
    graph_asset,
    op,
)
from dagster import AssetIn, AssetKey
from pydantic import Field

from pipeline.assets.dbt import dbt_models, prepare_build
from pipeline.assets.executors import follows_here
from pipeline.nlp import preload, warm
from pipeline.nlp.workers import IN_PROCESS_MAX_DOCS, processes_for
from pipeline.progress import progress
from pipeline.resources import SpacyResource, WarehouseResource
from pipeline.warehouse import killpoints
from pipeline.warehouse.batches import (
    check_staging,
    clean_temporaries,
    record_rejected_batches,
    staged_document_ids,
    verify_staged,
    write_batch,
)
from pipeline.warehouse.schema import ANNOTATION_TABLES

#: Documents whose text one read under the lock fetches (a shard streams its text in such chunks).
READ_CHUNK = 256

_MODELS: dict[tuple[str, str], object] = {}


def _build_follows_here(context) -> bool:
    """Whether the run's `dbt build` runs after this step in this process."""
    return follows_here(context, dbt_models.keys)


def shared_model(spacy_model: SpacyResource):
    """The spaCy pipeline, loaded once per process and extractor version (shards run one after
    another in one process share it; a retrained component changes the version and reloads)."""
    key = (spacy_model.model, spacy_model.extractor_version())
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = spacy_model.load()
    return _MODELS[key]


def release_shared_model(spacy_model: SpacyResource) -> None:
    """Drop the shards' pipeline and unload the model from this process (SpacyResource.release),
    and stop a warm model process still waiting (pipeline/nlp/warm.py) and the model's fork server
    (pipeline/nlp/preload.py)."""
    warm.stop()
    preload.stop()
    _MODELS.clear()
    spacy_model.release()


#: the documents the current extractor version (the query's one parameter) has not processed
PENDING = """
    select d.document_id from raw.documents d
    where not exists (select 1 from raw.document_annotations a
                      where a.document_id = d.document_id and a.extractor_version = ?)"""


def pending_ids(con, version: str) -> list[str]:
    """Every document the current extractor version has not processed, in document_id order."""
    return [r[0] for r in con.execute(f"{PENDING} order by d.document_id", [version]).fetchall()]


def count_pending(con, version: str, limit: int) -> int:
    """How many documents await the current extractor version, counted up to `limit`."""
    return con.execute(f"select count(*) from ({PENDING} limit ?)", [version, limit]).fetchone()[0]


def pending_texts(con, version: str, ids: list[str]) -> list[tuple[str, str]]:
    """(document_id, text) of those of ids still unprocessed by this version, in document_id order."""
    return con.execute(
        """
        select d.document_id, d.text from raw.documents d
        where d.document_id in (select unnest(?::varchar[]))
          and not exists (select 1 from raw.document_annotations a
                          where a.document_id = d.document_id and a.extractor_version = ?)
        order by d.document_id""",
        [ids, version],
    ).fetchall()


def split_shards(ids: list[str], shard_size: int) -> list[list[str]]:
    """Consecutive shards of at most shard_size ids (0: all in one); always at least one shard."""
    if shard_size <= 0 or len(ids) <= shard_size:
        return [list(ids)]
    return [ids[i : i + shard_size] for i in range(0, len(ids), shard_size)]


def stage_documents(log, nlp, batch_size: int, n_process: int, staging, items, total: int, stats: dict) -> list[str]:
    """spaCy and the extractors over (text, document_id) items, staged in batches of batch_size
    documents; returns the batch ids and counts documents, failures and characters in stats. A few
    documents stay in this process whatever n_process (`processes_for`)."""
    batch: dict[str, list] = {t: [] for t in ANNOTATION_TABLES}
    batch_ids, in_batch = [], 0
    with progress(total, "spaCy + extractors") as advance:
        if isinstance(nlp, warm.WarmModel):
            annotated = nlp.annotate_texts(items, batch_size)
        elif isinstance(nlp, preload.PreloadedModel):
            annotated = nlp.annotate_texts(items, batch_size, processes_for(total, n_process))
        else:  # spaCy is imported where it runs (a one-article update leaves it to the warm model's process)
            from pipeline.nlp.annotate import annotate_texts

            annotated = annotate_texts(nlp, items, batch_size, processes_for(total, n_process))
        for doc_id, rows in annotated:
            for table, table_rows in rows.items():
                batch[table].extend(table_rows)
            for err in rows.get("document_errors", []):
                stats["failed"] += 1
                log.warning(f"document {doc_id}: {err['stage']} raised {err['error_type']}: {err['message'][:300]}")
            in_batch += 1
            stats["done"] += 1
            advance(1)
            if in_batch >= batch_size:
                batch_ids.append(write_batch(staging, batch))
                batch, in_batch = {t: [] for t in ANNOTATION_TABLES}, 0
                log.info(f"staged {stats['done']}/{total} documents")
                if len(batch_ids) == 1 and stats["done"] < total:
                    killpoints.reached("spacy_after_first_batch")
    if in_batch:
        batch_ids.append(write_batch(staging, batch))
    return batch_ids


class ShardPlanConfig(Config):
    shard_size: int = Field(
        default=0, description="Documents per shard; 0 puts every pending document in one shard (the everyday job)."
    )
    shard_n_process: int = Field(
        default=0, description="spaCy processes per shard; 0 uses the spacy_model resource's n_process."
    )


@op(
    ins={"documents": In(Nothing)},
    out=DynamicOut(dict),
    description="Under the warehouse lock: verify staged batches, list the documents to process, cut them into shards.",
)
def plan_shards(
    context: OpExecutionContext, config: ShardPlanConfig, spacy_model: SpacyResource, warehouse: WarehouseResource
):
    version = spacy_model.extractor_version()
    staging = warehouse.staging
    check_staging(staging)
    clean_temporaries(staging)
    with warehouse.get_connection() as con:
        # under the lock: no load step removes a batch while it is checked
        rejected = verify_staged(staging)
        record_rejected_batches(con, rejected)
        ids = pending_ids(con, version)
    for r in rejected:
        context.log.warning(
            f"staged batch {r.batch_id} moved aside to {r.moved_to}: {r.reason}; "
            f"its {len(r.document_ids) or 'unknown number of'} documents are processed again"
        )
    staged = staged_document_ids(staging, version)
    if staged:
        ids = [d for d in ids if d not in staged]
        context.log.info(f"{len(staged)} documents already staged by an earlier run: loaded, not processed again")
    shards = split_shards(ids, config.shard_size)
    n_process = config.shard_n_process or spacy_model.n_process
    context.log.info(f"{len(ids)} documents to process with {version}, in {len(shards)} shard(s)")
    for i, shard in enumerate(shards):
        yield DynamicOutput(
            dict(
                index=i,
                document_ids=shard,
                n_process=n_process,
                version=version,
                rejected=len(rejected),
                planned=len(ids),
                already_staged=len(staged),
            ),
            mapping_key=f"shard_{i:05d}",
        )


@op(
    description="Read the shard's text (in chunks, each under the lock), run spaCy and the extractors with no "
    "lock held, and stage the rows as Parquet batches."
)
def annotate_shard(
    context: OpExecutionContext, spacy_model: SpacyResource, warehouse: WarehouseResource, shard: dict
) -> dict:
    ids = shard["document_ids"]
    stats = dict(done=0, failed=0, chars=0)
    started = time.perf_counter()
    batch_ids: list[str] = []
    if len(ids) > IN_PROCESS_MAX_DOCS:
        warehouse.let_go()  # other processes use the warehouse between this step's short reads
    elif ids and _build_follows_here(context):
        prepare_build(warehouse.path)  # while this process waits for the few documents' NLP
    if ids:
        # the model `newsclaims run` began loading in a process of its own takes a few documents
        warm_model = warm.take(spacy_model.model, len(ids))
        try:
            batch_ids = _annotate_shard(context, spacy_model, warehouse, shard, warm_model, stats, started)
        finally:
            if warm_model:
                warm_model.close()
    seconds = time.perf_counter() - started
    context.log.info(f"shard {shard['index']}: {stats['done']} documents, {len(batch_ids)} batches, {seconds:.1f}s")
    return dict(
        index=shard["index"],
        documents=stats["done"],
        failed=stats["failed"],
        characters=stats["chars"],
        batches=len(batch_ids),
        seconds=seconds,
        rejected=shard["rejected"],
        version=shard["version"],
        already_staged=shard["already_staged"],
    )


def _annotate_shard(context, spacy_model, warehouse, shard: dict, warm_model, stats: dict, started: float) -> list[str]:
    """The shard's documents through the warm model process when there is one, else workers forked
    from the model's fork server when `newsclaims run` started one (pipeline/nlp/preload.py), else
    the model loaded here."""
    ids = shard["document_ids"]
    nlp = warm_model or preload.model_for(spacy_model.model)
    if preload.failure():
        context.log.warning(f"{preload.failure()}; loading it in this process")
    nlp = nlp or shared_model(spacy_model)
    where = {warm.WarmModel: " (in its own process)", preload.PreloadedModel: " (in its fork server)"}
    context.log.info(f"spaCy model ready in {time.perf_counter() - started:.2f}s{where.get(type(nlp), '')}")
    if isinstance(nlp, (warm.WarmModel, preload.PreloadedModel)):
        version = nlp.version
    else:
        from pipeline.nlp.annotate import extractor_version

        version = extractor_version(nlp)
    if version != shard["version"]:
        raise RuntimeError(
            f"this worker's extractor version {version} is not the planned {shard['version']}: "
            "every worker needs the same newsclaims and model"
        )

    # a few documents' reads keep the warehouse open for the run's next short steps; more documents'
    # take the lock for each read only, and other processes use the warehouse between them
    few = len(ids) <= IN_PROCESS_MAX_DOCS

    def texts():
        for k in range(0, len(ids), READ_CHUNK):
            with warehouse.get_connection(keep_open=few) as con:
                rows = pending_texts(con, version, ids[k : k + READ_CHUNK])
            for doc_id, text in rows:
                stats["chars"] += len(text)
                yield text, doc_id

    return stage_documents(
        context.log, nlp, spacy_model.batch_size, shard["n_process"], warehouse.staging, texts(), len(ids), stats
    )


@op(description="Sum the shards' work into the asset's metadata.")
def collect_shards(
    context: OpExecutionContext, spacy_model: SpacyResource, warehouse: WarehouseResource, results: list
) -> Output:
    release_shared_model(spacy_model)  # every shard is done: the steps after need no spaCy
    results = sorted(results, key=lambda r: r["index"])
    processed = sum(r["documents"] for r in results)
    chars = sum(r["characters"] for r in results)
    seconds = sum(r["seconds"] for r in results)
    summary = dict(
        documents_processed=processed,
        documents_failed=sum(r["failed"] for r in results),
        batches_staged=sum(r["batches"] for r in results),
        batches_rejected=results[0]["rejected"] if results else 0,
        characters=chars,
        shards=len(results),
        documents_already_staged=results[0]["already_staged"] if results else 0,
    )
    return Output(
        summary,
        metadata={
            **summary,
            "seconds": round(seconds, 3),
            "chars_per_second": round(chars / seconds) if seconds and chars else 0,
            "documents_per_second": round(processed / seconds, 2) if seconds and processed else 0,
            "model": spacy_model.model,
            "extractor_version": results[0]["version"] if results else spacy_model.extractor_version(),
            "staging_dir": MetadataValue.path(str(warehouse.staging)),
        },
    )


@graph_asset(
    name="annotation_batches",
    ins={"documents": AssetIn(key=AssetKey(["raw", "documents"]), dagster_type=Nothing)},
    group_name="nlp",
    kinds={"spacy", "parquet"},
    description="Run spaCy (nlp.pipe) over every document not yet processed by the current extractor "
    "version (nor already staged by an earlier, interrupted run) and stage the mentions, claims "
    "and source citations as Parquet batches, in shards that run one after another "
    "(newsclaims_job) or in parallel (newsclaims_scaleout_job). A document spaCy or an extractor "
    "raises on is recorded as failed (raw.document_errors); the others go on.",
)
def annotation_batches(documents):
    return collect_shards(plan_shards(documents).map(annotate_shard).collect())
