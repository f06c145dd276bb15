"""Ingest: files → raw.documents, raw.document_occurrences, raw.rejected_documents."""

from pipeline.assets.checks import rejection_rate
from pipeline.assets.python_assets import ingest_files

__all__ = ["ingest_files", "rejection_rate"]
