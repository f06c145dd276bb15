"""Syndicated copies and claim clusters: thin Dagster assets over warehouse/syndication.py and
warehouse/claim_clusters.py.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import time

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipeline.resources import WarehouseResource
from pipeline.warehouse.store import transaction

SYNDICATION_TABLES = {
    "document_minhash": "MinHash signature of each document's body (headline and short lines left out).",
    "document_minhash_bands": "LSH band hashes of each signature: the index a new document is looked up in.",
    "syndication_pairs": "Pairs of documents that are copies of one story (estimated Jaccard, containment).",
    "syndication_components": "Documents with at least one copy, and the connected group of copies they are in.",
}


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", t]),
            description=d,
            group_name="warehouse",
            kinds={"duckdb", "python"},
            deps=[AssetKey(["raw", "documents"])],
        )
        for t, d in SYNDICATION_TABLES.items()
    ],
    name="syndication_index",
    description="Recognise syndicated copies (lightly edited copies of one story) incrementally: only new "
    "documents are fingerprinted (MinHash of word shingles) and looked up in the stored LSH index.",
)
def syndication_index(context: AssetExecutionContext, warehouse: WarehouseResource):
    from pipeline.warehouse.syndication import update_syndication

    started = time.perf_counter()
    with warehouse.get_connection() as con:
        with transaction(con):
            stats = update_syndication(con)
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in SYNDICATION_TABLES}
    seconds = round(time.perf_counter() - started, 3)
    context.log.info(
        f"indexed {stats['documents_indexed']} new documents, {stats['pairs_found']} copies found in {seconds}s"
    )
    for table in SYNDICATION_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={
                "row_count": counts[table],
                **{f"this_run_{k}": v for k, v in stats.items()},
                "this_run_seconds": seconds,
            },
        )


CLUSTER_TABLES = {
    "claim_embeddings": "Sentence embedding (all-MiniLM-L6-v2) of each candidate claim compared by meaning.",
    "claim_cluster_speakers": "Which speakers' claims were clustered, from which set of claims.",
    "claim_clusters": "Claims of one speaker that say the same thing (same wording or same meaning).",
}


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", t]),
            description=d,
            group_name="warehouse",
            kinds={"duckdb", "python"},
            deps=[AssetKey(["raw", "entity_links"]), AssetKey(["raw", "claims"])],
        )
        for t, d in CLUSTER_TABLES.items()
    ],
    name="claim_clusters",
    description="Group the claims of one resolved speaker that say the same thing across documents: "
    "near-identical wording, or the same meaning by sentence embeddings. Only claims of speakers "
    "seen in at least two documents that share anchor words with a claim of their speaker in another "
    "document are embedded, each once.",
)
def claim_clusters(context: AssetExecutionContext, warehouse: WarehouseResource):
    from pipeline.warehouse.claim_clusters import update_claim_clusters

    started = time.perf_counter()
    with warehouse.get_connection() as con:
        with transaction(con):
            stats = update_claim_clusters(con)
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in CLUSTER_TABLES}
    seconds = round(time.perf_counter() - started, 3)
    context.log.info(
        f"{stats['candidate_claims']} candidate claims, {stats['claims_embedded']} embedded in "
        f"{stats['embed_seconds']}s, {stats['speakers_clustered']} speakers clustered again"
    )
    for table in CLUSTER_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={
                "row_count": counts[table],
                **{f"this_run_{k}": v for k, v in stats.items()},
                "this_run_seconds": seconds,
            },
        )
