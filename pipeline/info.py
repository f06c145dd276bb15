"""`newsclaims info`: what a run would use (settings resolved as a run resolves them, and versions),
without loading the spaCy model's weights or opening the warehouse."""

from __future__ import annotations

import platform
from importlib import metadata

from pipeline.settings import Settings, cpu_count

#: Distributions whose versions `info` reports (name in the output → distribution on PyPI).
PACKAGES = {
    "newsclaims": "newsclaims",
    "spacy": "spacy",
    "dagster": "dagster",
    "dagster-celery": "dagster-celery",
    "dbt-core": "dbt-core",
    "dbt-duckdb": "dbt-duckdb",
    "duckdb": "duckdb",
}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def run_info(settings: Settings) -> dict:
    from pipeline.nlp.annotate import extractor_version_for

    try:
        extractor = extractor_version_for(settings.spacy_model)
    except Exception as exc:  # noqa: BLE001 - a model that is not installed is worth reporting, not a crash
        extractor = f"unavailable ({type(exc).__name__}: {exc})"
    versions = {name: _version(dist) for name, dist in PACKAGES.items()}
    versions.update(extractor_version=extractor, python=platform.python_version())
    return {
        "spacy_model": settings.spacy_model,
        "batch_size": settings.batch_size,
        "n_process": settings.n_process,
        "warehouse": str(settings.warehouse),
        "staging": settings.staging,
        "input_dir": str(settings.input_dir),
        "lock_timeout": settings.lock_timeout,
        "dbt_memory_limit": settings.dbt_memory_limit,
        "duckdb_memory_limit": settings.duckdb_memory_limit,
        "cache_dir": str(settings.cache_dir),
        "scaleout": {
            "executor": settings.scaleout_executor,
            "shard_size": settings.shard_size,
            "max_concurrent": settings.scaleout_processes,
            "celery_broker": settings.celery_broker if settings.scaleout_executor == "celery" else None,
        },
        "versions": versions,
        "cpu_count": cpu_count(),
        "platform": platform.platform(),
    }


def format_info(info: dict) -> str:
    lines = []
    for key, value in info.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {v}" for k, v in value.items())
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
