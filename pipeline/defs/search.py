"""Search: the BM25 index over claim contents and document text."""

from pipeline.assets.search import search_index

__all__ = ["search_index"]
