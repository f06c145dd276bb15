"""Warehouse loads: staged batches → raw annotation tables, then the corpus-wide entity links, the
syndication index and the claim clusters."""

from pipeline.assets.checks import every_document_processed, no_batch_left_behind, no_duplicate_or_orphaned_rows
from pipeline.assets.python_assets import entity_links, load_annotations
from pipeline.assets.syndication import claim_clusters, syndication_index

__all__ = [
    "load_annotations",
    "entity_links",
    "syndication_index",
    "claim_clusters",
    "every_document_processed",
    "no_batch_left_behind",
    "no_duplicate_or_orphaned_rows",
]
