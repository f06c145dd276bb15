"""The known sources (the dbt seed known_sources.csv: news agencies, outlets, official bodies, with
their aliases) and how a cited name is told apart: a data module without spaCy, read by the
citation extractor (pipeline/nlp/sources.py), the entity resolver and the scan (a publisher's
source id), so the steps that only look a name up do not import spaCy."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.settings import SEEDS_DIR

KNOWN_SOURCES_CSV = SEEDS_DIR / "known_sources.csv"

OUTLET_WORDS = re.compile(
    r"\b(news ?paper|outlet|broadcaster|channel|television|tv|radio|magazine|website|portal"
    r"|daily|weekly|tabloid)\b",
    re.I,
)
#: Source kinds that are news organisations: a report by one carries what it reports (an article,
#: or a claim nested in its report's content), never speaks for it.
NEWS_KINDS = frozenset({"news_agency", "outlet"})
AGENCY_WORDS = re.compile(r"\b(news agency|press agency|agency|wire service)\b", re.I)
OFFICIAL_WORDS = re.compile(
    r"\b(ministry|ministries|department|government|council|office|police|army|military"
    r"|parliament|committee|commission|court|embassy|administration|service|kremlin"
    r"|white house)\b",
    re.I,
)


@dataclass(frozen=True)
class KnownSource:
    name: str
    kind: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def known_sources(path: Path = KNOWN_SOURCES_CSV) -> tuple[KnownSource, ...]:
    with open(path, encoding="utf-8", newline="") as f:
        return tuple(
            KnownSource(r["name"], r["kind"], tuple(a for a in (r["aliases"] or "").split("|") if a))
            for r in csv.DictReader(f)
        )


def normalise_key(name: str) -> str:
    name = re.sub(r"^(the)\s+", "", name.strip(), flags=re.I)
    name = re.sub(r"['’]s$", "", name)
    return re.sub(r"[^0-9a-z]+", " ", name.casefold()).strip()


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, KnownSource]:
    index = {}
    for src in known_sources():
        for alias in (src.name, *src.aliases):
            index[normalise_key(alias)] = src
    return index


@lru_cache(maxsize=1)
def _alias_regex() -> re.Pattern:
    names = sorted({a for s in known_sources() for a in (s.name, *s.aliases)}, key=len, reverse=True)
    # short all-caps aliases (AP, PA, FT) must match case-sensitively; longer ones ignore case
    parts = []
    for a in names:
        if len(a) <= 3:
            parts.append(f"(?-i:{re.escape(a)})")
        else:
            parts.append(re.escape(a))
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def lookup(name: str) -> KnownSource | None:
    return _alias_index().get(normalise_key(name))


def normalise(name: str, context: str = "") -> tuple[str, str, str]:
    """(source_key, name, kind) for a cited name; `context` is the phrase around it."""
    known = lookup(name)
    if known is not None:
        return normalise_key(known.name), known.name, known.kind
    key = normalise_key(name)
    display = re.sub(r"['’]s$", "", name.strip())
    if AGENCY_WORDS.search(context) or AGENCY_WORDS.search(name):
        kind = "news_agency"
    elif OUTLET_WORDS.search(context) or OUTLET_WORDS.search(name):
        kind = "outlet"
    elif OFFICIAL_WORDS.search(name) or OFFICIAL_WORDS.search(context):
        kind = "official_body"
    else:
        kind = "organization"
    return key, display, kind
