"""NLP: spaCy over new documents, staged as immutable Parquet batches."""

from pipeline.assets.python_assets import annotation_batches

__all__ = ["annotation_batches"]
