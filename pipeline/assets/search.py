"""The full-text search index (warehouse/search.py), rebuilt after dbt from the marts it indexes.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation.
"""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipeline.resources import WarehouseResource
from pipeline.warehouse.search import STEMMER, build_index

SEARCH_INDEX = AssetKey(["search", "index"])


@asset(
    key=SEARCH_INDEX,
    deps=[AssetKey(["fct_claims"]), AssetKey(["dim_documents"])],
    group_name="search",
    kinds={"duckdb", "python"},
    description="BM25 full-text index over claim contents (fct_claims.content_text) and document text "
    "(dim_documents.text) in the `search` schema, updated with the texts added, changed or gone; `newsclaims "
    "search` reads it.",
)
def search_index(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    started = time.monotonic()
    with warehouse.get_connection() as con:
        counts = build_index(con)
    seconds = round(time.monotonic() - started, 3)
    if counts["rebuilt"]:
        how = (
            "rebuilt whole"
            if counts["whole"]
            else f"{counts['added']} texts indexed, {counts['removed']} removed"
            + ("" if counts["checked_all"] else " (of the documents dbt redid)")
        )
        context.log.info(
            f"index over {counts['claims']} claims and {counts['documents']} documents: {how} in {seconds}s"
        )
    else:
        context.log.info("claims and documents unchanged since the index was built: left as it was")
    return MaterializeResult(
        metadata={
            "this_run_rebuilt": bool(counts["rebuilt"]),
            "this_run_texts_indexed": counts["added"],
            "this_run_texts_removed": counts["removed"],
            "this_run_whole_rebuild": bool(counts["whole"]),
            "this_run_compared_every_text": bool(counts["checked_all"]),
            "claims_indexed": counts["claims"],
            "documents_indexed": counts["documents"],
            "postings": counts["postings"],
            "distinct_terms": counts["terms"],
            "stemmer": STEMMER,
            "this_run_seconds": seconds,
        }
    )
