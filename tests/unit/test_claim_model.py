"""The learned claim component: shipped small and free of training text, loaded into the one
pipeline, its tags decoded into claims by fixed rules and combined with the rules' claims."""

from __future__ import annotations

import collections
import re
from dataclasses import replace
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from pipeline.nlp import claim_model as cm
from pipeline.nlp import model as nm
from pipeline.nlp.claims import Claim
from pipeline.settings import default_model


def _tagged(words, tags, heads=None, deps=None, sent_starts=None):
    vocab = spacy.blank("en").vocab
    sent_starts = sent_starts or [True] + [False] * (len(words) - 1)
    doc = Doc(vocab, words=words, heads=heads, deps=deps, sent_starts=sent_starts)
    for tok, tag in zip(doc, tags, strict=True):
        tok._.claim_tag = tag
        tok._.claim_prob = 0.9
        tok._.claim_cue_prob = 0.9 if tag.endswith("Q") else 0.05
    return doc


def _text(doc, span):
    return doc.text[span[0] : span[1]] if span else None


def test_tags_become_source_cue_and_content_spans():
    words = ["The", "mayor", "thinks", "the", "bridge", "is", "safe", "."]
    tags = ["O|B-S", "O|I-S", "O|B-Q", "B|O", "I|O", "I|O", "I|O", "O|O"]
    spans = cm.tag_spans(_tagged(words, tags))
    assert spans == {"S": [(0, 2)], "Q": [(2, 3)], "C": [(3, 7)]}


def test_a_learned_claim_is_decoded_around_its_cue(monkeypatch):
    # "The mayor thinks the bridge is safe. Critics doubt such rosy claims. Engineers see a risk."
    words = [
        "The",
        "mayor",
        "thinks",
        "the",
        "bridge",
        "is",
        "safe",
        ".",
        "Critics",
        "doubt",
        "such",
        "rosy",
        "claims",
        ".",
        "Engineers",
        "see",
        "a",
        "risk",
        ".",
    ]
    heads = [1, 2, 2, 4, 5, 2, 5, 2, 9, 9, 12, 12, 9, 9, 15, 15, 17, 15, 15]
    deps = [
        "det",
        "nsubj",
        "ROOT",
        "det",
        "nsubj",
        "ccomp",
        "acomp",
        "punct",
        "nsubj",
        "ROOT",
        "amod",
        "amod",
        "dobj",
        "punct",
        "nsubj",
        "ROOT",
        "det",
        "dobj",
        "punct",
    ]
    tags = [
        "O|B-S",
        "O|I-S",
        "O|B-Q",
        "B|O",
        "I|O",
        "I|O",
        "I|O",
        "O|O",
        "O|O",
        "O|B-Q",
        "B|O",
        "I|O",
        "I|O",
        "O|O",  # no source tagged: the parse's subject is taken
        "O|B-S",
        "O|B-Q",
        "B|O",
        "I|O",
        "O|O",
    ]  # a two-token content: kept only as the cue's object in the parse (SHORT_OBJECT_MIN_TOKENS)
    starts = [True] + [False] * 7 + [True] + [False] * 5 + [True] + [False] * 4
    doc = _tagged(words, tags, heads, deps, starts)
    claims = cm.learned_claims(doc)
    seen = [
        (_text(doc, c.speaker), _text(doc, c.cue), _text(doc, c.content), c.sentence_index, c.construction)
        for c in claims
    ]
    assert seen == [
        ("The mayor", "thinks", "the bridge is safe", 0, "learned"),
        ("Critics", "doubt", "such rosy claims", 1, "learned"),
        ("Engineers", "see", "a risk", 2, "learned"),
    ]
    assert doc[claims[0].speaker_token].text == "mayor"
    monkeypatch.setattr(cm, "SHORT_OBJECT_MIN_TOKENS", 0)  # short contents never: the last one goes
    assert [(c.sentence_index, _text(doc, c.content)) for c in cm.learned_claims(doc)] == [
        (0, "the bridge is safe"),
        (1, "such rosy claims"),
    ]


def test_content_before_the_cue_and_no_source():
    words = ["Taxes", "will", "rise", ",", "officials", "expect", "."]
    tags = ["B|O", "I|O", "I|O", "O|O", "O|B-S", "O|B-Q", "O|O"]
    doc = _tagged(words, tags)
    [c] = cm.learned_claims(doc)
    assert (_text(doc, c.speaker), _text(doc, c.cue), _text(doc, c.content)) == (
        "officials",
        "expect",
        "Taxes will rise",
    )
    doc = _tagged(["Expected", "to", "rise", "sharply", "."], ["O|B-Q", "B|O", "I|O", "I|O", "O|O"])
    [c] = cm.learned_claims(doc)
    assert c.speaker is None and c.speaker_token is None and _text(doc, c.content) == "to rise sharply"


def test_an_unsure_cue_gives_no_claim():
    doc = _tagged(["Officials", "expect", "taxes", "to", "rise", "."], ["O|B-S", "O|B-Q", "B|O", "I|O", "I|O", "O|O"])
    assert len(cm.learned_claims(doc)) == 1
    doc[1]._.claim_cue_prob = cm.MIN_CUE_PROB / 2
    assert cm.learned_claims(doc) == []


def test_a_cue_without_content_gives_no_claim_and_untagged_docs_none():
    assert cm.learned_claims(_tagged(["He", "said", "."], ["O|B-S", "O|B-Q", "O|O"])) == []
    assert cm.learned_claims(Doc(spacy.blank("en").vocab, words=["He", "said", "so"])) == []


def test_a_short_content_is_taken_where_it_is_the_cues_object(monkeypatch):
    # "Critics called for the ban ." / "Critics called for the ban yesterday ."
    words = ["Critics", "called", "for", "the", "ban", "."]
    tags = ["O|B-S", "O|B-Q", "O|I-Q", "B|O", "I|O", "O|O"]
    heads = [1, 1, 1, 4, 2, 1]
    deps = ["nsubj", "ROOT", "prep", "det", "pobj", "punct"]
    doc = _tagged(words, tags, heads=heads, deps=deps)
    monkeypatch.setattr(cm, "SHORT_OBJECT_MIN_TOKENS", 0)
    assert cm.learned_claims(doc) == []  # two tokens: under MIN_CONTENT_TOKENS
    monkeypatch.setattr(cm, "SHORT_OBJECT_MIN_TOKENS", 2)
    [c] = cm.learned_claims(doc)
    assert (_text(doc, c.speaker), _text(doc, c.cue), _text(doc, c.content)) == ("Critics", "called for", "the ban")
    words = ["Critics", "called", "for", "the", "ban", "yesterday", "."]
    tags = ["O|B-S", "O|B-Q", "O|I-Q", "B|O", "I|O", "O|O", "O|O"]
    doc = _tagged(
        words, tags, heads=[1, 1, 1, 4, 2, 1, 1], deps=["nsubj", "ROOT", "prep", "det", "pobj", "npadvmod", "punct"]
    )
    assert len(cm.learned_claims(doc)) == 1
    doc[4]._.claim_tag = "O|O"  # "the" alone is no object
    assert cm.learned_claims(doc) == []


def test_a_sure_learned_cue_inside_a_rule_content_is_a_nested_claim(monkeypatch):
    rule = Claim(0, (10, 14), "say", (20, 60), (0, 9), "verb_clause")
    inside = Claim(0, (30, 35), "want", (36, 44), None, "learned", probability=0.9)
    monkeypatch.setattr(cm, "INSIDE_RULES_MIN_CUE_PROB", 1.01)
    assert cm.combine([rule], [inside]) == [rule]
    monkeypatch.setattr(cm, "INSIDE_RULES_MIN_CUE_PROB", 0.8)
    assert cm.combine([rule], [inside]) == [rule, inside]
    assert cm.combine([rule], [replace(inside, probability=0.7)]) == [rule]


def test_rules_win_where_both_find_a_claim():
    rule = Claim(0, (10, 14), "say", (20, 60), (0, 9), "verb_clause")
    same_cue = Claim(0, (10, 14), "say", (20, 40), (0, 9), "learned")
    same_content = Claim(0, (70, 75), "think", (22, 60), None, "learned")
    inside = Claim(0, (30, 35), "hope", (36, 50), None, "learned")  # nested in the rule's content
    new = Claim(1, (90, 96), "expect", (97, 120), (80, 89), "learned")
    assert cm.combine([rule], [same_cue, same_content, inside, new]) == [rule, new]
    assert cm.combine([rule], []) == [rule]


def test_a_learned_content_replaces_a_parse_bounded_rule_content():
    obj = Claim(0, (10, 18), "reject", (19, 30), (0, 9), "verb_object")
    clause = Claim(1, (50, 54), "say", (60, 90), (40, 49), "verb_clause")
    on_obj = Claim(0, (10, 18), "reject", (19, 45), None, "learned")
    on_clause = Claim(1, (50, 54), "say", (60, 70), None, "learned")
    got = cm.combine([obj, clause], [on_obj, on_clause])
    assert got == [Claim(0, (10, 18), "reject", (19, 45), (0, 9), "verb_object"), clause]


def test_a_rule_claim_whose_cue_the_tagger_does_not_back_is_dropped(monkeypatch):
    words = ["He", "offered", "a", "plan", ".", "She", "said", "it", "works", "."]
    tags = ["O|B-S", "O|O", "O|O", "O|O", "O|O", "O|B-S", "O|B-Q", "B|O", "I|O", "O|O"]
    doc = _tagged(words, tags)
    doc[1]._.claim_cue_prob = 0.02  # "offered": a cue to the rules, none to the tagger
    offered = Claim(0, (3, 10), "offer", (11, 17), (0, 2), "verb_object")
    said = Claim(1, (24, 28), "say", (29, 37), (20, 23), "verb_clause")
    assert cm.vet_rules(doc, [offered, said]) == [said]
    monkeypatch.setattr(cm, "RULE_MIN_CUE_PROB", 0.0)
    assert cm.vet_rules(doc, [offered, said]) == [offered, said]
    assert cm.vet_rules(Doc(doc.vocab, words=words), [offered, said]) == [offered, said]  # no tagger


def test_a_claim_a_news_organisation_reports_survives_the_veto_but_not_one_a_person_reports(monkeypatch):
    # "Smith said the plan works , Reuters reported ." : PolNeAR annotates only the outer
    # attribution, so the tagger gives the inner "said" no cue probability; Reuters carries it
    def claims(reporter):
        words = ["Smith", "said", "the", "plan", "works", ",", reporter, "reported", "."]
        tags = ["I|O", "I|O", "I|O", "I|O", "I|O", "O|O", "O|B-S", "O|B-Q", "O|O"]
        doc = _tagged(words, tags)
        doc[1]._.claim_cue_prob = 0.02
        text = doc.text
        said = Claim(0, (6, 10), "say", (11, 25), (0, 5), "verb_clause")
        at = text.index(" reported")
        outer = Claim(0, (at + 1, at + 9), "report", (0, 25), (28, at), "verb_clause")
        return doc, said, outer

    doc, said, outer = claims("Reuters")
    assert cm.vet_rules(doc, [said, outer]) == [said, outer]
    doc, said, outer = claims("Jones")  # a person reporting: the veto stands
    assert cm.vet_rules(doc, [said, outer]) == [outer]
    monkeypatch.setattr(cm, "NESTED_IN_NEWS_KEPT", False)
    doc, said, outer = claims("Reuters")
    assert cm.vet_rules(doc, [said, outer]) == [outer]


def test_the_nested_cues_kept_are_the_addressee_cues_seed_the_mart_reads():
    seed = Path(cm.ADDRESSEE_CUES_CSV)
    assert seed.parent.name == "seeds" and seed.is_file()
    lemmas = seed.read_text(encoding="utf-8").split()
    assert lemmas[0] == "cue_lemma" and cm.NESTED_CUES_KEPT == frozenset(lemmas[1:])
    assert {"tell", "warn", "urge"} <= cm.NESTED_CUES_KEPT and "say" not in cm.NESTED_CUES_KEPT
    mart = seed.parents[1] / "models" / "marts" / "fct_claim_entities.sql"
    sql = mart.read_text(encoding="utf-8")
    assert "ref('addressee_cues')" in sql and "'tell'" not in sql, "one list: the seed"


def test_the_tagger_loads_into_the_pipeline_and_finds_a_belief(nlp):
    assert cm.TAGS_PIPE in nlp.pipe_names, "the claim tagger is missing or does not fit the base"
    assert nlp.meta["newsclaims_claims"] in nm.model_signature(nlp)
    assert cm.installed_signature(tuple(nlp.vocab.vectors.shape)) == nlp.meta["newsclaims_claims"]
    assert nm.installed_model_signature(default_model()) == nm.model_signature(nlp)  # the extractor version
    doc = nlp("Farm leaders in the valley fear that the new water rules will ruin hundreds of small growers.")
    assert doc[0]._.claim_tag is not None and not any(t.tag_.count("|") for t in doc), "token.tag_ is the base's"
    claims = cm.learned_claims(doc)
    got = [(_text(doc, c.speaker), _text(doc, c.cue), _text(doc, c.content)) for c in claims]
    assert any(
        cue == "fear" and speaker and "leaders" in speaker and content and "water rules" in content
        for speaker, cue, content in got
    ), got


def test_the_artifact_is_small_and_has_no_vocab():
    files = [p for p in cm.CLAIM_COMPONENT.rglob("*") if p.is_file()]
    assert files, "no trained component in pipeline/models/claims_tagger"
    assert sum(p.stat().st_size for p in files) <= 25 * 1024 * 1024
    assert not (cm.CLAIM_COMPONENT / "vocab").exists() and not (cm.CLAIM_COMPONENT / "tokenizer").exists()


@pytest.mark.shared_data
def test_the_artifact_holds_no_rare_polnear_training_word(shared_data):
    base = spacy.load(
        nm.resolve_model("en_core_web_md"),
        exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"],
    )
    counts = collections.Counter()
    for p in (shared_data / "polnear" / "train" / "text").glob("*.txt"):
        counts.update(re.findall(r"[A-Za-z]{8,}", p.read_text(encoding="utf-8")))
    rare = [t for t, c in counts.items() if c == 1 and t not in base.vocab.strings]
    assert len(rare) > 500
    blobs = [p.read_bytes() for p in Path(cm.CLAIM_COMPONENT).rglob("*") if p.is_file()]
    assert not [t for t in rare if any(t.encode() in b for b in blobs)]


def test_a_base_without_the_vectors_gets_no_tagger():
    assert not cm.fits({"newsclaims": {"vectors_shape": [20000, 300]}}, (0, 0))
    assert cm.fits({"newsclaims": {"vectors_shape": [20000, 300]}}, (20000, 300))
    assert not cm.fits(None, (20000, 300))


def test_the_tagger_can_be_turned_off(monkeypatch):
    from pipeline import settings

    monkeypatch.setenv("NEWSCLAIMS_LEARNED_CLAIMS", "0")
    assert not settings.learned_claims()
    blank = spacy.blank("en")
    assert not cm.add_claim_component(blank) and cm.TAGS_PIPE not in blank.pipe_names
    monkeypatch.setenv("NEWSCLAIMS_LEARNED_CLAIMS", "1")
    assert settings.learned_claims()
    assert not cm.add_claim_component(blank, kind="cnn"), "a base without md's vectors gets no CNN tagger"
