"""Canonical entities across the corpus: "Lukashenko", "Alexander Lukashenko" and "Belarusian
President Alexander Lukashenko" are one entity.

A pure function over all mentions (it is corpus-wide, so it runs after loading, not per document):
  1. each mention gets a name key: titles, possessives and "the" dropped, case folded;
  2. a person named by part of a longer person name in the same document ("Lukashenko" beside
     "Alexander Lukashenko") takes the longer name, whatever label spaCy gave the short form;
  3. a one-word person name left over takes the one full name in the corpus that ends with it,
     when exactly one does (two people sharing a surname stay apart);
  4. a known news source's alias takes the source's name (BELTA → BelTA);
  5. organisations and places share one name space: spaCy's small model calls "Belarus" a GPE
     here and an ORG there, so one name is one entity whose label is its commonest label.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from pipeline.ids import stable_id
from pipeline.nlp.sources import lookup

RESOLVER_VERSION = "1"
TITLES = frozenset("""
    mr mrs ms miss dr prof sir dame lord lady president vice prime minister premier chancellor
    king queen prince princess pope general gen col sen rep gov governor mayor secretary ambassador
    foreign defence defense interior finance deputy state belarusian russian ukrainian american
    british french german chinese polish former late dictator leader opposition chief judge justice
""".split())
PERSONISH = frozenset({"PERSON"})
#: Labels whose same-named mentions are one entity whatever spaCy called each of them.
NAMED_GROUP = frozenset({"ORG", "GPE", "LOC", "FAC"})


def label_group(label: str) -> str:
    return "ORG_OR_PLACE" if label in NAMED_GROUP else label


@dataclass(frozen=True)
class MentionRef:
    mention_id: str
    document_id: str
    text: str
    label: str


@dataclass(frozen=True)
class EntityLink:
    mention_id: str
    entity_id: str
    entity_name: str
    entity_label: str


def name_tokens(text: str, label: str) -> list[str]:
    text = re.sub(r"['’]s?$", "", text.strip())
    toks = [t for t in re.split(r"\s+", text) if t]
    if toks and toks[0].lower() == "the":
        toks = toks[1:]
    if label in PERSONISH:
        while len(toks) > 1 and toks[0].lower().rstrip(".") in TITLES:
            toks = toks[1:]
    return toks


def _key(tokens: list[str]) -> str:
    return " ".join(t.casefold() for t in tokens)


def resolve_entities(mentions: list[MentionRef]) -> list[EntityLink]:
    display: dict[tuple[str, str], Counter] = defaultdict(Counter)
    labels: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_doc_person: dict[str, set[str]] = defaultdict(set)
    toks_of: dict[str, list[str]] = {}
    for m in mentions:
        toks = name_tokens(m.text, m.label)
        toks_of[m.mention_id] = toks
        if m.label in PERSONISH and len(toks) >= 2:
            by_doc_person[m.document_id].add(_key(toks))
    corpus_full: dict[str, set[str]] = defaultdict(set)  # surname → full-name keys
    for keys in by_doc_person.values():
        for k in keys:
            corpus_full[k.split()[-1]].add(k)

    target: dict[str, tuple[str, str]] = {}  # mention_id → (key, label)
    for m in mentions:
        toks = toks_of[m.mention_id]
        key = _key(toks)
        if not key:
            key = m.text.casefold()
        label = m.label
        full = by_doc_person.get(m.document_id, set())
        if label in PERSONISH or label in ("ORG", "GPE", "NORP") and len(toks) <= 2:
            longer = [k for k in full if k != key and (k.endswith(" " + key) or k.startswith(key + " "))]
            if len(longer) == 1 and (label in PERSONISH or len(toks) == 1):
                key, label = longer[0], "PERSON"
            elif label in PERSONISH and len(toks) == 1 and len(corpus_full.get(key, ())) == 1:
                (key,) = corpus_full[key]
        if label not in PERSONISH:
            known = lookup(" ".join(toks) or m.text)
            if known is not None:
                key = known.name.casefold()
                display[(key, label_group(label))][known.name] += 1000
        group = label_group(label)
        target[m.mention_id] = (key, group)
        display[(key, group)][" ".join(toks) or m.text] += 1
        labels[(key, group)][label] += 1
    links = []
    for m in mentions:
        key, group = target[m.mention_id]
        names = display[(key, group)]
        # the name: the most frequent surface form among the longest ones for a person
        best = max(names.items(), key=lambda kv: (kv[1] >= 1000, len(kv[0].split()) if group in PERSONISH else 0, kv[1], kv[0]))[0]
        label = max(labels[(key, group)].items(), key=lambda kv: (kv[1], kv[0]))[0]
        links.append(EntityLink(m.mention_id, stable_id("entity", group, key), best, label))
    return links
