"""The fine-tuned encoder claim tagger: shipped small and free of training text, run without torch,
giving the CNN tagger's tags to the same decoder."""

from __future__ import annotations

import collections
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pipeline.nlp import claim_model as cm
from pipeline.nlp import embeddings as emb
from pipeline.nlp import encoder_tagger as et

SENTENCE = "The minister said the bridge would reopen."


def test_the_artifact_is_small_and_has_tag_names_only():
    files = [p for p in et.ENCODER_COMPONENT.rglob("*") if p.is_file()]
    members = et.weight_files()
    meta = json.loads((et.ENCODER_COMPONENT / "labels.json").read_text())
    tables = ["features.safetensors"] if meta.get("features") else []  # a tagger with parse features
    assert {p.name for p in files} == {"labels.json", *(m.name for m in members), *tables}, (
        "pipeline/models/claims_encoder"
    )
    assert all(m.suffix == ".onnx" for m in members)
    assert sum(p.stat().st_size for p in files) <= 25 * 1024 * 1024
    labels = json.loads((et.ENCODER_COMPONENT / "labels.json").read_text())["labels"]
    assert "O|O" in labels and "O|B-Q" in labels and all(re.fullmatch(r"[BIO]\|(O|[BI]-[SQ])", t) for t in labels)
    assert et.available()


def test_the_tagger_tags_an_invented_sentence():
    words = ["The", "minister", "said", "the", "bridge", "would", "reopen", "."]
    tagger = et.encoder_tagger()
    tags = [tagger.labels[k] for k in tagger.probs(words).argmax(axis=1)]
    assert [t.partition("|")[2] for t in tags[:3]] == ["B-S", "I-S", "B-Q"], tags
    assert all(t.partition("|")[0] != "O" for t in tags[3:7]), tags


def test_long_texts_are_tagged_in_overlapping_windows_like_short_ones():
    tagger = et.encoder_tagger()
    words = SENTENCE.replace(".", " .").split() * 80  # 640 tokens: several windows
    ids, first, _ = tagger.pieces(words)
    assert len(ids) > 2 * tagger.window and len(tagger._windows(len(ids))) >= 3
    cores = [(cs, ce) for _, _, cs, ce in tagger._windows(len(ids))]
    assert (
        cores[0][0] == 0
        and cores[-1][1] == len(ids)
        and all(a[1] == b[0] for a, b in zip(cores, cores[1:], strict=False))
    )
    probs = tagger.probs(words)
    middle = [tagger.labels[k] for k in probs[320:328].argmax(axis=1)]
    assert middle[2].endswith("B-Q"), middle


def test_whitespace_tokens_continue_a_content_only_inside_one(monkeypatch):
    tagger = et.encoder_tagger()
    words = ["He", "said", "the", "bridge", "\n", "would", "reopen", ".", "\n\n", "It", "rained", "."]
    given = ["O|B-S", "O|B-Q", "B|O", "I|O", "I|O", "I|O", "I|O", "O|O", "O|O", "O|O"]  # the words with pieces
    ids, first, _ = tagger.pieces(words)
    probs = np.full((len(ids), len(tagger.labels)), 0.01, dtype=np.float32)
    probs[[k for k in first if k >= 0], [tagger.labels.index(t) for t in given]] = 0.9
    monkeypatch.setattr(tagger, "piece_probs", lambda ids, extra=None: probs)
    tags = [tagger.labels[k] for k in tagger.probs(words).argmax(axis=1)]
    assert tags == given[:4] + ["I|O"] + given[4:7] + ["O|O"] + given[7:], tags


def test_the_pipeline_decodes_its_tags_into_a_claim(nlp, monkeypatch):
    monkeypatch.setenv("NEWSCLAIMS_CLAIM_TAGGER", "encoder")
    assert cm.TAGS_PIPE in nlp.pipe_names
    if nlp.get_pipe(cm.TAGS_PIPE).__class__ is not et.EncoderClaimTags:
        pytest.skip("the session's pipeline runs the CNN tagger (NEWSCLAIMS_CLAIM_TAGGER=cnn)")
    doc = nlp(SENTENCE)
    assert not any(t.tag_.count("|") for t in doc), "token.tag_ is the base's"
    (claim,) = cm.learned_claims(doc)
    text = doc.text
    assert text[slice(*claim.cue)] == "said"
    assert text[slice(*claim.speaker)] == "The minister"
    assert text[slice(*claim.content)].startswith("the bridge would reopen")
    assert claim.construction == "learned"


def test_either_tagger_can_be_chosen(monkeypatch):
    import spacy

    from pipeline import settings

    monkeypatch.setenv("NEWSCLAIMS_CLAIM_TAGGER", "cnn")
    assert settings.claim_tagger() == "cnn"
    assert cm.installed_signature((0, 0)) is None, "the CNN tagger needs md's vectors"
    monkeypatch.setenv("NEWSCLAIMS_CLAIM_TAGGER", "encoder")
    blank = spacy.blank("en")
    assert cm.add_claim_component(blank) and isinstance(blank.get_pipe(cm.TAGS_PIPE), et.EncoderClaimTags)
    assert blank.meta["newsclaims_claims"] == et.signature() == cm.installed_signature((0, 0))
    assert et.signature().startswith("claims_encoder-")
    monkeypatch.setenv("NEWSCLAIMS_CLAIM_TAGGER", "bert")
    with pytest.raises(ValueError, match="NEWSCLAIMS_CLAIM_TAGGER must be one of encoder, cnn"):
        settings.claim_tagger()


@pytest.mark.shared_data
def test_the_artifact_holds_no_rare_polnear_training_word(shared_data):
    with zipfile.ZipFile(emb.model_zip()) as z:
        vocab = set(json.loads(z.read("tokenizer.json"))["model"]["vocab"])
        names = " ".join(emb._read_safetensors(z.read("model.safetensors"))).lower()  # the graph's names
    counts = collections.Counter()
    for p in (shared_data / "polnear" / "train" / "text").glob("*.txt"):
        counts.update(re.findall(r"[A-Za-z]{8,}", p.read_text(encoding="utf-8")))
    rare = [t for t, c in counts.items() if c == 1 and t.lower() not in vocab and t.lower() not in names]
    assert len(rare) > 500
    blobs = [p.read_bytes() for p in et.ENCODER_COMPONENT.rglob("*") if p.is_file()]
    assert not [t for t in rare if any(t.encode() in b for b in blobs)]


def test_an_ensemble_averages_its_members_probabilities(tmp_path):
    import shutil

    meta = json.loads((et.ENCODER_COMPONENT / "labels.json").read_text())
    (tmp_path / "labels.json").write_text(json.dumps({**meta, "members": ["a.onnx", "b.onnx"]}))
    for name in ("a.onnx", "b.onnx"):
        shutil.copy(et.ENCODER_COMPONENT / "tagger.onnx", tmp_path / name)
    assert et.available(tmp_path) and et.signature(tmp_path) != et.signature()
    words = SENTENCE.replace(".", " .").split()
    single, pair = et.encoder_tagger().probs(words), et.EncoderTagger(tmp_path)
    assert np.allclose(pair.probs(words), single, atol=1e-5), "two copies of one tagger are that tagger"
    pair.models[1] = lambda ids, mask, extra=None: np.zeros((*ids.shape, len(pair.labels)), dtype=np.float32)  # uniform
    assert np.allclose(pair.probs(words), (single + 1 / len(pair.labels)) / 2, atol=1e-5)
    (tmp_path / "b.onnx").unlink()
    assert not et.available(tmp_path)


def test_parse_features_add_their_rows_to_the_word_pieces_of_their_tokens(tmp_path, nlp):
    """A tagger trained with parse features (train.py --features) reads each token's tag, dependency
    label and entity type; a row of its feature table moves exactly the pieces of the tokens that
    have that value, and a value it never saw in training reads as none."""
    import shutil

    meta = json.loads((et.ENCODER_COMPONENT / "labels.json").read_text())
    features = {"tag": ["", "VBD", "NN"], "dep": ["", "ROOT"], "ent_type": ["", "PERSON"]}
    (tmp_path / "labels.json").write_text(json.dumps({**meta, "features": features}))
    shutil.copy(et.ENCODER_COMPONENT / "tagger.onnx", tmp_path / "tagger.onnx")
    tables = {f"features.{n}.weight": np.zeros((len(v), emb.DIMENSIONS), np.float16) for n, v in features.items()}
    # VBD ("said"): a row of varied values (a constant one the embeddings' layer norm would take away)
    tables["features.tag.weight"][1] = np.random.default_rng(0).normal(0, 0.5, emb.DIMENSIONS)
    _save_float16(tables, tmp_path / "features.safetensors")
    doc = nlp.make_doc(SENTENCE)
    for t, (tag, dep) in zip(doc, [("DT", "det"), ("NN", "nsubj"), ("VBD", "ROOT")], strict=False):
        t.tag_, t.dep_ = tag, dep
    feats = et.token_features(doc)
    assert feats[2] == ["VBD", "ROOT", ""] and feats[0] == ["DT", "det", ""]
    words = [t.text for t in doc]
    tagger, plain = et.EncoderTagger(tmp_path), et.encoder_tagger()
    with pytest.raises(ValueError, match="parse features"):
        tagger.probs(words)
    moved = np.abs(tagger.probs(words, feats) - plain.probs(words)).max(axis=1)
    assert moved[2] > 0.01, "the VBD row moves the verb"
    unseen = [["UH", "intj", "WORK_OF_ART"]] * len(words)  # values the tagger never saw: none, row 0
    assert np.allclose(tagger.probs(words, unseen), plain.probs(words), atol=1e-5)
    tables["features.tag.weight"][1] = 0
    _save_float16(tables, tmp_path / "features.safetensors")
    assert np.allclose(et.EncoderTagger(tmp_path).probs(words, feats), plain.probs(words), atol=1e-5)


def _save_float16(tables: dict[str, np.ndarray], path) -> None:
    """A safetensors file of float16 tables (the format: header length, JSON header, the bytes)."""
    import struct

    header, blobs, at = {}, [], 0
    for name, t in tables.items():
        blob = np.ascontiguousarray(t, dtype=np.float16).tobytes()
        header[name] = {"dtype": "F16", "shape": list(t.shape), "data_offsets": [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def test_int8_products_are_exact_on_every_x86_cpu():
    """The tagger's onnxruntime session multiplies int8 weights exactly: on CPUs without VNNI the
    default u8s8 kernel saturates pairs of products at 16 bits, which gave this 64-input MatMul
    (quantised as export_onnx.py quantises the tagger) about half its value there."""
    fixture = Path(__file__).with_name("fixtures") / "u8s8_matmul.onnx"
    session = et.onnx_session(fixture)
    x = np.ones((1, 64), np.float32)
    (y,) = session.run(None, {"x": x})
    np.testing.assert_allclose(y, [[64.0, -64.0, 0.0, 32.0]], rtol=0.01, atol=0.05)
