"""Syndicated copies and claim clusters: thin Dagster assets over warehouse/syndication.py and
warehouse/claim_clusters.py.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import functools
import time
from contextlib import ExitStack

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipeline.assets.python_assets import prefetch_model
from pipeline.nlp.embeddings import release_encoder
from pipeline.resources import LET_GO_CHANGED_DOCUMENTS, SpacyResource, WarehouseResource
from pipeline.warehouse.store import transaction

SYNDICATION_TABLES = {
    "document_minhash": "MinHash signature of each document's body (headline and short lines left out).",
    "document_minhash_bands": "LSH band hashes of each signature: the index a new document is looked up in.",
    "syndication_pairs": "Pairs of documents that are copies of one story (estimated Jaccard, containment).",
    "syndication_components": "Documents with at least one copy, and the connected group of copies they are in.",
}

CLUSTER_TABLES = {
    "claim_embeddings": "Sentence embedding (all-MiniLM-L6-v2) of each candidate claim compared by meaning.",
    "claim_cluster_speakers": "Which speakers' claims were clustered, from which set of claims.",
    "claim_clusters": "Claims of one speaker that say the same thing (same wording or same meaning).",
}


def _specs(tables: dict[str, str], deps: list[AssetKey]) -> list[AssetSpec]:
    return [
        AssetSpec(AssetKey(["raw", t]), description=d, group_name="warehouse", kinds={"duckdb", "python"}, deps=deps)
        for t, d in tables.items()
    ]


def _update(warehouse: WarehouseResource, update, tables: dict[str, str]) -> tuple[dict, dict[str, int]]:
    """`update(con)` in one transaction: its stats, and the tables' row counts after it."""
    with warehouse.get_connection() as con:
        with transaction(con):
            stats = update(con)
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
    return stats, counts


def _results(context, tables: dict[str, str], stats: dict, counts: dict[str, int], started: float, message):
    """Log `message(stats, seconds)`; one result per raw table."""
    seconds = round(time.perf_counter() - started, 3)
    context.log.info(message(stats, seconds))
    for table in tables:
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={
                "row_count": counts[table],
                **{f"this_run_{k}": v for k, v in stats.items()},
                "this_run_seconds": seconds,
            },
        )


def _materialize(context, warehouse: WarehouseResource, update, tables: dict[str, str], message, release=None):
    """Run `update(con)` in one transaction; log `message(stats, seconds)`; one result per raw table.
    `release()` after a step that changed many documents: what it loaded that the next steps of a
    big run need not hold (an update's next run in the same process, `newsclaims watch`, keeps it)."""
    started = time.perf_counter()
    stats, counts = _update(warehouse, update, tables)
    if warehouse.let_go_if_many_changed() and release is not None:
        release()
    yield from _results(context, tables, stats, counts, started, message)


def _index(
    warehouse: WarehouseResource, n_process: int, start: bool, forked=lambda: None
) -> tuple[dict, dict[str, int]]:
    """Index the new documents, their signatures made by workers forked from this process (on entering
    when `start`); `forked()` once they are (the model prefetch's thread starts only then). The
    workers end once every signature is made (`signed`), before the comparisons."""
    from pipeline.nlp.workers import process_map
    from pipeline.warehouse.syndication import update_syndication

    with ExitStack() as workers:
        # forked without the warehouse this process kept open (nor the memory DuckDB held for it)
        map_ = workers.enter_context(process_map(n_process, start=start, before_fork=warehouse.let_go))
        forked()
        return _update(
            warehouse, lambda con: update_syndication(con, map_=map_, signed=workers.close), SYNDICATION_TABLES
        )


def _indexed(stats: dict, seconds: float) -> str:
    return f"indexed {stats['documents_indexed']} new documents, {stats['pairs_found']} copies found in {seconds}s"


@multi_asset(
    specs=_specs(SYNDICATION_TABLES, [AssetKey(["raw", "documents"])]),
    name="syndication_index",
    description="Recognise syndicated copies (lightly edited copies of one story) incrementally: only new "
    "documents are fingerprinted (MinHash of word shingles) and looked up in the stored LSH index.",
)
def syndication_index(context: AssetExecutionContext, warehouse: WarehouseResource, spacy_model: SpacyResource):
    from pipeline.nlp.workers import MAP_MIN_ITEMS, run_in_child
    from pipeline.warehouse.syndication import pending_count

    started = time.perf_counter()
    with warehouse.get_connection() as con:
        pending = pending_count(con)
    index = functools.partial(_index, warehouse, spacy_model.n_process, pending >= MAP_MIN_ITEMS)
    prefetch = functools.partial(prefetch_model, context, spacy_model, warehouse)
    if pending >= LET_GO_CHANGED_DOCUMENTS:
        # many new documents are indexed in a process of their own: what their signatures and
        # buckets allocate and free fragments that process's heap, not the run's (workers.start_child)
        warehouse.let_go()
        stats, counts = run_in_child(index, then=warehouse.let_go)
        prefetch()
    else:
        stats, counts = index(forked=prefetch)
        warehouse.let_go_if_many_changed()
    yield from _results(context, SYNDICATION_TABLES, stats, counts, started, _indexed)


@multi_asset(
    specs=_specs(CLUSTER_TABLES, [AssetKey(["raw", "entity_links"]), AssetKey(["raw", "claims"])]),
    name="claim_clusters",
    description="Group the claims of one resolved speaker that say the same thing across documents: "
    "near-identical wording, or the same meaning by sentence embeddings. Only claims of speakers "
    "seen in at least two documents that share anchor words with a claim of their speaker in another "
    "document are embedded, each once.",
)
def claim_clusters(context: AssetExecutionContext, warehouse: WarehouseResource):
    from pipeline.warehouse.claim_clusters import update_claim_clusters

    yield from _materialize(
        context,
        warehouse,
        update_claim_clusters,
        CLUSTER_TABLES,
        lambda stats, seconds: (
            f"{stats['candidate_claims']} candidate claims, {stats['claims_embedded']} embedded "
            f"in {stats['embed_seconds']}s, {stats['speakers_clustered']} speakers clustered again"
        ),
        release=release_encoder,  # MiniLM's weights go before a big run's dbt build
    )
