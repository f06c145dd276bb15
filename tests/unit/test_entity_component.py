"""The trained CoNLL entity component: shipped small and free of training text, loaded with the
base model in one pipeline, and merged with the base's other entities by fixed rules."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span

from pipeline.nlp import model as nm


def test_the_component_is_loaded_after_the_base_ner(nlp):
    names = nlp.pipe_names
    assert nm.ENTITY_PIPE in names, "pipeline/models/conll_ner is missing or does not fit the base model"
    assert (
        names.index("ner")
        < names.index("newsclaims_base_entities")
        < names.index(nm.ENTITY_PIPE)
        < names.index("newsclaims_merge_entities")
    )
    assert nm.component_signature() in nm.model_signature(nlp)


def test_the_component_built_in_the_base_vocab_tags_as_spacy_loading_its_folder_does(nlp):
    # add_entity_component builds it from its config and weights in the base's vocab (with the
    # vectors table of en_core_web_md but not that package's strings); spaCy's own load of the
    # shipped folder over the same vocab must tag every token the same way
    trained = spacy.load(nm.ENTITY_COMPONENT, vocab=nlp.vocab, exclude=["vocab", "tokenizer"])
    doc = nlp.make_doc(
        "Shares in Dravik Pharma fell after Orlanda Vintrup, its chief executive, told Reuters in "
        "Rotterdam that the European Commission would rule on the merger with Halvern Biotech."
    )
    for name, component in nlp.pipeline:
        if name == nm.ENTITY_PIPE:
            break
        doc = component(doc)
    ours = nlp.get_pipe(nm.ENTITY_PIPE)(doc.copy())
    theirs = trained.get_pipe(nm.ENTITY_PIPE)(doc.copy())
    spans = [(e.text, e.label_) for e in ours.ents]
    assert spans == [(e.text, e.label_) for e in theirs.ents]
    assert {("Dravik Pharma", "ORG"), ("Orlanda Vintrup", "PER"), ("Rotterdam", "LOC")} <= set(spans)


def test_it_finds_names_the_small_model_misses_and_keeps_its_dates_and_amounts(nlp):
    # invented names; en_core_web_sm alone calls the company a PERSON, finds nothing in the
    # all-capital headline and misses the dateline's place
    text = (
        "SOCCER - VELDHOVEN ROVERS SIGN STRIKER FROM ABROAD .\n"
        "ZELMORE 1996-08-22\n"
        "Shares in Dravik Pharma fell 12 percent to $40 million on Tuesday after the company warned on "
        "profits. Orlanda Vintrup, the chief executive, spoke in Rotterdam."
    )
    ents = {(e.text, e.label_) for e in nlp(text).ents}
    assert ("Dravik Pharma", "ORG") in ents
    assert ("VELDHOVEN ROVERS", "ORG") in ents
    assert ("ZELMORE", "GPE") in ents
    assert ("Orlanda Vintrup", "PERSON") in ents
    assert ("Rotterdam", "GPE") in ents
    assert {("Tuesday", "DATE"), ("12 percent", "PERCENT"), ("$40 million", "MONEY")} <= ents


def test_a_surname_after_the_full_name_is_the_person(nlp):
    doc = nlp("Marten Oskarsson won the final in straight sets. Oskarsson said he was tired.")
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "PERSON"] == [
        ("Marten Oskarsson", "PERSON"),
        ("Oskarsson", "PERSON"),
    ]


def _doc_with(nlp, text, base, names):
    doc = nlp.make_doc(text)
    doc.spans[nm.BASE_ENTS_KEY] = [Span(doc, s, e, label=label) for s, e, label in base]
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in names]
    return nm.merge_entities(doc)


def test_merge_rules(nlp):
    text = "German officials met Acme Corp in Paris on Monday with 3 Danes"
    #        0      1         2   3    4    5  6     7  8      9    10 11
    base = [(0, 1, "NORP"), (3, 5, "PERSON"), (6, 7, "GPE"), (7, 9, "DATE"), (10, 11, "CARDINAL"), (11, 12, "NORP")]
    names = [(0, 1, "MISC"), (3, 5, "ORG"), (6, 7, "LOC"), (11, 12, "MISC"), (8, 9, "MISC")]
    got = {(e.start, e.end, e.label_) for e in _doc_with(nlp, text, base, names).ents}
    assert got == {
        (0, 1, "NORP"),  # MISC on a span the base calls NORP keeps NORP
        (3, 5, "ORG"),  # the component's type wins over the base's
        (6, 7, "GPE"),  # LOC takes the base's place label
        (8, 9, "MISC"),  # MISC the base has no name for stays MISC ...
        (10, 11, "CARDINAL"),  # a base entity that is no name and overlaps none is kept
        (11, 12, "NORP"),
    }  # ... and the base DATE "on Monday" it overlaps is dropped
    assert nm.BASE_ENTS_KEY not in _doc_with(nlp, text, base, names).spans


def test_a_place_the_base_does_not_know_is_a_gpe(nlp):
    [ent] = _doc_with(nlp, "In Zorvath today", [], [(1, 2, "LOC")]).ents
    assert ent.label_ == "GPE"


def test_the_artifact_is_small_and_has_no_vocab():
    files = [p for p in nm.ENTITY_COMPONENT.rglob("*") if p.is_file()]
    assert files, "no trained component in pipeline/models/conll_ner"
    assert sum(p.stat().st_size for p in files) <= 25 * 1024 * 1024
    assert not (nm.ENTITY_COMPONENT / "vocab").exists() and not (nm.ENTITY_COMPONENT / "tokenizer").exists()


@pytest.mark.shared_data
def test_the_artifact_holds_no_rare_conll_training_token(shared_data):
    base = spacy.load(
        nm.resolve_model("en_core_web_md"),
        exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"],
    )
    counts = collections.Counter()
    for line in (shared_data / "conll2003" / "train.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] != "-DOCSTART-":
            counts[parts[0]] += 1
    rare = [t for t, c in counts.items() if c == 1 and len(t) >= 7 and t.isalpha() and t not in base.vocab.strings]
    assert len(rare) > 500
    blobs = [p.read_bytes() for p in Path(nm.ENTITY_COMPONENT).rglob("*") if p.is_file()]
    assert not [t for t in rare if any(t.encode() in b for b in blobs)]


def test_a_base_without_the_vectors_gets_no_component():
    assert not nm.component_fits({"newsclaims": {"vectors_shape": [20000, 300]}}, (0, 0))
    assert nm.component_fits({"newsclaims": {"vectors_shape": [20000, 300]}}, (20000, 300))
    assert not nm.component_fits(None, (20000, 300))
