"""Canonical entities: "Tony Blair", "Mr Blair" and "Blair" are one person; Cherie Blair is another.

Two steps, so adding an article costs in proportion to that article (pipeline.warehouse.entities
runs them incrementally; `resolve_document` never looks outside one document):

1. Per document (`resolve_document`), each named mention gets a *name key*:
   - titles (nameparser's vocabulary), possessives, "the" and the document's own NORP words
     ("Belarusian President Alexander Lukashenko") are dropped, case is folded;
   - a person named by one word takes the one full name in the document ending (else starting)
     with it ("Mr Blair" → "tony blair"); with two such names ("Tony Blair", "Cherie Blair") it
     stays ambiguous (kind `ambiguous`); with none it is a bare surname (kind `surname`);
   - an acronym takes the one name in the document whose capitalised words' initials spell it
     ("EU" beside "the European Union"); without one it is a bare acronym (kind `acronym`);
   - a known news source's alias takes the source's name (BELTA → BelTA);
   - a one-word person the document mostly labels otherwise ("Minsk") is that place or organisation;
   - an ORG/NORP one-word mention equal to the surname of one person named in full in the document
     is that person (the model's label slips); a place (GPE/LOC/FAC) never is: the city
     Washington is not George Washington, the country Jordan is not Jim Jordan.
2. Across the corpus (`choose`): a bare surname takes the full name ending with it, a bare acronym
   the name it stands for elsewhere, when there is one candidate, or one that holds at least
   DOMINANT_SHARE of the candidates' documents (and DOMINANT_MIN documents); otherwise it stays its
   own entity. People are one name space, every other named thing another (one organisation or
   place name is one entity whatever label each mention had); ids are hashes of (space, key), so
   they are the same on every run and whatever order documents came in.

Dates, times, numbers, money, percentages and quantities are not entities.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.ids import stable_id
from pipeline.nlp.name_words import (
    ACRONYM_SKIP,
    FEMALE_HONORIFICS,
    GIVEN_NAME_HONORIFICS,
    MALE_HONORIFICS,
    POST_NOMINALS,
    TITLES,
)
from pipeline.nlp.known_sources import lookup
from pipeline.settings import SEEDS_DIR

RESOLVER_VERSION = "5"
#: The dbt seed of hand corrections (merge, split, rename), read here as known_sources.csv is.
ENTITY_OVERRIDES_CSV = SEEDS_DIR / "entity_overrides.csv"
PERSON = "PERSON"
#: Labels that name something (people, organisations, places, groups, events, works, ...).
NAMED_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"}
)
#: Labels a person's name is sometimes given by mistake (never places).
PERSON_SLIP_LABELS = frozenset({"ORG", "NORP"})
#: Name spaces: people, and every other named thing.
PERSON_GROUP, NAME_GROUP = "PERSON", "NAME"
#: How a mention's name key was found in its document.
KIND_NAME, KIND_SURNAME, KIND_ACRONYM, KIND_AMBIGUOUS = "name", "surname", "acronym", "ambiguous"
#: A bare surname or acronym goes to a candidate holding this share of the candidates' documents.
DOMINANT_SHARE = 0.9
DOMINANT_MIN = 3
ACRONYM = re.compile(r"(?:[A-Z]\.?){2,6}")


@dataclass(frozen=True)
class MentionRef:
    mention_id: str
    document_id: str
    text: str
    label: str


@dataclass(frozen=True)
class DocLink:
    """A named mention's key within its document."""

    mention_id: str
    document_id: str
    group: str
    key: str
    form: str  # the name as written, titles and possessive dropped ("Mr Blair's" → "Blair")
    kind: str
    #: the surname or acronym the mention was written as, when it was one; for an ambiguous one-word
    #: person, the document's candidates ("cherie blair|tony blair")
    short: str | None = None
    gender: str | None = None  # M or F when an honorific says so ("Mr Blair", "Mrs Blair")


def entity_id(group: str, key: str) -> str:
    return stable_id("entity", group, key)


def name_tokens(text: str, label: str, norp: frozenset[str] = frozenset()) -> list[str]:
    return name_parts(text, label, norp)[1]


def name_parts(text: str, label: str, norp: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(title words, name words) of a mention: possessive and "the" dropped; for a person, the
    titles and the document's NORP words before the name."""
    text = re.sub(r"['’]s?$", "", text.strip())
    toks = [t for t in re.split(r"\s+", text) if t]
    if toks and toks[0].lower() == "the":
        toks = toks[1:]
    if label == PERSON:
        return split_title(toks, norp)
    return [], toks


def strip_titles(toks: list[str], norp: frozenset[str] = frozenset()) -> list[str]:
    """Drop the words before the last title that precedes the name ("Belarusian Foreign Minister
    Maksim Ryzhenkov" → "Maksim Ryzhenkov", "Mr Blair" → "Blair"), and leading NORP words; the
    last word is always kept ("Stephen King")."""
    return split_title(toks, norp)[1]


def split_title(toks: list[str], norp: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(the title words, the name words)."""
    last = -1
    for i, t in enumerate(toks[:-1]):
        w = _fold(t).rstrip(".")
        if w in TITLES or (t.isupper() and w in POST_NOMINALS):
            last = i
    cut = last + 1
    while len(toks) - cut > 1 and _fold(toks[cut]) in norp:
        cut += 1
    return toks[:cut], toks[cut:]


def title_gender(title: list[str]) -> str | None:
    """M or F when the title's last gendered honorific says so ("Mr", "Baroness"), else None."""
    for t in reversed(title):
        w = _fold(t).rstrip(".")
        if w in MALE_HONORIFICS:
            return "M"
        if w in FEMALE_HONORIFICS:
            return "F"
    return None


def _fold(s: str) -> str:
    return s.casefold().replace("’", "'")


def key_of(toks: list[str]) -> str:
    return " ".join(_fold(t) for t in toks)


def surname_parts(key: str) -> set[str]:
    """The words a full name's bearer may be called by alone: the last word, and each part of a
    hyphenated one ("Kilroy-Silk", "Kilroy", "Silk")."""
    last = key.split()[-1]
    return {last, *(p for p in last.split("-") if len(p) > 1)}


def initials(toks: list[str]) -> str:
    return "".join(t[0] for t in toks if t[:1].isupper() and t.lower() not in ACRONYM_SKIP).casefold()


def is_acronym(text: str) -> bool:
    return bool(ACRONYM.fullmatch(text))


def resolve_document(mentions: list[MentionRef]) -> list[DocLink]:
    """Name keys of one document's named mentions (other labels get none)."""
    named = [m for m in mentions if m.label in NAMED_LABELS]
    norp = frozenset(_fold(m.text) for m in named if m.label == "NORP" and " " not in m.text.strip())
    parts = {m.mention_id: name_parts(m.text, m.label, norp) for m in named}
    toks_of = {k: toks or [next(m.text.strip() for m in named if m.mention_id == k)] for k, (_, toks) in parts.items()}
    full: set[str] = {
        key_of(toks_of[m.mention_id]) for m in named if m.label == PERSON and len(toks_of[m.mention_id]) >= 2
    }
    by_last: dict[str, set[str]] = {}
    by_first: dict[str, set[str]] = {}
    for k in full:
        for part in surname_parts(k):
            by_last.setdefault(part, set()).add(k)
        by_first.setdefault(k.split()[0], set()).add(k)
    spelled: dict[str, set[str]] = {}
    for m in named:
        toks = toks_of[m.mention_id]
        if m.label != PERSON and len(toks) >= 2 and len(initials(toks)) >= 2:
            spelled.setdefault(initials(toks), set()).add(key_of(toks))
    votes: dict[str, list[int]] = {}  # a word's mentions labelled person / otherwise
    for m in named:
        votes.setdefault(_fold(m.text.strip()), [0, 0])[m.label != PERSON] += 1
    people: list[tuple[MentionRef, str, str, str | None, set[str]]] = []
    out = []
    for m in named:
        toks = toks_of[m.mention_id]
        key, form = key_of(toks), " ".join(toks)
        known = lookup(form)
        if known is not None:  # a news agency the model took for a person or a place is the agency
            out.append(DocLink(m.mention_id, m.document_id, NAME_GROUP, _fold(known.name), known.name, KIND_NAME))
            continue
        person, other = votes[_fold(m.text.strip())]
        if m.label == PERSON and " " not in key and other > person and not by_last.get(key) and not by_first.get(key):
            # a word the document mostly calls a place or organisation ("Minsk") is that one
            out.append(DocLink(m.mention_id, m.document_id, NAME_GROUP, key, form, KIND_NAME))
            continue
        if m.label == PERSON or (m.label in PERSON_SLIP_LABELS and len(toks) == 1 and len(by_last.get(key, ())) == 1):
            title = parts[m.mention_id][0]
            people.append((m, key, form, title_gender(title), _candidates_in(key, title, full, by_last, by_first)))
            continue
        kind, short = KIND_NAME, None
        if is_acronym(form):
            short = form.replace(".", "").casefold()
            found = spelled.get(short, set()) - {key}
            if len(found) == 1:
                (key,) = found
            elif not found:
                key, kind = short, KIND_ACRONYM
        out.append(DocLink(m.mention_id, m.document_id, NAME_GROUP, key, form, kind, short))
    return out + _people(people)


def _candidates_in(key: str, title: list[str], full: set[str], by_last: dict, by_first: dict) -> set[str]:
    """The document's full names a person mention may stand for: itself when it is one ("Earlier
    Tony Blair", a longer span ending with a full name of the document, is that name); for one
    word, the full names ending with it, else (with no title, or Sir/Dame) starting with it."""
    words = key.split()
    if len(words) >= 2:
        for i in range(1, len(words) - 1):
            if " ".join(words[i:]) in full:
                return {" ".join(words[i:])}
        return {key}
    found = by_last.get(key, set())
    if not found and (not title or _fold(title[-1]).rstrip(".") in GIVEN_NAME_HONORIFICS):
        found = by_first.get(key, set())
    return found


def _people(people: list[tuple[MentionRef, str, str, str | None, set[str]]]) -> list[DocLink]:
    """A one-word person takes its one candidate unless the honorifics say otherwise: the
    candidate's gender in the document is the majority of the honorifics of the mentions that
    can only be it ("Mr Kennedy"); "Baroness Kennedy" beside them is not that person."""
    votes: dict[str, list[int]] = {}
    for _, _, _, gender, cands in people:
        if gender and len(cands) == 1:
            votes.setdefault(next(iter(cands)), [0, 0])[gender == "F"] += 1
    sex = {c: ("M" if v[0] > v[1] else "F" if v[1] > v[0] else None) for c, v in votes.items()}
    out = []
    for m, key, form, gender, cands in people:
        if " " in key:
            out.append(
                DocLink(m.mention_id, m.document_id, PERSON_GROUP, next(iter(cands)), form, KIND_NAME, gender=gender)
            )
            continue
        fits = [c for c in sorted(cands) if not gender or sex.get(c) in (None, gender)]
        if len(fits) == 1 and len(cands) == 1:
            out.append(DocLink(m.mention_id, m.document_id, PERSON_GROUP, fits[0], form, KIND_NAME, key, gender))
        elif cands:
            out.append(
                DocLink(
                    m.mention_id,
                    m.document_id,
                    PERSON_GROUP,
                    key,
                    form,
                    KIND_AMBIGUOUS,
                    "|".join(sorted(cands)),
                    gender,
                )
            )
        else:
            out.append(DocLink(m.mention_id, m.document_id, PERSON_GROUP, key, form, KIND_SURNAME, key, gender))
    return out


def choose(
    candidates: dict[str, int], gender: str | None = None, sex: dict[str, str | None] | None = None
) -> str | None:
    """The full name a bare surname or acronym stands for, given the candidates' document counts:
    the only one, or one holding DOMINANT_SHARE of their documents (at least DOMINANT_MIN). With
    the mention's gender, candidates the corpus's honorifics give the other gender are left out."""
    if gender and sex:
        candidates = {c: n for c, n in candidates.items() if sex.get(c) in (None, gender)}
    if not candidates:
        return None
    if len(candidates) == 1:
        return next(iter(candidates))
    best, n = min(candidates.items(), key=lambda kv: (-kv[1], kv[0]))
    return best if n >= DOMINANT_MIN and n >= DOMINANT_SHARE * sum(candidates.values()) else None


# ---------------------------------------------------------------------------------------------
# Overrides (dbt seed entity_overrides.csv): applied after resolution, on every run.

OVERRIDE_ACTIONS = ("merge", "split", "rename")


@dataclass(frozen=True)
class Override:
    """merge: entity `name` into entity `target`; split: mentions written `name` out of entity
    `target` (they become the entity of that name, as if nothing resolved them); rename: entity `name` is called `target`. `label`
    PERSON limits the names to people, any other label to the other named things, empty to both."""

    action: str
    name: str
    target: str
    label: str = ""

    def groups(self) -> tuple[str, ...]:
        if not self.label:
            return (PERSON_GROUP, NAME_GROUP)
        return (PERSON_GROUP,) if self.label.upper() == PERSON else (NAME_GROUP,)


def override_key(name: str, group: str) -> str:
    toks = name_tokens(name, PERSON if group == PERSON_GROUP else "ORG")
    return key_of(toks) if toks else _fold(name.strip())


def read_overrides(path: Path) -> list[Override]:
    if not path.is_file():
        return []
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            action = (row.get("action") or "").strip().lower()
            if action not in OVERRIDE_ACTIONS:
                raise ValueError(f"{path}:{n}: action must be one of {', '.join(OVERRIDE_ACTIONS)}, not {action!r}")
            name, target = (row.get("name") or "").strip(), (row.get("target") or "").strip()
            if not name or not target:
                raise ValueError(f"{path}:{n}: name and target are required")
            out.append(Override(action, name, target, (row.get("label") or "").strip()))
    return out


def apply_overrides(group: str, key: str, form: str, overrides: list[Override]) -> str:
    """The entity key after merges and splits (renames only change the displayed name)."""
    for _ in range(len(overrides) + 1):  # merges may chain: A into B, B into C
        changed = False
        for o in overrides:
            if group not in o.groups():
                continue
            if o.action == "merge" and key == override_key(o.name, group) and key != override_key(o.target, group):
                key, changed = override_key(o.target, group), True
            elif (
                o.action == "split"
                and key == override_key(o.target, group)
                and _fold(form) in (_fold(o.name), override_key(o.name, group))
            ):
                return override_key(o.name, group)
        if not changed:
            break
    return key


def renames(overrides: list[Override]) -> dict[str, str]:
    """entity_id → the name an override gives it."""
    return {
        entity_id(g, override_key(o.name, g)): o.target for o in overrides if o.action == "rename" for g in o.groups()
    }
