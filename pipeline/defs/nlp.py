"""NLP: spaCy over new documents in shards, staged as immutable Parquet batches."""

from pipeline.assets.shards import annotation_batches

__all__ = ["annotation_batches"]
